/** Time as the service sees it; injectable so tests can move it (expiry, grace periods, rate-limit windows). */
export abstract class Clock {
  abstract now(): Date;

  /** The same moment in milliseconds since the epoch: what the token check reads, with no `Date` made per request. */
  nowMs(): number {
    return this.now().getTime();
  }
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }

  override nowMs(): number {
    return Date.now();
  }
}
