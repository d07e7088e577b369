/** Time as the service sees it; injectable so tests can move it (expiry, grace periods, rate-limit windows). */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
