// After LATCHKEY_LOGIN_MAX_FAILURES failures for one email within the window, further attempts get 429
// until the window passes. Keyed by the email whether or not an account has it, so 429 tells nothing.
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/errors';

// A flood of made-up emails must not grow memory without bound: the oldest keys go first.
const MAX_TRACKED_EMAILS = 100_000;

@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.maxFailures = config.login.maxFailures;
    this.windowMs = config.login.windowSeconds * 1000;
  }

  /**
   * Counts an attempt as failed before the password is checked, so parallel guesses cannot all pass
   * the check while the first ones are still hashing. A success calls reset(). Throws 429 when locked out.
   */
  begin(email: string): void {
    this.assertAllowed(email);
    this.recordFailure(email);
  }

  /** Throws 429 with Retry-After while the email is locked out. */
  assertAllowed(email: string): void {
    const now = this.clock.now().getTime();
    const recent = this.recent(email, now);
    if (recent.length < this.maxFailures) return;
    const unlockAt = recent[recent.length - this.maxFailures] + this.windowMs;
    throw new DomainError(ErrorCode.RateLimited, 'Too many failed sign-in attempts; try again later.', {
      retryAfterSeconds: Math.max(1, Math.ceil((unlockAt - now) / 1000)),
    });
  }

  recordFailure(email: string): void {
    const key = normalize(email);
    const now = this.clock.now().getTime();
    const recent = [...this.recent(key, now), now].slice(-this.maxFailures);
    this.failures.delete(key);
    this.failures.set(key, recent);
    if (this.failures.size > MAX_TRACKED_EMAILS) this.evict(now);
  }

  /** Expired entries go first; only if none has expired does the least recently failed email go. */
  private evict(now: number): void {
    for (const [key, times] of this.failures) {
      if (times[times.length - 1] <= now - this.windowMs) this.failures.delete(key);
    }
    if (this.failures.size > MAX_TRACKED_EMAILS) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  reset(email: string): void {
    this.failures.delete(normalize(email));
  }

  private recent(email: string, now: number): number[] {
    return (this.failures.get(normalize(email)) ?? []).filter((at) => at > now - this.windowMs);
  }
}

function normalize(email: string): string {
  return email.trim().toLowerCase();
}
