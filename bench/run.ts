// npm run bench [-- --tokens 100000] [--duration 10] [--connections 50] [--scale] [--only authorize,dashboard] [--pairs 3]
//                [--spam-cached 20000] [--spam-rate 200]
//                [--only instances]: the scale-out deployment with 1, 2 and 3 instances (bench/instances.ts), alone
// Starts Latchkey (built, as a child process, through harness/) on a fresh database: a new database on
// the PostgreSQL server in DATABASE_URL, or an embedded one in a temporary folder. Seeds --tokens filler tokens, then
// measures with autocannon, from a separate process, the floor (GET /health/live) against the token
// checks. With --scale it measures authorize at 10,000 tokens and again at --tokens (default 1,000,000).
// The spam scenario (PostgreSQL only) fills the caches with --spam-cached live tokens, then measures
// authorize while another process creates and revokes tokens at --spam-rate pairs per second: every
// revocation is an invalidation event, so it shows what invalidation costs the hot path (audit finding L9, docs/security.md).
// The dashboard scenario (PostgreSQL only) fills a workspace with 200 members, 200 devices and 50 API
// users with 2 tokens each, then times docs/graphql.md's one GraphQL query against the 54 REST calls that
// fetch the same rows (statements and median time, one client), and the GraphQL query under load.
// --only …,webhooks [--webhook-rate 20] measures floor/authorize pairs while webhooks flow: another
// process runs a receiver on the loopback, registers it as an endpoint of another workspace of the
// owner and creates and deletes devices there at --webhook-rate pairs per second, so the service's
// outbox worker signs and delivers two webhooks per pair during the run (docs/webhooks.md); the
// checked token's cached access is not touched by those writes, so the pairs measure delivery alone.
// --only …,teams measures, in the same run, floor / plain authorize / authorize for an API user whose
// rights come through 20 teams only (its own role grants workspace:read and no device): triples of
// floor, plain and teams, with the statements per request of each (0 when cached; docs/teams.md).
// The bindings scenario (on unless --only leaves it out) adds 1,000 devices, then measures authorize for a
// token bound to all of them (asking about the last) and for one with 100 CIDRs (the client in the last),
// each in floor-then-authorize pairs beside the plain case and the owner's unbound token (docs/tokens.md).
// --only hotpath [--slices N] and --only gc [--gc-seconds 60] [--cold-restarts 1]: the token check against a bare
// Fastify server and the GC pauses under load (bench/hotpath.ts, docs/performance.md). --slices N runs each pair's
// scenarios in N interleaved rounds of duration/N seconds, for a machine whose load swings; so does each
// pair of --only atscale's rounds.
// Prints the figures and writes them to bench/results/.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateToken, hashToken, tokenHint } from '../src/auth/token-format';
import { ApiClient } from '../harness/api-client';
import { pinned, pinning } from '../harness/cores';
import { DatabaseTarget, freshDatabase, startLatchkey } from '../harness/fresh-database';
import type { LatchkeyProcess } from '../harness/latchkey-process';
import { median as medianOf, round } from '../harness/sample-stats';
import { DASHBOARD_QUERY, fillWorkspace, type BulkCounts } from '../test/support/bulk-fill';
import { cpuSeconds } from '../harness/process-cpu';
import { benchInstances } from './instances';
import { benchLists } from './lists';
import { autocannon, LoadResult, ROOT } from './load';
import {
  measureAtScale,
  measureGc,
  measureHotPath,
  type AtScaleResult,
  type GcRun,
  type GcSpan,
  type HotPathContext,
  type HotPathResult,
} from './hotpath';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SCALE = args.includes('--scale');
const TOKENS = flag('tokens', SCALE ? 1_000_000 : 100_000);
const DURATION = flag('duration', 10);
const CONNECTIONS = flag('connections', 50);
const PORT = flag('port', 3900);
// authorize/floor is the median over this many floor-then-authorize pairs measured back to back: on a
// shared machine the speed drifts between runs, and a pair's two halves see nearly the same machine.
const PAIRS = Math.max(1, flag('pairs', 3));
// --only hotpath and atscale: each pair's scenarios in this many interleaved rounds (bench/hotpath.ts, HotPathContext.slices).
const SLICES = Math.max(1, flag('slices', 1));
// --only runs a subset (e.g. under --cpu-prof, to profile one scenario); the floor always runs, being the yardstick.
const ONLY = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',')) : null;
const wanted = (scenario: string) => ONLY === null || ONLY.has(scenario);
const SPAM_CACHED = flag('spam-cached', 20_000);
const SPAM_RATE = flag('spam-rate', 200);
const WEBHOOK_RATE = flag('webhook-rate', 20);
const GC_SECONDS = flag('gc-seconds', 60);
// --only gc --cold-restarts 5: the first and second check after each of 5 restarts (the last is the GC run's).
const COLD_RESTARTS = flag('cold-restarts', 1);
const TOKENS_HIGH = flag('tokens-high', 1_000_000);
const webhooksWanted = () => ONLY !== null && ONLY.has('webhooks');
const teamsWanted = () => ONLY !== null && ONLY.has('teams');
/** How many teams the teams scenario's principal is in. */
const TEAMS = 20;
// The spam scenario's cached tokens must outlive its warm-up and run: the default TTL is 10 s.
const SPAM_TTL_SECONDS = 300;
const BASE = `http://127.0.0.1:${PORT}`;
/** /metrics is served on the API's port only with a key (LATCHKEY_METRICS_TOKEN). */
const METRICS_KEY = randomBytes(24).toString('hex');
const ADMIN = 'bench-admin@example.com';
const PASSWORD = 'bench password 123456';

/** A new database on the PostgreSQL server in DATABASE_URL, or an embedded one in a temporary folder. */
function prepareTarget(): Promise<DatabaseTarget> {
  return freshDatabase(process.env.DATABASE_URL ? 'server' : 'embedded', { label: 'bench' });
}

/** "postgresql" or "embedded", as the results have always named them. */
const databaseName = (target: DatabaseTarget) => (target.kind === 'embedded' ? 'embedded' : 'postgresql');

/** Migrates and adds filler tokens (a filler user's), so the hash index has the size asked for. */
async function seedFiller(target: DatabaseTarget, upTo: number): Promise<void> {
  await target.withSql(async (sql) => {
    const query = (text: string, params?: unknown[]) => sql.query(text, params);
    await query(`INSERT INTO users (id, email, name, password_hash, status, created_at, updated_at)
                 VALUES ('00000000-0000-4000-8000-000000000001', 'filler@example.com', 'Filler', 'x', 'active', now(), now())
                 ON CONFLICT DO NOTHING`);
    const [{ n }] = (await query(`SELECT count(*)::int AS n FROM tokens WHERE name = 'filler'`)) as Array<{ n: number }>;
    for (let from = n; from < upTo; from += 100_000) {
      const to = Math.min(upTo, from + 100_000);
      await query(
        `INSERT INTO tokens (id, kind, user_id, name, token_hash, hint, scopes, created_at)
         SELECT gen_random_uuid(), 'named', '00000000-0000-4000-8000-000000000001', 'filler',
                encode(sha256(convert_to('filler-' || g, 'UTF8')), 'hex'), 'lkp_fill…er', '{*}', now()
           FROM generate_series($1::int + 1, $2::int) g`,
        [from, to],
      );
    }
    // Settle the table before measuring: no autovacuum or checkpoint of the fresh rows mid-run.
    await query('VACUUM ANALYZE tokens');
    await query('CHECKPOINT');
  });
}

