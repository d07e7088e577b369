// argon2id for passwords (and only passwords: tokens are random and use SHA-256). Every argon2 call goes
// through one bounded queue (PasswordWork): at most `concurrency` at once, sign-ins served before other
// work, and past `maxWaiting` waiting the request gets 503 at once instead of a growing wait for everyone.
import { Inject, Injectable } from '@nestjs/common';
import argon2 from 'argon2';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError, ErrorCode } from '../common/errors';

/**
 * Sign-ins (login, its decoy for unknown emails) and other password work (register, password change) wait
 * apart: a burst of password changes cannot fill the queue sign-ins wait in, and a free slot goes to a
 * waiting sign-in first.
 */
export type PasswordWorkKind = 'sign-in' | 'other';

const BUSY_RETRY_AFTER_SECONDS = 1;

export class PasswordWork {
  private running = 0;
  private readonly waiting: Record<PasswordWorkKind, Array<() => void>> = { 'sign-in': [], other: [] };

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
  ) {}

  /** Runs `work` when a slot is free; throws 503 `unavailable` when this kind's queue is full. */
  async run<T>(kind: PasswordWorkKind, work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      const queue = this.waiting[kind];
      if (queue.length >= this.maxWaiting) {
        throw new DomainError(ErrorCode.Unavailable, 'Too much password work at the moment; try again shortly.', {
          retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS,
        });
      }
      // The slot is handed over by the one that ends (running stays counted), so none can jump the queue.
      await new Promise<void>((resolve) => queue.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting['sign-in'].shift() ?? this.waiting.other.shift();
      if (next) next();
      else this.running--;
    }
  }
}

@Injectable()
export class PasswordHasher {
  private readonly options: argon2.HashOptions;
  private readonly work: PasswordWork;
  // Verified against when the email is unknown, so a miss costs what a wrong password costs.
  private readonly decoy: Promise<string>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.options = { type: argon2.argon2id, memoryCost: config.argon2MemoryKib, timeCost: 2, parallelism: 1 };
    this.work = new PasswordWork(config.passwordWork.concurrency, config.passwordWork.maxWaiting);
    this.decoy = argon2.hash('latchkey-decoy-password', this.options);
  }

  hash(password: string): Promise<string> {
    return this.work.run('other', () => argon2.hash(password, this.options));
  }

  /**
   * A password change: the current password checked and the new one hashed in one turn of the queue, so a
   * change that has started is not refused halfway. null when the current password is not correct.
   */
  change(currentHash: string, currentPassword: string, newPassword: string): Promise<string | null> {
    return this.work.run('other', async () => {
      const ok = await argon2.verify(currentHash, currentPassword).catch(() => false);
      return ok ? argon2.hash(newPassword, this.options) : null;
    });
  }

  /** A null hash (unknown email) is verified against the decoy, through the same queue: same cost, same wait. */
  async verify(hash: string | null, password: string, kind: PasswordWorkKind = 'other'): Promise<boolean> {
    const against = hash ?? (await this.decoy);
    return this.work.run(kind, async () => {
      try {
        const ok = await argon2.verify(against, password);
        return hash !== null && ok;
      } catch {
        return false;
      }
    });
  }
}
