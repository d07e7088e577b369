// A wait told to a person: "15 minutes", rounded up so that trying again then works.

/** Seconds as a person reads a wait: "45 seconds", "15 minutes", "2 hours", rounded up. */
export function readableWait(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return plural(whole, 'second');
  if (whole < 3600) return plural(Math.ceil(whole / 60), 'minute');
  return plural(Math.ceil(whole / 3600), 'hour');
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