/** The service migrates its database at start: once, before the filler goes in. */
async function migrate(target: DatabaseTarget): Promise<void> {
  const service = await startService(target);
  await service.stop();
}

/** `extra`: more node options (the GC scenario's --trace-gc), a reader of every line the service writes, or a file for its standard output. */
function startService(
  target: DatabaseTarget,
  extra: { nodeArgs?: string[]; onLine?: (line: string) => void; stdoutFile?: string } = {},
): Promise<LatchkeyProcess> {
  return startLatchkey(
    ROOT,
    target,
    {
      ...(target.kind === 'embedded' ? {} : { LATCHKEY_DB_POOL_SIZE: '20' }),
      LATCHKEY_PLATFORM_ADMINS: ADMIN,
      // One token and one address send everything here, which the production limits would (rightly)
      // cut off. The limiters stay on, as in production (counting costs), with limits never reached.
      LATCHKEY_RATE_LIMIT_PER_TOKEN: '100000000',
      LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '100000000',
      LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP: '100000000',
      LATCHKEY_REGISTRATIONS_PER_IP: '100000000',
      ...(spamWanted(target) || atScaleWanted(target) ? { LATCHKEY_CACHE_TTL_SECONDS: String(SPAM_TTL_SECONDS) } : {}),
      LATCHKEY_METRICS_TOKEN: METRICS_KEY,
      // The webhook scenario's receiver listens on the loopback, over http: allowed here only.
      ...(webhooksWanted()
        ? {
            LATCHKEY_WEBHOOK_ALLOW_HTTP: 'true',
            LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
            LATCHKEY_WEBHOOK_SECRETS_KEY: randomBytes(24).toString('hex'),
          }
        : {}),
    },
    {
      port: PORT,
      core: 0,
      // LATCHKEY_BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the service under load.
      nodeArgs: [...(process.env.LATCHKEY_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), ...(extra.nodeArgs ?? [])],
      onOutput: (line, stream) => {
        extra.onLine?.(line);
        if (stream === 'stderr') process.stderr.write(`${line}\n`);
      },
      stdoutFile: extra.stdoutFile,
    },
  );
}

/** Each GC pause over 10 ms, in words: " (Scavenge 12.1 ms at 3.4 s, …)", or nothing. */
const longPauses = (over10Ms: GcRun['over10Ms']) =>
  over10Ms.length ? ` (${over10Ms.map((e) => `${e.kind} ${e.pauseMs} ms at ${e.atS} s`).join(', ')})` : '';

/** A span of GC pauses apart from the run (GcRun.startUp, GcRun.loadWarmUp), in words. */
const gcSpan = (span: GcSpan) =>
  `${span.events} pauses, max ${span.maxPauseMs} ms, ${span.over10Ms.length} over 10 ms${longPauses(span.over10Ms)}`;

const client = new ApiClient(BASE, 30_000);

interface Fixture {
  ownerToken: string;
  workspaceId: string;
  deviceId: string;
  apiUserToken: string;
  revokedToken: string;
  /** Another token of the same API user, with its own rate limit (and its API user's) set far above what a run sends. */
  limitedToken: string;
}

async function seedObjects(): Promise<Fixture> {
  const owner = await client.expect<{ personalToken: { secret: string } }>(201, 'POST', '/v1/auth/register', {
    body: { email: ADMIN, password: PASSWORD, name: 'Bench' },
  });
  const ownerToken = owner.personalToken.secret;
  const ws = await client.expect<{ id: string }>(201, 'POST', '/v1/workspaces', { token: ownerToken, body: { name: 'Bench' } });
  const roles = await client.expect<{ items: Array<{ id: string; name: string }> }>(200, 'GET', `/v1/workspaces/${ws.id}/roles`, {
    token: ownerToken,
  });
  const viewer = roles.items.find((r) => r.name === 'viewer')?.id;
  const devices = [];
  for (let i = 0; i < 20; i++)
    devices.push(
      await client.expect<{ id: string }>(201, 'POST', `/v1/workspaces/${ws.id}/devices`, {
        token: ownerToken,
        body: { name: `d${i}`, serial: `B-${i}` },
      }),
    );
  const bot = await client.expect<{ apiUser: { id: string }; token: { secret: string } }>(
    201,
    'POST',
    `/v1/workspaces/${ws.id}/api-users`,
    {
      token: ownerToken,
      body: { name: 'Bench bot', roleIds: [viewer], deviceAccess: { mode: 'selected', deviceIds: [devices[0].id] } },
    },
  );
  const second = await client.expect<{ id: string; secret: string }>(
    201,
    'POST',
    `/v1/workspaces/${ws.id}/api-users/${bot.apiUser.id}/tokens`,
    { token: ownerToken, body: {} },
  );
  await client.expect(204, 'DELETE', `/v1/workspaces/${ws.id}/api-users/${bot.apiUser.id}/tokens/${second.id}`, { token: ownerToken });
  // A second API user, limited itself and on its token: both own limits are checked on every request, never trip.
  const limitedBot = await client.expect<{ apiUser: { id: string }; token: { secret: string } }>(
    201,
    'POST',
    `/v1/workspaces/${ws.id}/api-users`,
    {
      token: ownerToken,
      body: {
        name: 'Bench limited bot',
        roleIds: [viewer],
        deviceAccess: { mode: 'selected', deviceIds: [devices[0].id] },
        rateLimit: { limit: 1_000_000, windowSeconds: 1 },
      },
    },
  );
  const limited = await client.expect<{ secret: string }>(
    201,
    'POST',
    `/v1/workspaces/${ws.id}/api-users/${limitedBot.apiUser.id}/tokens`,
    {
      token: ownerToken,
      body: { rateLimit: { limit: 1_000_000, windowSeconds: 1 } },
    },
  );
  return {
    ownerToken,
    workspaceId: ws.id,
    deviceId: devices[0].id,
    apiUserToken: bot.token.secret,
    revokedToken: second.secret,
    limitedToken: limited.secret,
  };
}

/**
 * An API user whose rights come through TEAMS teams: its own role grants workspace:read and no device;
 * team i hands out a role with measurements:read and one more permission, and device i. The check
 * asks measurements:read on device 0, which only the first team reaches.
 */
