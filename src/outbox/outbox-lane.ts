// One kind's lane of the outbox worker. Its jobs are claimed and run apart from every other kind's, so
// one kind's backlog or stuck receivers never delay another (webhooks never hold up mail); within the
// lane up to `slots` jobs are in flight and a slot is refilled as soon as its job ends, so a stuck
// delivery holds one slot, not the lane. The jobs of one share key (a webhook delivery's workspace)
// hold no more than `slotsPerShareKey` of them, and a key whose last job failed no more than one until
// one of its jobs goes through; the failing keys together hold no more than `slotsForFailingKeys`. So
// one tenant's stuck deliveries leave the other slots to everyone else's, and no number of workspaces
// whose receivers never answer (workspaces are free) takes the slots kept for keys that deliver. Jobs
// are claimed only for free slots and started at once, so each runs within the lease its claim took.
import { OutboxJob } from './outbox';

/**
 * What a claim may take: up to `limit` jobs, of each key in `roomByShareKey` as many as it says (keys
 * with jobs in flight, or held to one slot), of any other key `perShareKey`, and of the keys in
 * `failingKeys` together no more than `failingRoom`.
 */
export interface ClaimRoom {
  limit: number;
  perShareKey: number;
  roomByShareKey: ReadonlyMap<string, number>;
  failingKeys: readonly string[];
  failingRoom: number;
}
export type ClaimJobs = (room: ClaimRoom) => Promise<OutboxJob[]>;
/**
 * Runs one job to its recorded outcome: true when it went through, false when it failed (to be retried
 * or given up); throws only when the outcome could not be recorded (the database).
 */
export type RunJob = (job: OutboxJob) => Promise<boolean>;

/** Keys held to one slot that the lane remembers at most; past it, the one that failed longest ago is forgotten. */
const MAX_FAILING_KEYS = 10_000;

export class OutboxLane {
  /** Drains waiting for a slot to free up, woken by nudge() to claim at once what was just added. */
  private readonly sleepers = new Set<() => void>();
  /** A nudge that no claim started since has answered. */
  private nudged = false;
  private background: Promise<unknown> | null = null;
  private stopped = false;
  /** Share keys whose last job failed (a receiver that times out, refuses or errs): one slot each until one goes through. */
  private readonly failingKeys = new Set<string>();

  constructor(
    private readonly slots: number,
    private readonly slotsPerShareKey: number,
    private readonly slotsForFailingKeys: number,
    private readonly claim: ClaimJobs,
    private readonly run: RunJob,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Soon: a background drain starts, or the one in progress claims again as soon as it has a free slot
   * (not only when a job ends); one nudged during its last claim runs again, so no commit is missed.
   */
  nudge(): void {
    if (this.stopped) return;
    this.nudged = true;
    for (const wake of this.sleepers) wake();
    if (this.background) return;
    this.background = this.drain()
      .catch(this.onError)
      .finally(() => {
        this.background = null;
        if (this.nudged) this.nudge();
      });
  }

  /** Claims nothing more; resolves once the background drain has ended (its jobs in flight with it). */
  stop(): Promise<unknown> {
    this.stopped = true;
    return this.background ?? Promise.resolve();
  }

  /**
   * Runs every due job of the lane, up to `slots` at once and `slotsPerShareKey` of a key (one of a
   * failing key, `slotsForFailingKeys` of them all), until none is due and none is in flight; returns how many ran. A database error stops
   * the claims, lets the jobs in flight end, then throws.
   */
  async drain(): Promise<number> {
    const inFlight = new Set<Promise<void>>();
    const inFlightByShareKey = new Map<string, number>();
    let ran = 0;
    // Claim at the start and whenever a job ends: what it left behind (a retry due now) is due again.
    let claimAgain = true;
    let failure: { error: unknown } | null = null;
    let wake: () => void = () => undefined;
    for (;;) {
      const free = this.slots - inFlight.size;
      if ((claimAgain || this.nudged) && free > 0 && !failure && !this.stopped) {
        claimAgain = false;
        this.nudged = false;
        try {
          const jobs = await this.claim({
            limit: free,
            perShareKey: this.slotsPerShareKey,
            roomByShareKey: this.rooms(inFlightByShareKey),
            failingKeys: [...this.failingKeys],
            failingRoom: this.failingRoom(inFlightByShareKey),
          });
          for (const job of jobs) {
            count(inFlightByShareKey, job.shareKey, 1);
            const running: Promise<void> = this.run(job)
              .then((wentThrough) => this.remember(job.shareKey, wentThrough))
              .catch((error: unknown) => {
                failure ??= { error };
              })
              .finally(() => {
                count(inFlightByShareKey, job.shareKey, -1);
                inFlight.delete(running);
                claimAgain = true;
                wake();
              });
            inFlight.add(running);
          }
          ran += jobs.length;
        } catch (error) {
          failure ??= { error };
        }
        continue;
      }
      if (inFlight.size === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        this.sleepers.add(resolve);
      });
      this.sleepers.delete(wake);
    }
    if (failure) throw failure.error;
    return ran;
  }

  /** The room of every key with less than a full share: its share (one while failing) less what it has in flight. */
  private rooms(inFlightByShareKey: ReadonlyMap<string, number>): Map<string, number> {
    const rooms = new Map<string, number>();
    for (const key of this.failingKeys) rooms.set(key, 1);
    for (const [key, n] of inFlightByShareKey) rooms.set(key, Math.max(0, (rooms.get(key) ?? this.slotsPerShareKey) - n));
    return rooms;
  }

  /** The slots the failing keys may still take together: their part of the lane less their jobs in flight. */
  private failingRoom(inFlightByShareKey: ReadonlyMap<string, number>): number {
    let inFlight = 0;
    for (const key of this.failingKeys) inFlight += inFlightByShareKey.get(key) ?? 0;
    return Math.max(0, this.slotsForFailingKeys - inFlight);
  }

  private remember(key: string | null, wentThrough: boolean): void {
    if (key === null) return;
    if (wentThrough) {
      this.failingKeys.delete(key);
      return;
    }
    // Newest last (a Set keeps insertion order): past the limit the key that failed longest ago goes.
    this.failingKeys.delete(key);
    if (this.failingKeys.size >= MAX_FAILING_KEYS) this.failingKeys.delete(this.failingKeys.values().next().value!);
    this.failingKeys.add(key);
  }
}

/** Adds `by` to a key's count; a key at 0 leaves the map (a job without a key counts nowhere). */
function count(counts: Map<string, number>, key: string | null, by: number): void {
  if (key === null) return;
  const n = (counts.get(key) ?? 0) + by;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}
