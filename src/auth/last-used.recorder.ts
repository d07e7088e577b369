// lastUsedAt / lastUsedIp without a write per request: uses are kept in memory and written in one
// statement every LATCHKEY_LAST_USED_FLUSH_SECONDS (at most 60), and once more at shutdown.
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { TokensRepository } from '../tokens/tokens.repository';

// A flush that failed (database outage) keeps its entries for the next one, but never more than this.
const MAX_PENDING = 200_000;

@Injectable()
export class LastUsedRecorder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('LastUsed');
  // `at` in ms since the epoch: the check records a use without making a Date.
  private pending = new Map<string, { at: number; ip: string }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tokens: TokensRepository,
    private readonly database: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.lastUsedFlushSeconds * 1000);
    this.timer.unref();
    this.database.beforeClose(() => this.flushAtShutdown());
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  record(tokenId: string, at: number, ip: string): void {
    // The token's entry is updated in place on every check after its first: no object per request.
    const entry = this.pending.get(tokenId);
    if (entry !== undefined) {
      entry.at = at;
      entry.ip = ip;
      return;
    }
    if (this.pending.size >= MAX_PENDING) return;
    this.pending.set(tokenId, { at, ip });
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      // A token a change holds is written at the next flush.
      const skipped = await this.tokens.recordLastUsed([...batch].map(([id, use]) => ({ id, at: new Date(use.at), ip: use.ip })));
      this.keep(skipped.map((id) => [id, batch.get(id)!]));
    } catch (error) {
      this.logger.warn({ entries: batch.size, err: { type: (error as Error)?.constructor?.name } }, 'last-used flush failed; will retry');
      this.keep(batch);
    }
  }

  /**
   * The last flush: a row a change holds has no next flush to be written at, so each left is written
   * alone, waiting for the change (one row a statement: it holds nothing while it waits, so it cannot
   * close a cycle with the change).
   */
  private async flushAtShutdown(): Promise<void> {
    await this.flush();
    const held = this.pending;
    this.pending = new Map();
    for (const [id, use] of held) {
      try {
        await this.tokens.recordLastUsedOf(id, new Date(use.at), use.ip);
      } catch (error) {
        this.logger.warn({ tokenId: id, err: { type: (error as Error)?.constructor?.name } }, 'last use not recorded at shutdown');
      }
    }
  }

  /** Entries of a batch not written, kept for the next flush unless a newer use of their token came since. */
  private keep(entries: Iterable<[string, { at: number; ip: string }]>): void {
    for (const [id, use] of entries) {
      const newer = this.pending.get(id);
      if (!newer && this.pending.size < MAX_PENDING) this.pending.set(id, use);
    }
  }
}