async function seedTeamsPrincipal(fixture: Fixture): Promise<string> {
  const token = fixture.ownerToken;
  const wid = fixture.workspaceId;
  const devices = await client.expect<{ items: Array<{ id: string; name: string }> }>(
    200,
    'GET',
    `/v1/workspaces/${wid}/devices?limit=200`,
    {
      token,
    },
  );
  const byName = new Map(devices.items.map((d) => [d.name, d.id]));
  const base = await client.expect<{ id: string }>(201, 'POST', `/v1/workspaces/${wid}/roles`, {
    token,
    body: { name: 'Bench base', permissions: ['workspace:read'] },
  });
  const extras = ['devices:read', 'members:read', 'roles:read', 'audit:read', 'api_users:read', 'tokens:read', 'teams:read'];
  const bot = await client.expect<{ apiUser: { id: string }; token: { secret: string } }>(201, 'POST', `/v1/workspaces/${wid}/api-users`, {
    token,
    body: { name: 'Bench teams bot', roleIds: [base.id], deviceAccess: { mode: 'selected', deviceIds: [] } },
  });
  for (let i = 0; i < TEAMS; i++) {
    const role = await client.expect<{ id: string }>(201, 'POST', `/v1/workspaces/${wid}/roles`, {
      token,
      body: { name: `Bench team role ${i}`, permissions: ['measurements:read', extras[i % extras.length]] },
    });
    const team = await client.expect<{ id: string }>(201, 'POST', `/v1/workspaces/${wid}/teams`, {
      token,
      body: { name: `Bench team ${i}`, roleIds: [role.id], deviceAccess: { mode: 'selected', deviceIds: [byName.get(`d${i % 20}`)] } },
    });
    await client.expect(200, 'PUT', `/v1/workspaces/${wid}/teams/${team.id}/api-users/${bot.apiUser.id}`, { token });
  }
  return bot.token.secret;
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${BASE}/metrics`, { headers: { Authorization: `Bearer ${METRICS_KEY}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

interface Result extends LoadResult {
  scenario: string;
  dbQueriesPerRequest: number;
  /** The service's own CPU time (user + system) per request: steadier than req/s on a shared machine. */
  serverCpuMicrosPerRequest: number;
}

/** The bindings scenario (issue 18): how many devices a token is bound to, and how many ranges its allow-list has. */
const BOUND_DEVICES = 1000;
const ALLOWED_RANGES = 100;

interface BindingsFixture {
  /** A named token of the owner bound to BOUND_DEVICES devices, and the path asking about the last of them. */
  boundToken: string;
  boundPath: string;
  /** A named token allowed from ALLOWED_RANGES ranges, the bench client's inside the last one. */
  cidrToken: string;
}

/** Fills the workspace to BOUND_DEVICES devices (20 writers) and makes the two bound tokens. */
async function seedBindings(fixture: Fixture): Promise<BindingsFixture> {
  const token = fixture.ownerToken;
  const ids: string[] = [];
  let made = 0;
  const worker = async () => {
    while (made < BOUND_DEVICES) {
      made++;
      const device = await client.expect<{ id: string }>(201, 'POST', `/v1/workspaces/${fixture.workspaceId}/devices`, {
        token,
        body: { name: 'bound', serial: `BD-${randomBytes(6).toString('hex')}` },
      });
      ids.push(device.id);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  const bound = await client.expect<{ secret: string }>(201, 'POST', '/v1/me/tokens', {
    token,
    body: { name: 'bound to devices', scopes: ['*'], deviceIds: ids },
  });
  // 99 ranges the client is not in, then the loopback: every check walks the list to its end.
  const ranges = [...Array.from({ length: ALLOWED_RANGES - 1 }, (_, i) => `10.${i}.0.0/16`), '127.0.0.0/8'];
  const cidr = await client.expect<{ secret: string }>(201, 'POST', '/v1/me/tokens', {
    token,
    body: { name: 'bound to networks', scopes: ['*'], allowedCidrs: ranges },
  });
  const last = ids[ids.length - 1];
  return {
    boundToken: bound.secret,
    boundPath: `/v1/authorize?workspaceId=${fixture.workspaceId}&permission=measurements:read&deviceId=${last}`,
    cidrToken: cidr.secret,
  };
}

/** Asked for by name; its shapes go in by SQL while the service runs, so only on a PostgreSQL server. */
function atScaleWanted(target: DatabaseTarget): boolean {
  return ONLY !== null && ONLY.has('atscale') && target.kind !== 'embedded';
}

/** Runs only when asked for by name (it seeds thousands of tokens), and only on a PostgreSQL server. */
function spamWanted(target: DatabaseTarget): boolean {
  return ONLY !== null && ONLY.has('spam') && target.kind !== 'embedded';
}

/**
 * Adds SPAM_CACHED live named tokens of the owner (straight into the table: the API would take
 * minutes) and has each checked once, so the caches hold that many credentials.
 */
async function warmManyTokens(target: DatabaseTarget, authorizePath: string): Promise<void> {
  const secrets = Array.from({ length: SPAM_CACHED }, () => generateToken('lkp_'));
  await target.withSql(async (sql) => {
    const query = (text: string, params?: unknown[]) => sql.query(text, params);
    const [{ id }] = (await query('SELECT id FROM users WHERE email = $1', [ADMIN])) as Array<{ id: string }>;
    for (let from = 0; from < secrets.length; from += 5000) {
      const part = secrets.slice(from, from + 5000);
      await query(
        `INSERT INTO tokens (id, kind, user_id, name, token_hash, hint, scopes, created_at)
         SELECT gen_random_uuid(), 'named', $1, 'cached', h.hash, h.hint, '{*}', now()
           FROM unnest($2::text[], $3::text[]) AS h(hash, hint)`,
        [id, part.map(hashToken), part.map(tokenHint)],
      );
    }
  });
  let next = 0;
  const worker = async () => {
    while (next < secrets.length) {
      const res = await fetch(`${BASE}${authorizePath}`, { headers: { authorization: `Bearer ${secrets[next++]}` } });
      if (res.status !== 204) throw new Error(`warming the cache: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
}

/** `run.js --spammer <secret> <seconds> <pairs per second>`: creates and revokes named tokens, paced; prints the pairs done. */
async function spammer(secret: string, seconds: number, rate: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  const started = Date.now();
  let pairs = 0;
  const worker = async () => {
    while (Date.now() < until) {
      // Paced to `rate` pairs per second overall, so before and after see the same number of events.
      const due = started + (pairs * 1000) / rate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      pairs++;
      const created = await client.expect<{ id: string }>(201, 'POST', '/v1/me/tokens', {
        token: secret,
        body: { name: 'spam', scopes: ['*'] },
      });
      await client.expect(204, 'DELETE', `/v1/me/tokens/${created.id}`, { token: secret });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  process.stdout.write(`${JSON.stringify({ pairs, seconds: (Date.now() - started) / 1000 })}\n`);
}

/** Starts the spammer process for `seconds`; resolves to the pairs per second it managed. */
function startSpammer(fixture: Fixture, seconds: number): Promise<{ pairs: number; perSecond: number }> {
  const argv = [join(__dirname, 'run.js'), '--spammer', fixture.ownerToken, String(seconds), String(SPAM_RATE), '--port', String(PORT)];
  // The spammer shares the load generator's core, away from the server's.
  const { command, args: spammerArgs } = pinned(1, [process.execPath, ...argv]);
  const child = spawn(command, spammerArgs);
  let out = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  child.stderr?.on('data', (chunk) => process.stderr.write(chunk));
  return new Promise((resolve) =>
    child.once('exit', () => {
      const spam = JSON.parse(out.trim().split('\n').pop() || '{}') as { pairs?: number; seconds?: number };
      resolve({ pairs: spam.pairs ?? 0, perSecond: Math.round((spam.pairs ?? 0) / (spam.seconds ?? 1)) });
    }),
  );
}

/** The database queries one create/revoke pair costs, measured with the spammer alone. */
async function queriesPerSpamPair(fixture: Fixture): Promise<number> {
  const before = await metric('latchkey_db_queries_total');
  const { pairs } = await startSpammer(fixture, 3);
  return ((await metric('latchkey_db_queries_total')) - before) / Math.max(1, pairs);
}

/**
 * `run.js --webhook-flow <owner token> <workspace id> <seconds> <pairs per second>`: a receiver on the
 * loopback, registered as an endpoint for device.created and device.deleted; devices created and
 * deleted, paced, for `seconds`; then it waits (up to 30 s) for the deliveries, deletes the endpoint
 * and prints what it sent and received.
 */
async function webhookFlow(token: string, workspaceId: string, seconds: number, rate: number): Promise<void> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench`;
  const endpoint = await client.expect<{ endpoint: { id: string } }>(201, 'POST', `/v1/workspaces/${workspaceId}/webhooks`, {
    token,
    body: { url, events: ['device.created', 'device.deleted'] },
  });
  const started = Date.now();
  const until = started + seconds * 1000;
  let pairs = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const due = started + (pairs * 1000) / rate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      pairs++;
      const device = await client.expect<{ id: string }>(201, 'POST', `/v1/workspaces/${workspaceId}/devices`, {
        token,
        body: { name: 'hooked', serial: `W-${randomBytes(6).toString('hex')}` },
      });
      await client.expect(204, 'DELETE', `/v1/workspaces/${workspaceId}/devices/${device.id}`, { token });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const sentSeconds = (Date.now() - started) / 1000;
  const deadline = Date.now() + 30_000;
  while (received < pairs * 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  await client.expect(204, 'DELETE', `/v1/workspaces/${workspaceId}/webhooks/${endpoint.endpoint.id}`, { token });
  server.close();
  process.stdout.write(`${JSON.stringify({ events: pairs * 2, received, seconds: sentSeconds })}\n`);
}

/** Starts the webhook flow process for `seconds`; resolves to the events it raised and received. */
function startWebhookFlow(
  fixture: Fixture,
  seconds: number,
  workspaceId: string,
): Promise<{ events: number; received: number; perSecond: number }> {
  const argv = [
    join(__dirname, 'run.js'),
    '--webhook-flow',
    fixture.ownerToken,
    workspaceId,
    String(seconds),
    String(WEBHOOK_RATE),
    '--port',
    String(PORT),
  ];
  const { command, args: flowArgs } = pinned(1, [process.execPath, ...argv]);
  const child = spawn(command, flowArgs);
  let out = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  child.stderr?.on('data', (chunk) => process.stderr.write(chunk));
  return new Promise((resolve) =>
    child.once('exit', () => {
      const flow = JSON.parse(out.trim().split('\n').pop() || '{}') as { events?: number; received?: number; seconds?: number };
      resolve({ events: flow.events ?? 0, received: flow.received ?? 0, perSecond: Math.round((flow.events ?? 0) / (flow.seconds ?? 1)) });
    }),
  );
}

type SpamResult = Result & { spamPairsPerSecond: number; authorizeQueriesPerRequest: number };

/**
 * authorize measured (one cached token, as the other scenarios) while a spammer creates and revokes
 * tokens. authorizeQueriesPerRequest takes the spam's own queries out of dbQueriesPerRequest.
 */
async function measureUnderSpam(scenario: string, authorizePath: string, fixture: Fixture, perPair: number): Promise<SpamResult> {
  const spam = startSpammer(fixture, DURATION + 2);
  // measure() blocks this process (autocannon runs synchronously); the spammer runs in its own.
  const result = await measure(scenario, authorizePath, fixture.apiUserToken);
  const { pairs, perSecond } = await spam;
  const spamShare = (pairs * perPair * DURATION) / (DURATION + 2) / Math.max(1, result.requests);
  return {
    ...result,
    spamPairsPerSecond: perSecond,
    authorizeQueriesPerRequest: Number(Math.max(0, result.dbQueriesPerRequest - spamShare).toFixed(4)),
  };
}

let servicePid = 0;

/** `server`: another server than Latchkey (bench/hotpath.ts's bare floor), its address and the pid whose CPU is read. */
async function measure(
  scenario: string,
  path: string,
  secret?: string,
  options: { post?: { json: unknown }; server?: { base: string; pid: number }; seconds?: number; warmUp?: boolean } = {},
): Promise<Result> {
  const { post, server } = options;
  const base = server?.base ?? BASE;
  const pid = server?.pid ?? servicePid;
  const headers: Record<string, string> = secret ? { authorization: `Bearer ${secret}` } : {};
  if (options.warmUp !== false) autocannon(`${base}${path}`, headers, 2, CONNECTIONS, post); // warm-up: JIT, caches, pool
  const queriesBefore = await metric('latchkey_db_queries_total');
  const cpuBefore = cpuSeconds(pid);
  const run = autocannon(`${base}${path}`, headers, options.seconds ?? DURATION, CONNECTIONS, post);
  const cpuAfter = cpuSeconds(pid);
  const queriesAfter = await metric('latchkey_db_queries_total');
  const perRequest = (total: number) => total / Math.max(1, run.requests);
  return {
    scenario,
    ...run,
    dbQueriesPerRequest: Number(perRequest(queriesAfter - queriesBefore).toFixed(4)),
    serverCpuMicrosPerRequest: Number((perRequest(cpuAfter - cpuBefore) * 1e6).toFixed(1)),
  };
}

/** Issue 17's case: one GraphQL request against the REST calls that fetch the same rows. */
interface Dashboard {
  rows: BulkCounts;
  /** One client, one request at a time: the statements of one fetch (background flushes included) and its median time. */
  graphql: { requests: number; statements: number; medianMs: number };
  rest: { requests: number; statements: number; medianMs: number };
  /** The GraphQL dashboard under load at --connections, as the other scenarios. */
  underLoad: Result;
}

/** Runs only against a PostgreSQL server: the rows go in by SQL while the service runs. */
async function measureDashboard(target: DatabaseTarget, ownerToken: string): Promise<Dashboard> {
  const rows = { members: 199, devices: 200, apiUsers: 50 };
  const ws = await client.expect<{ id: string }>(201, 'POST', '/v1/workspaces', { token: ownerToken, body: { name: 'Dashboard' } });
  const roles = await client.expect<{ items: Array<{ id: string; name: string }> }>(200, 'GET', `/v1/workspaces/${ws.id}/roles`, {
    token: ownerToken,
  });
  const viewerRoleId = roles.items.find((r) => r.name === 'viewer')?.id ?? '';
  await target.withSql((sql) => fillWorkspace((text, params) => sql.query(text, params), { id: ws.id, viewerRoleId }, rows));
  const body = { query: DASHBOARD_QUERY, variables: { w: ws.id } };
  const viaGraphql = async () => {
    const answer = await client.expect<{ errors?: unknown }>(200, 'POST', '/graphql', { token: ownerToken, body });
    if (answer.errors) throw new Error(`the dashboard query failed: ${JSON.stringify(answer.errors)}`);
  };
  const viaRest = async () => {
    const get = <T>(path: string) => client.expect<T>(200, 'GET', `/v1/workspaces/${ws.id}${path}`, { token: ownerToken });
    await get('');
    await get('/members?limit=200');
    await get('/devices?limit=200');
    const apiUsers = await get<{ items: Array<{ id: string }> }>('/api-users?limit=50');
    for (const a of apiUsers.items) await get(`/api-users/${a.id}/tokens`);
    return 4 + apiUsers.items.length;
  };
  const rounds = async (run: () => Promise<unknown>) => {
    for (let i = 0; i < 3; i++) await run(); // warm-up: JIT, caches
    const times: number[] = [];
    const before = await metric('latchkey_db_queries_total');
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await run();
      times.push(performance.now() - started);
    }
    const statements = ((await metric('latchkey_db_queries_total')) - before) / 20;
    return { statements: round(statements, 1), medianMs: round(medianOf(times), 1) };
  };
  const graphql = { requests: 1, ...(await rounds(viaGraphql)) };
  const rest = { requests: await viaRest(), ...(await rounds(viaRest)) };
  const underLoad = await measure('GraphQL dashboard (200+200+50×2 rows)', '/graphql', ownerToken, { post: { json: body } });
  return { rows: { ...rows, members: rows.members + 1 }, graphql, rest, underLoad };
}

interface Scale {
  tokensLow: number;
  tokensHigh: number;
  rpsLow: number;
  rpsHigh: number;
  /** authorize req/s at tokensHigh over tokensLow. */
  rawRatio: number;
  /** authorize/floor (median of the pairs) at tokensHigh over the same at tokensLow: what is left once the machine's drift is taken out. */
  floorNormalisedRatio: number;
  rssHighMiB: number;
}

interface PairRatios {
  byRequests: number;
  byCpu: number;
}

function ratios(floor: Result, authorize: Result): PairRatios {
  return {
    byRequests: Number((authorize.requestsPerSecond / floor.requestsPerSecond).toFixed(3)),
    byCpu: Number((floor.serverCpuMicrosPerRequest / authorize.serverCpuMicrosPerRequest).toFixed(3)),
  };
}

/** The median, to three decimals, as the results have always given it. */
const median = (values: number[]): number => round(medianOf(values), 3);

async function main(): Promise<void> {
  // Lists and writes at scale: a database and a service of its own, its own results file (bench/lists.ts);
  // minutes of seeding, so only when asked for by name.
  if (ONLY?.has('lists')) await benchLists(args);
  const target = await prepareTarget();
  const started = new Date();
  let service: LatchkeyProcess | null = null;
  try {
    await migrate(target);
    const initialTokens = SCALE ? 10_000 : TOKENS;
    process.stderr.write(`seeding ${initialTokens} filler tokens (${databaseName(target)})…\n`);
    await seedFiller(target, initialTokens);
    service = await startService(target);
    servicePid = service.pid ?? 0;
    const fixture = await seedObjects();
    const authorizePath = `/v1/authorize?workspaceId=${fixture.workspaceId}&permission=measurements:read&deviceId=${fixture.deviceId}`;

    const results: Result[] = [];
    results.push(await measure('floor: GET /health/live', '/health/live'));
    const authorize = await measure('authorize, valid API-user token + deviceId', authorizePath, fixture.apiUserToken);
    results.push(authorize);
    if (wanted('revoked')) results.push(await measure('authorize, revoked token', authorizePath, fixture.revokedToken));
    if (wanted('garbage')) results.push(await measure('authorize, garbage token', authorizePath, 'lka_thisIsNotAToken'));
    if (wanted('devices'))
      results.push(await measure('device list (authenticated)', `/v1/workspaces/${fixture.workspaceId}/devices`, fixture.ownerToken));
    let dashboard: Dashboard | null = null;
    if (wanted('dashboard')) {
      if (target.kind === 'embedded')
        process.stderr.write('dashboard: skipped on the embedded database (its rows go in by SQL while the service runs)\n');
      else {
        dashboard = await measureDashboard(target, fixture.ownerToken);
        results.push(dashboard.underLoad);
      }
    }
    const rss = Math.round(service.rssMiB());
    /** The first pair's ratios, and PAIRS - 1 more pairs measured now. */
    const withMorePairs = async (first: PairRatios): Promise<PairRatios[]> => {
      const all = [first];
      for (let i = 1; i < PAIRS; i++) {
        const floorAgain = await measure('floor (pair)', '/health/live');
        all.push(ratios(floorAgain, await measure('authorize (pair)', authorizePath, fixture.apiUserToken)));
      }
      return all;
    };
    const pairRatios = await withMorePairs(ratios(results[0], authorize));

    // The same check by a token carrying its own limit and its API user's (issue 18): both are counted
    // on every request, in pairs against the floor as the plain token is.
    let ownLimit: { authorizeToFloor: number; authorizeToFloorByCpu: number; pairs: PairRatios[] } | null = null;
    if (wanted('authorize') || wanted('limited')) {
      const pairs: PairRatios[] = [];
      for (let i = 0; i < PAIRS; i++) {
        const floorAgain = await measure('floor (pair)', '/health/live');
        const limited = await measure('authorize, token + API user with own limits', authorizePath, fixture.limitedToken);
        if (i === 0) results.push(limited);
        pairs.push(ratios(floorAgain, limited));
      }
      ownLimit = {
        authorizeToFloor: median(pairs.map((r) => r.byRequests)),
        authorizeToFloorByCpu: median(pairs.map((r) => r.byCpu)),
        pairs,
      };
    }

    // Issue 18: authorize for a token bound to 1,000 devices and for one with 100 ranges, each in
    // floor-then-authorize pairs beside the plain case's, in the same run.
    let bindings: {
      boundDevices: number;
      allowedRanges: number;
      plainToFloor: number;
      unboundTwinToFloor: number;
      byCpu: { plain: number; unboundTwin: number; devices: number; cidrs: number };
      devicesToFloor: number;
      cidrsToFloor: number;
      devicesQueriesPerRequest: number;
      cidrsQueriesPerRequest: number;
      devicePairs: PairRatios[];
      cidrPairs: PairRatios[];
    } | null = null;
    if (wanted('bindings')) {
      const bound = await seedBindings(fixture);
      const plainPath = `/v1/authorize?workspaceId=${fixture.workspaceId}&permission=measurements:read&deviceId=${fixture.deviceId}`;
      const devicePairs: PairRatios[] = [];
      const cidrPairs: PairRatios[] = [];
      let devicesQueries = 0;
      let cidrsQueries = 0;
      const twinPairs: PairRatios[] = [];
      for (let i = 0; i < PAIRS; i++) {
        const floorA = await measure('floor (devices pair)', '/health/live');
        const devices = await measure(`authorize, token bound to ${BOUND_DEVICES} devices`, bound.boundPath, bound.boundToken);
        const floorB = await measure('floor (networks pair)', '/health/live');
        const cidrs = await measure(`authorize, token with ${ALLOWED_RANGES} CIDRs`, plainPath, bound.cidrToken);
        // The same owner's unbound token on the same question: what the bindings themselves add.
        const floorC = await measure('floor (unbound twin pair)', '/health/live');
        const twin = await measure('authorize, the owner, unbound (twin)', plainPath, fixture.ownerToken);
        results.push(floorA, devices, floorB, cidrs, floorC, twin);
        devicePairs.push(ratios(floorA, devices));
        cidrPairs.push(ratios(floorB, cidrs));
        twinPairs.push(ratios(floorC, twin));
        devicesQueries = Math.max(devicesQueries, devices.dbQueriesPerRequest);
        cidrsQueries = Math.max(cidrsQueries, cidrs.dbQueriesPerRequest);
      }
      bindings = {
        boundDevices: BOUND_DEVICES,
        allowedRanges: ALLOWED_RANGES,
        plainToFloor: median(pairRatios.map((r) => r.byRequests)),
        unboundTwinToFloor: median(twinPairs.map((r) => r.byRequests)),
        byCpu: {
          plain: median(pairRatios.map((r) => r.byCpu)),
          unboundTwin: median(twinPairs.map((r) => r.byCpu)),
          devices: median(devicePairs.map((r) => r.byCpu)),
          cidrs: median(cidrPairs.map((r) => r.byCpu)),
        },
        devicesToFloor: median(devicePairs.map((r) => r.byRequests)),
        cidrsToFloor: median(cidrPairs.map((r) => r.byRequests)),
        devicesQueriesPerRequest: devicesQueries,
        cidrsQueriesPerRequest: cidrsQueries,
        devicePairs,
        cidrPairs,
      };
    }

    let spam: {
      cachedTokens: number;
      ratePerSecondAsked: number;
      cacheTtlSeconds: number;
      queriesPerSpamPair: number;
      authorizeToFloorUnderSpam: number;
      pairs: PairRatios[];
      runs: Array<{
        spamPairsPerSecond: number;
        authorizeRequestsPerSecond: number;
        authorizeQueriesPerRequest: number;
        serverCpuMicrosPerRequest: number;
      }>;
    } | null = null;
    if (spamWanted(target)) {
      process.stderr.write(`caching ${SPAM_CACHED} tokens…\n`);
      await warmManyTokens(target, authorizePath);
      const perPair = await queriesPerSpamPair(fixture);
      const spamPairs: PairRatios[] = [];
      const runs = [];
      for (let i = 0; i < PAIRS; i++) {
        const floorAgain = await measure('floor (spam pair)', '/health/live');
        const underSpam = await measureUnderSpam(`authorize, ${SPAM_CACHED} cached, create/revoke spam`, authorizePath, fixture, perPair);
        results.push(floorAgain, underSpam);
        spamPairs.push(ratios(floorAgain, underSpam));
        runs.push({
          spamPairsPerSecond: underSpam.spamPairsPerSecond,
          authorizeRequestsPerSecond: underSpam.requestsPerSecond,
          authorizeQueriesPerRequest: underSpam.authorizeQueriesPerRequest,
          serverCpuMicrosPerRequest: underSpam.serverCpuMicrosPerRequest,
        });
      }
      spam = {
        cachedTokens: SPAM_CACHED,
        ratePerSecondAsked: SPAM_RATE,
        cacheTtlSeconds: SPAM_TTL_SECONDS,
        queriesPerSpamPair: Number(perPair.toFixed(2)),
        authorizeToFloorUnderSpam: median(spamPairs.map((r) => r.byRequests)),
        pairs: spamPairs,
        runs,
      };
    }

    let webhooks: {
      pairsPerSecondAsked: number;
      authorizeToFloorWithDeliveries: number;
      pairs: PairRatios[];
      runs: Array<{
        eventsPerSecond: number;
        events: number;
        received: number;
        authorizeRequestsPerSecond: number;
        serverCpuMicrosPerRequest: number;
      }>;
    } | null = null;
    if (webhooksWanted()) {
      const hookPairs: PairRatios[] = [];
      const runs = [];
      // The events come from writes in another workspace of the same owner: the checked token's cached
      // access stays valid, so the pairs measure what delivering costs the check. (Device writes in the
      // checked workspace itself drop its cached access rows: that is invalidation, measured by the spam
      // scenario, not delivery.)
      // --webhook-same-workspace puts the writes in the checked workspace: what device churn there costs the check.
      const flowWorkspace = args.includes('--webhook-same-workspace')
        ? { id: fixture.workspaceId }
        : await client.expect<{ id: string }>(201, 'POST', '/v1/workspaces', {
            token: fixture.ownerToken,
            body: { name: `Webhook flow ${randomBytes(3).toString('hex')}` },
          });
      for (let i = 0; i < PAIRS; i++) {
        // One flow across both halves of the pair: the floor and authorize both run with deliveries going on.
        const flow = startWebhookFlow(fixture, 2 * (DURATION + 2) + 1, flowWorkspace.id);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const floorAgain = await measure('floor (webhooks flowing)', '/health/live');
        const withHooks = await measure(`authorize, webhooks flowing (${WEBHOOK_RATE * 2}/s asked)`, authorizePath, fixture.apiUserToken);
        const done = await flow;
        results.push(floorAgain, withHooks);
        hookPairs.push(ratios(floorAgain, withHooks));
        runs.push({
          eventsPerSecond: done.perSecond,
          events: done.events,
          received: done.received,
          authorizeRequestsPerSecond: withHooks.requestsPerSecond,
          serverCpuMicrosPerRequest: withHooks.serverCpuMicrosPerRequest,
        });
      }
      webhooks = {
        pairsPerSecondAsked: WEBHOOK_RATE,
        authorizeToFloorWithDeliveries: median(hookPairs.map((r) => r.byRequests)),
        pairs: hookPairs,
        runs,
      };
    }

    let teams: {
      teams: number;
      /** Medians over the triples: plain authorize / floor, authorize through teams / floor, and teams over plain. */
      plainToFloor: number;
      teamsToFloor: number;
      teamsToPlain: number;
      teamsToFloorByCpu: number;
      runs: Array<{
        floorRequestsPerSecond: number;
        plainRequestsPerSecond: number;
        teamsRequestsPerSecond: number;
        plainQueriesPerRequest: number;
        teamsQueriesPerRequest: number;
        teamsCpuMicrosPerRequest: number;
      }>;
    } | null = null;
    if (teamsWanted()) {
      const teamsToken = await seedTeamsPrincipal(fixture);
      const runs = [];
      const plain: PairRatios[] = [];
      const viaTeams: PairRatios[] = [];
      const overPlain: number[] = [];
      for (let i = 0; i < PAIRS; i++) {
        const floorAgain = await measure('floor (teams triple)', '/health/live');
        const plainRun = await measure('authorize, plain (teams triple)', authorizePath, fixture.apiUserToken);
        const teamsRun = await measure(`authorize, rights through ${TEAMS} teams`, authorizePath, teamsToken);
        if (teamsRun.non2xx > 0) throw new Error(`the teams principal was refused ${teamsRun.non2xx} times`);
        results.push(floorAgain, plainRun, teamsRun);
        plain.push(ratios(floorAgain, plainRun));
        viaTeams.push(ratios(floorAgain, teamsRun));
        overPlain.push(teamsRun.requestsPerSecond / plainRun.requestsPerSecond);
        runs.push({
          floorRequestsPerSecond: floorAgain.requestsPerSecond,
          plainRequestsPerSecond: plainRun.requestsPerSecond,
          teamsRequestsPerSecond: teamsRun.requestsPerSecond,
          plainQueriesPerRequest: plainRun.dbQueriesPerRequest,
          teamsQueriesPerRequest: teamsRun.dbQueriesPerRequest,
          teamsCpuMicrosPerRequest: teamsRun.serverCpuMicrosPerRequest,
        });
      }
      teams = {
        teams: TEAMS,
        plainToFloor: median(plain.map((r) => r.byRequests)),
        teamsToFloor: median(viaTeams.map((r) => r.byRequests)),
        teamsToPlain: median(overPlain),
        teamsToFloorByCpu: median(viaTeams.map((r) => r.byCpu)),
        runs,
      };
    }

    // Issue 21: the token check against a bare Fastify server, GC pauses, scale (bench/hotpath.ts).
    const hotpathContext: HotPathContext = {
      root: ROOT,
      target,
      measure: (scenario, path, secret, options) => measure(scenario, path, secret, options),
      pairs: PAIRS,
      slices: SLICES,
      seconds: DURATION,
      authorizePath,
      ownerEmail: ADMIN,
      allowedToken: fixture.apiUserToken,
      revokedToken: fixture.revokedToken,
      base: BASE,
      ownerToken: fixture.ownerToken,
      workspaceId: fixture.workspaceId,
      restart: async (extra) => {
        await service?.stop();
        service = await startService(target, extra);
        servicePid = service.pid ?? 0;
      },
      servicePid: () => servicePid,
      seedTokens: async (upTo) => {
        await service?.stop();
        process.stderr.write(`growing to ${upTo} filler tokens…\n`);
        await seedFiller(target, upTo);
      },
      metric,
    };
    let hotpath: HotPathResult | null = null;
    if (ONLY?.has('hotpath')) {
      const measured = await measureHotPath(hotpathContext);
      hotpath = measured.result;
      results.push(...(measured.runs as Result[]));
    }
    let gc: GcRun | null = null;
    if (ONLY?.has('gc')) {
      const measured = await measureGc(hotpathContext, GC_SECONDS, COLD_RESTARTS);
      gc = measured.gc;
      results.push(measured.run as Result);
    }
    let atScale: AtScaleResult | null = null;
    if (atScaleWanted(target)) {
      const measured = await measureAtScale(hotpathContext, {
        tokensLow: TOKENS,
        tokensHigh: TOKENS_HIGH,
        gcSeconds: GC_SECONDS,
        cachedTokens: 100_000,
      });
      atScale = measured.result;
      results.push(...(measured.runs as Result[]));
    }

    let scale: Scale | null = null;
    if (SCALE) {
      await service.stop();
      service = null;
      process.stderr.write(`growing to ${TOKENS} filler tokens…\n`);
      await seedFiller(target, TOKENS);
      service = await startService(target);
      servicePid = service.pid ?? 0;
      // The floor again, in pairs as in the first half, so the machine's own drift between the two
      // halves can be told apart from what the number of tokens does.
      const floorHigh = await measure(`floor at ${TOKENS} tokens`, '/health/live');
      const high = await measure(`authorize at ${TOKENS} tokens`, authorizePath, fixture.apiUserToken);
      results.push(floorHigh, high);
      const highRatios = await withMorePairs(ratios(floorHigh, high));
      scale = {
        tokensLow: initialTokens,
        tokensHigh: TOKENS,
        rpsLow: authorize.requestsPerSecond,
        rpsHigh: high.requestsPerSecond,
        rawRatio: Number((high.requestsPerSecond / authorize.requestsPerSecond).toFixed(3)),
        floorNormalisedRatio: Number(
          (median(highRatios.map((r) => r.byRequests)) / median(pairRatios.map((r) => r.byRequests))).toFixed(3),
        ),
        rssHighMiB: Math.round(service.rssMiB()),
      };
    }

    const summary = {
      date: started.toISOString(),
      database: databaseName(target),
      tokens: SCALE ? `${10_000} then ${TOKENS}` : TOKENS,
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      pinned: pinning,
      node: process.version,
      results,
      /** Median over the pairs of authorize req/s over floor req/s, and each pair's. */
      authorizeToFloor: median(pairRatios.map((r) => r.byRequests)),
      /** The same from the service's CPU time per request (floor over authorize). */
      authorizeToFloorByCpu: median(pairRatios.map((r) => r.byCpu)),
      pairs: pairRatios,
      ownLimit,
      rssMiB: rss,
      scale,
      spam,
      dashboard,
      webhooks,
      teams,
      bindings,
      hotpath,
      gc,
      atScale,
    };
    console.log(
      `\nLatchkey bench — ${summary.database}, ${summary.tokens} tokens, ${CONNECTIONS} connections, ${DURATION} s each, ${summary.pinned}\n`,
    );
    console.log(
      'scenario'.padEnd(48),
      'req/s'.padStart(8),
      'p50 ms'.padStart(8),
      'p99 ms'.padStart(8),
      'non-2xx'.padStart(9),
      'queries/req'.padStart(12),
      'CPU µs/req'.padStart(11),
    );
    for (const r of results) {
      console.log(
        r.scenario.padEnd(48),
        String(r.requestsPerSecond).padStart(8),
        String(r.p50Ms).padStart(8),
        String(r.p99Ms).padStart(8),
        String(r.non2xx).padStart(9),
        String(r.dbQueriesPerRequest).padStart(12),
        String(r.serverCpuMicrosPerRequest).padStart(11),
      );
    }
    console.log(
      `\nauthorize / floor: ${summary.authorizeToFloor} (by CPU time per request: ${summary.authorizeToFloorByCpu}), ` +
        `the median of ${PAIRS} pair(s): ${pairRatios.map((r) => r.byRequests).join(', ')}   RSS after the runs: ${rss} MiB`,
    );
    if (ownLimit) {
      console.log(
        `authorize / floor with own rate limits (token and API user): ${ownLimit.authorizeToFloor} (by CPU time: ${ownLimit.authorizeToFloorByCpu}), ` +
          `pairs: ${ownLimit.pairs.map((r) => r.byRequests).join(', ')}`,
      );
    }
    if (spam) {
      console.log(
        `authorize / floor under create/revoke spam (${spam.ratePerSecondAsked} pairs/s asked, ${spam.cachedTokens} tokens cached): ${spam.authorizeToFloorUnderSpam}; ` +
          spam.runs
            .map((r) => `${r.spamPairsPerSecond} pairs/s done, authorize's own queries/req ${r.authorizeQueriesPerRequest}`)
            .join('; '),
      );
    }
    if (dashboard) {
      const { graphql, rest, rows } = dashboard;
      console.log(
        `dashboard (${rows.members} members, ${rows.devices} devices, ${rows.apiUsers} API users with their tokens), one client: ` +
          `GraphQL 1 request, ${graphql.statements} statements, ${graphql.medianMs} ms; ` +
          `REST ${rest.requests} requests, ${rest.statements} statements, ${rest.medianMs} ms`,
      );
    }
    if (webhooks) {
      console.log(
        `authorize / floor with webhooks flowing (${webhooks.pairsPerSecondAsked * 2} events/s asked): ${webhooks.authorizeToFloorWithDeliveries}; ` +
          webhooks.runs.map((r) => `${r.eventsPerSecond} events/s raised, ${r.received} of ${r.events} delivered`).join('; '),
      );
    }
    if (teams) {
      console.log(
        `teams (${teams.teams} teams): authorize / floor ${teams.teamsToFloor} (by CPU ${teams.teamsToFloorByCpu}) beside plain ${teams.plainToFloor}; ` +
          `teams / plain ${teams.teamsToPlain}; queries/req through teams ` +
          teams.runs.map((r) => r.teamsQueriesPerRequest).join(', ') +
          ' (plain ' +
          teams.runs.map((r) => r.plainQueriesPerRequest).join(', ') +
          ')',
      );
    }
    if (ownLimit) {
      console.log(
        `authorize / floor with own rate limits (token and API user): ${ownLimit.authorizeToFloor} (by CPU time: ${ownLimit.authorizeToFloorByCpu}), ` +
          `pairs: ${ownLimit.pairs.map((r) => r.byRequests).join(', ')}`,
      );
    }
    if (bindings) {
      console.log(
        `authorize / floor, plain: ${bindings.plainToFloor}; the owner's unbound token: ${bindings.unboundTwinToFloor}; token bound to ${bindings.boundDevices} devices: ${bindings.devicesToFloor} ` +
          `(max queries/req ${bindings.devicesQueriesPerRequest}); token with ${bindings.allowedRanges} CIDRs: ${bindings.cidrsToFloor} ` +
          `(max queries/req ${bindings.cidrsQueriesPerRequest}); by CPU time per request: ${JSON.stringify(bindings.byCpu)}`,
      );
    }
    if (hotpath) {
      console.log(
        `CPU per request over the bare Fastify floor (median of ${PAIRS} pairs): ${JSON.stringify(hotpath.cpuOverBare)}; ` +
          `refusals over the bare server's own 401: ${JSON.stringify(hotpath.refusalsOverBareRefusal)}; ` +
          `refusals over the allowed check (goal ≤ 1): ${JSON.stringify(hotpath.refusalsOverAllowed)}; ` +
          `allowed over the bare server's same 204 with the same headers: ${hotpath.allowedOverBareAnswerShaped}; ` +
          `allowed p99 ms per pair: ${hotpath.allowedP99Ms.join(', ')}`,
      );
    }
    if (gc) {
      console.log(
        `GC, ${GC_SECONDS} s of checks (p99 ${gc.checkP99Ms} ms): ${gc.events} pauses, max ${gc.maxPauseMs} ms, ` +
          `p50 ${gc.p50PauseMs} ms, p99 ${gc.p99PauseMs} ms, the longest ${gc.longestPausesMs.join(', ')} ms, ` +
          `${gc.pausesOver10Ms} over 10 ms${longPauses(gc.over10Ms)}, ` +
          `total ${gc.totalPauseMs} ms; ${JSON.stringify(gc.byKind)}; ` +
          `before the load (${gc.startUp.seconds} s from the start, the first checks included): ${gcSpan(gc.startUp)}; ` +
          `the load's warm-up before the run (${gc.loadWarmUp.seconds} s): ${gcSpan(gc.loadWarmUp)}; ` +
          `first check after the restart ${gc.coldFirstCheckMs} ms, the second ${gc.secondCheckMs} ms` +
          (gc.coldRestarts.length > 1
            ? `; each restart's first / second / the owner's uncached first / a warm check's median (ms): ` +
              gc.coldRestarts.map((r) => `${r.firstMs} / ${r.secondMs} / ${r.uncachedOnWarmMs} / ${r.warmMs}`).join(', ')
            : ''),
      );
    }
    if (atScale) {
      console.log(
        `at scale: ${JSON.stringify(atScale.ratios)}; rounds (CPU over bare): ${JSON.stringify(atScale.rounds)}; ` +
          `at ${atScale.tokensHigh} tokens: first check after the restart ${atScale.gc.coldFirstCheckMs} ms, GC max pause ` +
          `${atScale.gc.maxPauseMs} ms (${atScale.gc.pausesOver10Ms} over 10 ms, ${atScale.gc.events} in ${GC_SECONDS} s, check p99 ` +
          `${atScale.gc.checkP99Ms} ms); cached tokens take ${atScale.cacheHeapMiBPer100kTokens} MiB of heap per 100,000`,
      );
    }
    if (scale) {
      console.log(
        `authorize at ${scale.tokensLow} tokens: ${scale.rpsLow} req/s; at ${scale.tokensHigh}: ${scale.rpsHigh} req/s ` +
          `(ratio ${scale.rawRatio}; against each half's own floor ${scale.floorNormalisedRatio}); RSS ${scale.rssHighMiB} MiB`,
      );
    }
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(
      ROOT,
      'bench/results',
      `${started.toISOString().replace(/[:.]/g, '-')}-${databaseName(target)}-${SCALE ? 'scale' : TOKENS}.json`,
    );
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`written to ${file}`);
  } finally {
    if (service) await service.stop();
    await target.cleanup();
  }
}

const spammerAt = args.indexOf('--spammer');
const flowAt = args.indexOf('--webhook-flow');
(spammerAt >= 0
  ? spammer(args[spammerAt + 1], Number(args[spammerAt + 2]), Number(args[spammerAt + 3]))
  : flowAt >= 0
    ? webhookFlow(args[flowAt + 1], args[flowAt + 2], Number(args[flowAt + 3]), Number(args[flowAt + 4]))
    : ONLY?.size === 1 && ONLY.has('instances')
      ? benchInstances() // its own deployment (bench/instances.ts): alone
      : main()
).catch((error) => {
  console.error(error);
  process.exit(1);
});
