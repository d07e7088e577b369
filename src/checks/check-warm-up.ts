// Warms the token check at start, before the service listens (main.ts), so that the first check after a
// restart is not the one that opens the pool's connections, runs the check's statements for the first
// time on them, and has its code paths compiled (docs/performance.md, "At scale").
//
// Nothing it does is anyone's, and it leaves nothing anyone could see:
//   - its statements read with a hash and ids nobody has (random, made here), and write nothing;
//   - its requests go through Fastify's inject from an address no connection can have
//     (common/warm-up-request.ts): the request metrics, the request log and the failed-check limit
//     leave them out; with no principal there is no usage, last use or audit to record;
//   - the one thing remembered is its never-issued token's hash among the unknown tokens
//     (TokenAuthenticator): that token is random, made here and dropped, so nobody can present it;
//   - and the cache gets the credentials of the PRIMED_TOKENS live tokens used last, their principals'
//     access rows and the devices of those workspaces, as their first checks would have put them there
//     (read on the same terms as any fill: TokenAuthenticator.prime, WorkspaceAccessResolver.prime,
//     ChecksService.primeDevices).
// It is bounded in time and never stops the start: past WARM_UP_BUDGET_MS, or on any failure, the
// service starts as it would have without it, and says so in one line.
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource, type QueryRunner } from 'typeorm';
import { generateToken, hashToken } from '../auth/token-format';
import { WorkspaceAccessResolver } from '../authorization/workspace-access';
import { WARM_UP_ADDRESS } from '../common/warm-up-request';
import { Database } from '../database/database';
import { DevicesRepository } from '../devices/devices.repository';
import { TokensRepository } from '../tokens/tokens.repository';
import { TokenAuthenticator } from '../auth/token-authenticator';
import { ChecksService } from './checks.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/**
 * How many of the tokens used last have their credentials read into the cache at start: a platform's
 * busy set, read in one statement (the order is the one the rate limiter's start-up read sorts by).
 */
export const PRIMED_TOKENS = 1000;

/**
 * How many access rows of those tokens' principals are read into the cache at start (a user in many
 * workspaces has a row in each; those of the principals used last come first).
 */
export const PRIMED_ACCESS_ROWS = 5000;

/** How many devices of those rows' workspaces are read in as known to exist (those of the rows read first, first). */
export const PRIMED_DEVICES = 20_000;

/** A slow database must not hold the start: past this, the service starts without waiting for the rest. */
export const WARM_UP_BUDGET_MS = 3000;

export interface WarmUpOutcome {
  outcome: 'warmed' | 'unfinished' | 'failed';
  /** Pool connections opened and warmed (every one the pool may open, when all went well). */
  connections: number;
  ms: number;
}

const logger = new Logger('CheckWarmUp');

/** Call after app.init() and before app.listen(); resolves within `budgetMs` (a little more) and never rejects. */
export async function warmUpTokenCheck(app: NestFastifyApplication, budgetMs = WARM_UP_BUDGET_MS): Promise<WarmUpOutcome> {
  const started = performance.now();
  // `late`: past the budget, what is still running stops at its next step, giving its connections back.
  const progress = { connections: 0, late: false };
  const elapsed = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budgetMs);
  });
  const work = warmUp(app, progress);
  // Whatever happens after the budget is nobody's concern but must not be an unhandled rejection.
  work.catch(() => undefined);
  try {
    if ((await Promise.race([work, late])) === 'late') {
      progress.late = true;
      logger.warn({ ms: elapsed(), budgetMs }, 'token check warm-up unfinished in time: starting without waiting for it');
      return { outcome: 'unfinished', connections: progress.connections, ms: elapsed() };
    }
    logger.log({ ms: elapsed(), connections: progress.connections }, 'token check warmed up');
    return { outcome: 'warmed', connections: progress.connections, ms: elapsed() };
  } catch (error) {
    // By kind only: a driver's message can carry SQL or the database's address.
    const err =
      error instanceof WarmUpRefused ? { type: 'WarmUpRefused', status: error.status } : { type: (error as Error)?.constructor?.name };
    logger.warn({ err }, 'token check warm-up failed: starting without it');
    return { outcome: 'failed', connections: progress.connections, ms: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

interface Progress {
  connections: number;
  late: boolean;
}

async function warmUp(app: NestFastifyApplication, progress: Progress): Promise<void> {
  await warmConnections(app, progress);
  if (!progress.late) await primeCaches(app, progress);
  if (!progress.late) await warmRoute(app);
}

/**
 * The tokens used last are the ones asked about first: their credentials in the cache save the first
 * check of each a database round trip (TokenAuthenticator.prime says why that is safe); then what their
 * first checks read next, their principals' access rows and the devices of those workspaces, on the same
 * terms. No more than a cache holds: beyond that, priming would only evict what it had just read. With
 * the caches keeping nothing (off, or the channel lost) nothing is read (HotCache.fillMany), and with no
 * credential primed there is no principal, row or workspace to go on with.
 */
async function primeCaches(app: NestFastifyApplication, progress: Progress): Promise<void> {
  const bound = app.get<AppConfig>(APP_CONFIG).cache.maxEntries;
  const principalIds = await app.get(TokenAuthenticator).prime(Math.min(PRIMED_TOKENS, bound));
  if (progress.late) return;
  const workspaceIds = await app.get(WorkspaceAccessResolver).prime(principalIds, Math.min(PRIMED_ACCESS_ROWS, bound));
  if (progress.late) return;
  await app.get(ChecksService).primeDevices(workspaceIds, Math.min(PRIMED_DEVICES, bound));
}

/**
 * Opens every connection the pool may open (a burst of cold checks would open as many) and runs the
 * check's statements once on each: the credential by hash, the access row (a user's and an API user's:
 * two statements) and the device. A new connection's first statements read the catalog (a cold cache
 * per server process); these pay for it here. Behind PgBouncer they warm whichever server connections
 * serve them, which is as good as it gets there.
 */
async function warmConnections(app: NestFastifyApplication, progress: Progress): Promise<void> {
  const size = app.get(Database).poolStats().size;
  const dataSource = app.get(DataSource);
  const tokens = app.get(TokensRepository);
  const access = app.get(WorkspaceAccessResolver);
  const devices = app.get(DevicesRepository);
  const nobody = randomUUID();
  const nowhere = randomUUID();
  const unknownHash = hashToken(generateToken('lka_'));
  const runners: QueryRunner[] = Array.from({ length: size }, () => dataSource.createQueryRunner());
  try {
    // Connected at once, each runner holds a connection of its own: the pool opens `size` of them.
    const connected = await Promise.allSettled(runners.map((runner) => runner.connect()));
    const ready = runners.filter((_, i) => connected[i].status === 'fulfilled');
    if (ready.length === 0) throw (connected[0] as PromiseRejectedResult).reason;
    progress.connections = ready.length;
    // Settled, every one, before any connection goes back: none is released under a running statement.
    const ran = await Promise.allSettled(
      ready.map(async (runner) => {
        const em = runner.manager;
        const statements = [
          () => tokens.findCredentialByHash(unknownHash, em),
          () => access.holdings({ type: 'user', id: nobody }, nowhere, em),
          () => access.holdings({ type: 'api_user', id: nobody }, nowhere, em),
          () => devices.existing(nowhere, [nobody], em),
        ];
        for (const statement of statements) if (!progress.late) await statement();
      }),
    );
    const failed = ran.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await Promise.all(runners.map((runner) => runner.release().catch(() => undefined)));
  }
}

/**
 * The check's route through Fastify, hooks and all: no token, a malformed one, and a well-formed one
 * nobody was ever given (looked up, then refused). Each must be refused with 401; anything else means
 * the check is not working as it should, which is worth a line.
 */
async function warmRoute(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const url = `/v1/authorize?workspaceId=${randomUUID()}&permission=devices:read`;
  for (const authorization of [undefined, 'Bearer lka_notAToken', `Bearer ${generateToken('lka_')}`]) {
    const answer = await fastify.inject({
      method: 'GET',
      url,
      remoteAddress: WARM_UP_ADDRESS,
      headers: authorization === undefined ? {} : { authorization },
    });
    if (answer.statusCode !== 401) throw new WarmUpRefused(answer.statusCode);
  }
}

/** The check answered the warm-up something other than its 401 (the status only goes to the log). */
class WarmUpRefused extends Error {
  constructor(readonly status: number) {
    super(`the token check answered the warm-up ${status}`);
  }
}
