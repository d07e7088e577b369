// Cache invalidation across instances. A change publishes an event inside its own transaction:
// pg_notify delivers it to every instance's LISTEN connection when (and only if) the transaction
// commits, well within a second. This instance applies it at once and again right after its COMMIT,
// before the response leaves: a check racing the change can read the old row until COMMIT and put it
// back in a cache, and the 204 of a revocation means the token is dead here, not once our own
// notification comes round. While the LISTEN connection is lost, nothing tells this instance about
// other instances' changes: every cache is emptied and stores nothing until the channel is back, so
// each check reads the database (slower, never stale); /health/ready and the metrics show it.
// LISTEN needs a session of its own on the primary: behind a pooler in transaction mode it goes to
// LATCHKEY_DATABASE_LISTEN_URL, a direct connection (pg_notify itself goes through the pooler, inside
// the transaction of the change).
// On the embedded database only one process can run (its data directory is locked) and every query
// goes through one connection, so applying events locally is exact; there is no LISTEN there.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const INVALIDATION_CHANNEL = 'latchkey_invalidate';

export type InvalidationEvent =
  /** A token was revoked, rotated or cut off somewhere: it and the sessions exchanged from it. */
  | { kind: 'token'; id: string }
  /** A user's status or password changed: every token of theirs, everything they may do. */
  | { kind: 'user'; id: string }
  | { kind: 'api_user'; id: string }
  /** Roles, memberships, device access, policy, or the workspace itself changed. */
  | { kind: 'workspace'; id: string }
  /**
   * A device was deleted: what was read from it goes (the access rows that select it, the tokens bound
   * to it, the knowledge that it exists), and nothing else of its workspace. Creating or renaming a
   * device changes nothing any cache holds. (An instance older than this event ignores it: a rolling
   * deploy must not mix the two while devices are deleted; docs/performance.md.)
   */
  | { kind: 'device'; id: string }
  /**
   * Anything may have changed. channelLost: nothing about other instances' changes arrives until an
   * 'all' without it (the channel is back), so caches must store nothing meanwhile.
   */
  | { kind: 'all'; channelLost?: boolean };

/**
 * local: the embedded database, one process, events applied in place; off: no caches (TTL 0), nothing to
 * invalidate; listening / lost: the LISTEN connection's state.
 */
export type ChannelState = 'local' | 'off' | 'listening' | 'lost';

type Listener = (event: InvalidationEvent) => void;

const RECONNECT_DELAY_MS = 1000;
/**
 * A LISTEN connection can go silent without closing (a host that hangs, packets dropped, a LISTEN URL
 * wrongly pointed at a transaction pooler): every HEARTBEAT_MS the instance notifies itself on it, and a
 * channel that has heard nothing for HEARTBEAT_TIMEOUT_MS counts as lost.
 */
const HEARTBEAT_MS = 5000;
const HEARTBEAT_TIMEOUT_MS = 15_000;
/**
 * How long a new LISTEN connection may take to hear a probe notified through the application's own pool.
 * Notifications reach only the sessions of the database they were sent in: a LISTEN URL naming another
 * database (or another cluster, through a pooler alias or a load balancer) would hear its own heartbeat
 * and nothing of the other instances' changes, and call itself listening (review 12a).
 */
const PROBE_TIMEOUT_MS = 5000;
/** Every kind of event that names something: a kind added to InvalidationEvent does not compile until listed. */
const NAMED_KINDS: ReadonlySet<string> = new Set(
  Object.keys({ token: 0, user: 0, api_user: 0, workspace: 0, device: 0 } satisfies Record<
    Exclude<InvalidationEvent, { kind: 'all' }>['kind'],
    0
  >),
);

/**
 * What a notification asks for. Anyone who can connect may pg_notify, so nothing from the wire is taken
 * as it is: a named event keeps its kind and id, a heartbeat is told apart, and anything else (garbage,
 * an 'all' with flags) is a plain 'all', which can only empty the caches, never switch them off.
 */
