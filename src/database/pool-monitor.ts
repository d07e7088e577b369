// Watches the connection pool, so a request that found every connection busy is not mistaken for an
// outage, and readiness and metrics can say how busy the pool is.
import type { Pool, PoolClient } from 'pg';

export interface PoolStats {
  /** The most connections the pool opens (LATCHKEY_DB_POOL_SIZE; 1 on the embedded database). */
  size: number;
  /** Connections that reached the server and have not ended. */
  open: number;
  /** Connections handed out to queries and transactions (opening ones included). */
  inUse: number;
  idle: number;
  /** Queries queued for a connection. */
  waiting: number;
  /** A pooled connection reported an error (lost, reset) within the last RECENT_ERROR_MS. */
  recentConnectionError?: boolean;
}

/** How long a connection's error explains a transaction that finds its connection released. */
const RECENT_ERROR_MS = 10_000;

export class PoolMonitor {
  private pool: Pool | null = null;
  private openConnections = 0;
  private lastConnectionError = -Infinity;

  constructor(readonly size: number) {}

  /**
   * pg-pool's `onConnect` hook, handed to the pool through TypeORM's `extra`, so it also sees the
   * connection TypeORM opens while initialising, before the pool object is reachable.
   */
  readonly onConnect = (client: PoolClient): void => {
    this.openConnections++;
    client.once('end', () => this.openConnections--);
    // pg-pool and TypeORM handle the error; this only remembers when one came (database-errors.ts).
    client.on('error', () => (this.lastConnectionError = performance.now()));
  };

  attach(pool: Pool): void {
    this.pool = pool;
  }

  stats(): PoolStats {
    const pool = this.pool;
    if (!pool) return { size: this.size, open: 0, inUse: 0, idle: 0, waiting: 0 };
    return {
      size: this.size,
      open: this.openConnections,
      inUse: pool.totalCount - pool.idleCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      recentConnectionError: performance.now() - this.lastConnectionError < RECENT_ERROR_MS,
    };
  }

  /** Every connection is taken and no other may open: a query now would queue. */
  get saturated(): boolean {
    const { inUse, idle } = this.stats();
    return idle === 0 && inUse >= this.size;
  }
}
