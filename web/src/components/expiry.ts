// The expiry choices of every token form (named tokens, API users' tokens, a new API user's first
// token): one list, cut to what a workspace's token policy accepts.

const DAYS = [7, 30, 60, 90, 180, 366];

export interface ExpiryChoice {
  value: string;
  label: string;
}

/**
 * Days to choose from, and "never" unless a maximum lifetime forbids it. Under a policy, only what it
 * accepts: the maximum itself is offered when it is not one of the usual choices.
 */
export function expiryChoices({ longest, policyMaxDays }: { longest: number; policyMaxDays?: number | null }): ExpiryChoice[] {
  const cap = Math.min(longest, policyMaxDays ?? Infinity);
  const days = DAYS.filter((d) => d <= cap);
  if (policyMaxDays && !days.includes(cap)) days.push(cap);
  const choices = days.map((d) => ({
    value: String(d),
    label: `${d} days${d === cap && policyMaxDays ? ' (the longest this workspace allows)' : d === cap ? ' (the longest)' : ''}`,
  }));
  if (!policyMaxDays) choices.push({ value: 'never', label: 'Never' });
  return choices;
}

/** The default: 90 days, or the longest the policy allows when that is less. */
export function defaultExpiry(choices: ExpiryChoice[]): string {
  return choices.find((c) => c.value === '90')?.value ?? choices.filter((c) => c.value !== 'never').at(-1)?.value ?? 'never';
}

export function expiresInDays(choice: string): number | null {
  return choice === 'never' ? null : Number(choice);
}