function fromWire(payload: string | undefined): InvalidationEvent | { kind: 'heartbeat'; probe?: string } {
  try {
    const event = JSON.parse(payload ?? '') as { kind?: unknown; id?: unknown; probe?: unknown };
    if (event?.kind === 'heartbeat')
      return typeof event.probe === 'string' ? { kind: 'heartbeat', probe: event.probe } : { kind: 'heartbeat' };
    if (typeof event?.kind === 'string' && NAMED_KINDS.has(event.kind) && typeof event.id === 'string') {
      return { kind: event.kind, id: event.id } as InvalidationEvent;
    }
  } catch {
    // not JSON: as below
  }
  return { kind: 'all' };
}

@Injectable()
export class Invalidation implements OnApplicationBootstrap, OnApplicationShutdown, EntitySubscriberInterface {
  private readonly logger = new Logger('Invalidation');
  private readonly listeners: Listener[] = [];
  private client: Client | null = null;
  private stopped = false;
  /** Clients whose loss has been handled: 'error', 'end' and a failed connect() can all report one loss. */
  private readonly lost = new WeakSet<Client>();
  /** Events published inside a transaction still open, applied again once it commits. */
  private readonly pending = new WeakMap<QueryRunner, InvalidationEvent[]>();
  private channel: ChannelState;
  /** For the metrics: how often the channel was lost, and how many events came in through it. */
  readonly counts = { losses: 0, received: 0 };
  private heartbeat: NodeJS.Timeout | null = null;
  /** When the LISTEN connection last heard anything (performance.now()). */
  private lastHeard = 0;
  private readonly instanceId = randomUUID();
  /** The probe a new LISTEN connection waits to hear (hearsThePool), and what to call when it does. */
  private probe: { nonce: string; heard: () => void } | null = null;
  /** Said once per wrong LISTEN URL, not at every retry. */
  private misdirectionLogged = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly dataSource?: DataSource,
  ) {
    // TypeORM tells its subscribers about every COMMIT and ROLLBACK, whichever service ran the transaction.
    dataSource?.subscribers.push(this);
    this.channel = !config.databaseListenUrl ? 'local' : config.cache.ttlSeconds > 0 ? 'lost' : 'off';
  }

  get state(): ChannelState {
    return this.channel;
  }

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
  }

  /**
   * Call inside the transaction that makes the change. Applied now, and again after COMMIT: until then
   * a check on this instance still reads the old row, and the second pass drops what such a check
   * stored and discards the fills still reading (see HotCache.fill). Outside a transaction the change
   * has committed by the time the notification is sent.
   */
  async publish(em: EntityManager, event: InvalidationEvent): Promise<void> {
    await this.publishAll(em, [event]);
  }

  /** The same for several events, in one statement whatever their number (a change of many rows). */
  async publishAll(em: EntityManager, events: readonly InvalidationEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const event of events) this.apply(event);
    const transaction = em.queryRunner?.isTransactionActive ? em.queryRunner : null;
    if (transaction) {
      const pending = this.pending.get(transaction);
      // Appended one by one: a spread of 120,000 events overflowed the stack (review 18a).
      if (pending) for (const event of events) pending.push(event);
      else this.pending.set(transaction, [...events]);
    }
    if (this.channel !== 'local') {
      await em.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [
        INVALIDATION_CHANNEL,
        events.map((event) => JSON.stringify(event)),
      ]);
    }
    if (!transaction) for (const event of events) this.apply(event);
  }

  /** TypeORM, after COMMIT or RELEASE SAVEPOINT: the outermost commit applies the transaction's events again. */
  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    if (queryRunner.isTransactionActive) return;
    const events = this.pending.get(queryRunner);
    if (!events) return;
    this.pending.delete(queryRunner);
    for (const event of events) this.apply(event);
  }

  /** Nothing changed: the first pass was harmless, and there is nothing to apply again. */
  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) this.pending.delete(queryRunner);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.channel === 'lost') await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.stopHeartbeat();
    await this.client?.end().catch(() => undefined);
  }

  private apply(event: InvalidationEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.config.databaseListenUrl as string,
      application_name: 'latchkey-listen',
      // An address that accepts and never answers must not hold the start (or a retry) for ever.
      connectionTimeoutMillis: this.config.dbAcquireTimeoutMs,
      keepAlive: true,
    });
    client.on('notification', (message) => {
      this.counts.received++;
      this.lastHeard = performance.now();
      const event = fromWire(message.payload);
      if (event.kind !== 'heartbeat') this.apply(event);
      else if (event.probe !== undefined && event.probe === this.probe?.nonce) this.probe.heard();
    });
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      if (this.abandoned(client)) return;
      await client.query(`LISTEN ${INVALIDATION_CHANNEL}`);
      // The connection may have been lost (or the app stopped) in the very turn LISTEN answered:
      // taking it now would call a dead channel working, and no retry would come.
      if (this.abandoned(client)) return;
      if (!(await this.hearsThePool())) {
        if (!this.misdirectionLogged) {
          this.logger.error(
            'the LISTEN connection does not hear notifications sent through the database pool: LATCHKEY_DATABASE_LISTEN_URL must name the same database on the same primary as LATCHKEY_DATABASE_URL; caches bypassed until it does',
          );
          this.misdirectionLogged = true;
        }
        return this.reconnect(client);
      }
      if (this.abandoned(client)) return;
      this.misdirectionLogged = false;
      this.client = client;
      this.channel = 'listening';
      this.lastHeard = performance.now();
      this.startHeartbeat(client);
      // Whatever happened while nobody was listening is unknown: start from nothing, and cache again.
      this.apply({ kind: 'all' });
    } catch (error) {
      this.logger.warn(
        { err: { type: (error as Error)?.constructor?.name, code: (error as { code?: string }).code } },
        'LISTEN failed; retrying',
      );
      this.reconnect(client);
    }
  }

  /**
   * Whether the new LISTEN connection hears a notification sent through the application's pool, where
   * every change publishes its events: the one proof that it listens to the right database. Without a
   * DataSource (unit tests of this class) there is no pool to ask.
   */
  private async hearsThePool(): Promise<boolean> {
    if (!this.dataSource) return true;
    const nonce = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<boolean>((resolve) => {
      this.probe = { nonce, heard: () => resolve(true) };
      timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
      timer.unref();
    });
    try {
      await this.dataSource.query('SELECT pg_notify($1, $2)', [INVALIDATION_CHANNEL, JSON.stringify({ kind: 'heartbeat', probe: nonce })]);
      return await heard;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      this.probe = null;
    }
  }

  /** Whether a connection being set up is no longer wanted: lost meanwhile (a retry is under way) or the app stopped. */
  private abandoned(client: Client): boolean {
    if (!this.stopped && !this.lost.has(client)) return false;
    void client.end().catch(() => undefined);
    return true;
  }

  private startHeartbeat(client: Client): void {
    this.stopHeartbeat();
    const beat = JSON.stringify({ kind: 'heartbeat', from: this.instanceId });
    this.heartbeat = setInterval(() => {
      if (this.client !== client) return this.stopHeartbeat();
      if (performance.now() - this.lastHeard > HEARTBEAT_TIMEOUT_MS) {
        this.logger.warn('invalidation channel silent: reconnecting');
        return this.reconnect(client);
      }
      // On the LISTEN connection itself: a session hears its own notifications, so silence means that
      // connection is gone (or goes through a transaction pooler, which loses them). Not through the
      // pool: the heartbeat would count among the application's queries (QueryCounter, the metrics).
      void client.query('SELECT pg_notify($1, $2)', [INVALIDATION_CHANNEL, beat]).catch(() => undefined);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private reconnect(client: Client): void {
    // Without the `lost` check every failed attempt could start two retry loops, doubling each second.
    if (this.stopped || this.lost.has(client) || (this.client !== null && this.client !== client)) return;
    this.lost.add(client);
    this.client = null;
    this.stopHeartbeat();
    if (this.channel === 'listening') {
      this.counts.losses++;
      this.logger.warn('invalidation channel lost: caches bypassed until it is back');
    }
    this.channel = 'lost';
    this.apply({ kind: 'all', channelLost: true });
    client.removeAllListeners();
    void client.end().catch(() => undefined);
    setTimeout(() => {
      if (!this.stopped && this.client === null) void this.listen();
    }, RECONNECT_DELAY_MS).unref();
  }
}
