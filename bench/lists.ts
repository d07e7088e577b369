// Lists and writes at scale (issue 21, part 4), on a PostgreSQL server (DATABASE_URL, else the local one):
//   npm run bench -- --only lists [--audit-events 10000000] [--list-rows 10000] [--samples 20] [--create-devices 10000] [--create-concurrency 4]
//                    [--bulk-size 1000]
//                    [--delete-rows 100000] [--invitations 500000] [--write-concurrency 4] [--keep-database]
//   or directly: npx tsc -p tsconfig.scripts.json && node build/bench/lists.js [the same flags]   (after npm run build)
// On a fresh database with a built Latchkey running on it (harness/), rows go in by SQL (INSERT … SELECT over
// generate_series, timed): a workspace with --list-rows members, devices, tokens of one API user and tokens of
// its members, and --audit-events events in its audit log. Then, over HTTP, the first and the 100th page
// (default page size; the 100th reached by following nextCursor) of each list, --samples times each:
// median and p95. The plans of the same statements (EXPLAIN (ANALYZE, BUFFERS), statements copied from the
// repositories named beside them) show which index answers. Then --create-devices devices created by the
// API, twice in two fresh workspaces: one POST each (--create-concurrency at a time), and by
// POST …/devices/bulk, --bulk-size devices a request, one request at a time. Then a workspace of --delete-rows rows
// deleted while --write-concurrency workspaces of another owner take device writes: their latency before,
// during and after, and the lock waits in pg_stat_activity (sampled every 10 ms) before and while it ran.
// A plain `npm run bench` (no --only) runs this scenario too, before the others.
// Prints the figures and writes them to bench/results/<date>-postgresql-lists.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { ApiClient } from '../harness/api-client';
import { DatabaseTarget, freshDatabase, SERVER_URL, Sql, startLatchkey } from '../harness/fresh-database';
import type { LatchkeyProcess } from '../harness/latchkey-process';
import { freePort } from '../harness/ports';
import { quantile, round } from '../harness/sample-stats';
import { ROOT } from './load';

interface Options {
  auditEvents: number;
  listRows: number;
  samples: number;
  createDevices: number;
  createConcurrency: number;
  /** Devices per POST …/devices/bulk (at most 1,000). */
  bulkSize: number;
  deleteRows: number;
  invitations: number;
  writeConcurrency: number;
  /** Leave the database (and print its URL) to study plans by hand. */
  keepDatabase: boolean;
}

/** The page the 100th-page figures read: 99 nextCursors in. */
const DEEP_PAGE = 100;

function options(args: string[]): Options {
  const flag = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  return {
    // The 100th page of 50 needs more than 4,950 rows before it.
    auditEvents: Math.max(DEEP_PAGE * 50 + 1, flag('audit-events', 10_000_000)),
    listRows: Math.max(DEEP_PAGE * 50 + 1, flag('list-rows', 10_000)),
    samples: flag('samples', 20),
    createDevices: flag('create-devices', 10_000),
    createConcurrency: flag('create-concurrency', 4),
    bulkSize: flag('bulk-size', 1000),
    deleteRows: flag('delete-rows', 100_000),
    invitations: flag('invitations', 500_000),
    writeConcurrency: flag('write-concurrency', 4),
    keepDatabase: args.includes('--keep-database'),
  };
}

const PASSWORD = 'lists bench password 123';

interface Owner {
  userId: string;
  token: string;
}

interface Spread {
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

const spread = (values: number[]): Spread => ({
  medianMs: round(quantile(values, 0.5), 2),
  p95Ms: round(quantile(values, 0.95), 2),
  maxMs: round(Math.max(...values), 2),
});

interface ListResult {
  list: string;
  path: string;
  rows: number;
  firstPage: Spread;
  page100: Spread;
  /** EXPLAIN (ANALYZE, BUFFERS) of the repository's statement for the 100th page. */
  plan: string[];
  planUsesIndex: boolean;
  /** Tables read whole, with the rows read: small lookup tables only, never the list's own. */
  planSeqScans: string[];
  /** The most rows a Sort node took in (a top-N sort of the page is fine; of the whole list is not). */
  planSortsRows: number;
  planExecutionMs: number;
}

/**
 * A uuid made of a 16-bit `series` number and the row number `g` (an SQL expression), so seeded rows of
 * one series have ascending ids and never collide with another series' or a service-made (random) one.
 */
const seededId = (series: number, g = 'g') =>
  `('5eed${series.toString(16).padStart(4, '0')}-0000-4000-8000-' || lpad(to_hex(${g}), 12, '0'))::uuid`;

async function register(api: ApiClient, email: string): Promise<Owner> {
  const body = await api.expect<{ user: { id: string }; personalToken: { secret: string } }>(201, 'POST', '/v1/auth/register', {
    body: { email, password: PASSWORD, name: 'Lists bench' },
  });
  return { userId: body.user.id, token: body.personalToken.secret };
}

async function createWorkspace(api: ApiClient, owner: Owner, name: string): Promise<{ id: string; viewerRoleId: string }> {
  const ws = await api.expect<{ id: string }>(201, 'POST', '/v1/workspaces', { token: owner.token, body: { name } });
  const roles = await api.expect<{ items: Array<{ id: string; name: string }> }>(200, 'GET', `/v1/workspaces/${ws.id}/roles`, {
    token: owner.token,
  });
  return { id: ws.id, viewerRoleId: roles.items.find((r) => r.name === 'viewer')!.id };
}

async function createApiUser(api: ApiClient, owner: Owner, workspace: { id: string; viewerRoleId: string }): Promise<string> {
  const created = await api.expect<{ apiUser: { id: string } }>(201, 'POST', `/v1/workspaces/${workspace.id}/api-users`, {
    token: owner.token,
    body: { name: 'Lists bench bot', roleIds: [workspace.viewerRoleId], deviceAccess: { mode: 'all' } },
  });
  return created.apiUser.id;
}

/** Seconds `work` took. */
async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return round((performance.now() - started) / 1000, 1);
}

/**
 * `rows` members (users, memberships, a role each), devices, tokens of the API user and one named token
 * per member user, in `workspaceId`; ids of series `series`..`series + 4`. Created `rows` seconds back,
 * one a second, so no two share a time.
 */
async function seedWorkspaceRows(
  sql: Sql,
  workspace: { id: string; viewerRoleId: string },
  apiUserId: string,
  rows: number,
  series: number,
): Promise<void> {
  const at = (g = 'g') => `now() - ((${rows} - ${g}) || ' seconds')::interval - interval '1 minute'`;
  const params = [workspace.id, rows];
  await sql.query(
    `INSERT INTO users (id, email, name, password_hash, status, created_at, updated_at)
     SELECT ${seededId(series)}, 'member-' || $1 || '-' || g || '@example.com', 'Member ' || g, 'x', 'active', ${at()}, ${at()}
       FROM generate_series(1, $2::int) g`,
    params,
  );
  await sql.query(
    `INSERT INTO memberships (id, workspace_id, user_id, device_access, created_at, updated_at)
     SELECT ${seededId(series + 1)}, $1, ${seededId(series)}, 'all', ${at()}, ${at()} FROM generate_series(1, $2::int) g`,
    params,
  );
  await sql.query(
    `INSERT INTO membership_roles (workspace_id, membership_id, role_id)
     SELECT $1, ${seededId(series + 1)}, $3 FROM generate_series(1, $2::int) g`,
    [...params, workspace.viewerRoleId],
  );
  await sql.query(
    `INSERT INTO devices (id, workspace_id, name, serial, metadata, created_at, updated_at)
     SELECT ${seededId(series + 2)}, $1, 'Device ' || g, 'SEED-' || g, '{}', ${at()}, ${at()} FROM generate_series(1, $2::int) g`,
    params,
  );
  await sql.query(
    `INSERT INTO tokens (id, kind, api_user_id, name, token_hash, hint, scopes, created_at)
     SELECT ${seededId(series + 3)}, 'api_user', $3, 'seeded ' || g,
            encode(sha256(convert_to($1 || '-api-' || g, 'UTF8')), 'hex'), 'lka_seed…ed', '{*}', ${at()}
       FROM generate_series(1, $2::int) g`,
    [...params, apiUserId],
  );
  await sql.query(
    `INSERT INTO tokens (id, kind, user_id, name, token_hash, hint, scopes, created_at)
     SELECT ${seededId(series + 4)}, 'named', ${seededId(series)}, 'seeded ' || g,
            encode(sha256(convert_to($1 || '-member-' || g, 'UTF8')), 'hex'), 'lkp_seed…ed', '{*}', ${at()}
       FROM generate_series(1, $2::int) g`,
    params,
  );
}

/**
 * Other tenants beside the measured workspace, so its plans are those of a shared database: the
 * seeded members (series `series`) join each of `workspaceIds` too, and each holds one more named token,
 * restricted to one of those workspaces (a token the measured workspace's list must pass over).
 */
async function seedNeighbours(sql: Sql, workspaceIds: string[], rows: number, series: number, tokenSeries: number): Promise<void> {
  for (const [i, workspaceId] of workspaceIds.entries()) {
    await sql.query(
      `INSERT INTO memberships (id, workspace_id, user_id, device_access, created_at, updated_at)
       SELECT gen_random_uuid(), $1, ${seededId(series)}, 'all', now(), now() FROM generate_series(1, $2::int) g`,
      [workspaceId, rows],
    );
    if (i > 0) continue;
    await sql.query(
      `INSERT INTO tokens (id, kind, user_id, name, token_hash, hint, scopes, workspace_ids, created_at)
       SELECT ${seededId(tokenSeries)}, 'named', ${seededId(series)}, 'elsewhere ' || g,
              encode(sha256(convert_to($1 || '-elsewhere-' || g, 'UTF8')), 'hex'), 'lkp_seed…ed', '{*}', ARRAY[$1::uuid],
              now() - ((${rows} - g) || ' seconds')::interval - interval '30 seconds'
         FROM generate_series(1, $2::int) g`,
      [workspaceId, rows],
    );
  }
}

/** `count` audit events of the workspace, the owner's account as theirs too, in statements of a million. */
async function seedAudit(sql: Sql, workspaceId: string, accountId: string, count: number, series: number): Promise<void> {
  const batch = 1_000_000;
  for (let from = 0; from < count; from += batch) {
    const to = Math.min(count, from + batch);
    await sql.query(
      `INSERT INTO audit_events (id, workspace_id, account_id, action, actor_type, actor_id, target_type, target_id, ip, details, created_at)
       SELECT ${seededId(series)}, $1, $2, 'device.updated', 'user', $2, 'device', $2, '192.0.2.1', '{}',
              now() - (($5::int - g) || ' milliseconds')::interval - interval '1 minute'
         FROM generate_series($3::int + 1, $4::int) g`,
      [workspaceId, accountId, from, to, count],
    );
    process.stderr.write(`  audit events: ${to}\n`);
  }
}

async function timeRequests(api: ApiClient, path: string, token: string, samples: number): Promise<Spread> {
  for (let i = 0; i < 2; i++) await api.expect(200, 'GET', path, { token }); // warm-up
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const res = await api.get(path, token, 30_000);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    times.push(res.ms);
  }
  return spread(times);
}

/** The cursor that fetches page `page` (follows nextCursor page - 1 times). */
async function cursorOfPage(api: ApiClient, path: string, token: string, page: number): Promise<string> {
  let cursor: string | null = null;
  for (let i = 1; i < page; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const body: { nextCursor: string | null } = await api.expect(200, 'GET', cursor ? `${path}${sep}cursor=${cursor}` : path, { token });
    if (!body.nextCursor) throw new Error(`${path}: no page ${page} (ended at ${i})`);
    cursor = body.nextCursor;
  }
  return cursor!;
}

/** The (createdAt, id) a cursor carries, as the repositories bind it. */
function positionOf(cursor: string): [string, string] {
  return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
}

/** A plan node's actual rows × loops, and the rows its filter removed (on the lines after it). */
function rowsTaken(lines: string[], at: number): number {
  const [rows, loops] = /actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)/.exec(lines[at])?.slice(1) ?? ['0', '1'];
  const removed = lines
    .slice(at + 1, at + 4)
    .map((l) => /Rows Removed by Filter: (\d+)/.exec(l)?.[1])
    .find(Boolean);
  return (Number(rows) + Number(removed ?? 0)) * Number(loops);
}

/**
 * What a plan shows: an index answers; the sequential scans, with the rows each read (a scan of a
 * four-row roles table is no finding; one of a list's table is); how many rows a Sort took in at most.
 */
function readPlan(lines: string[]): Pick<ListResult, 'planUsesIndex' | 'planSeqScans' | 'planSortsRows' | 'planExecutionMs'> {
  const at = (pattern: RegExp) => lines.flatMap((l, i) => (pattern.test(l) ? [i] : []));
  const execution = lines.find((l) => l.startsWith('Execution Time'));
  return {
    planUsesIndex: lines.some((l) => /Index (Only )?Scan|Bitmap Index Scan/.test(l)),
    planSeqScans: at(/Seq Scan on/).map((i) => `${/Seq Scan on (\w+)/.exec(lines[i])![1]} (${rowsTaken(lines, i)} rows)`),
    planSortsRows: Math.max(0, ...at(/(->\s+|^\s*)(Incremental )?Sort\s+\(/).map((i) => inputRows(lines, i))),
    planExecutionMs: Number(/([\d.]+) ms/.exec(execution ?? '')?.[1] ?? NaN),
  };
}

/** The rows a Sort node took in: the actual rows of the node under it (its first child). */
function inputRows(lines: string[], sortAt: number): number {
  const indent = lines[sortAt].search(/\S/);
  const child = lines.findIndex((l, i) => i > sortAt && l.includes('->') && l.search(/\S/) > indent);
  return child < 0 ? 0 : rowsTaken(lines, child);
}

/**
 * Each list's statement as its repository sends it (keep in step with the method named), with the
 * 100th page's position: EXPLAIN shows the index that answers and that no Sort takes in the whole list.
 */
function listStatements(ids: { workspaceId: string; apiUserId: string; ownerId: string }, page = 50) {
  const limit = page + 1;
  return {
    // WorkspacesRepository.listMembers / members()
    members: (at: string, id: string) => ({
      text: `SELECT m.id AS "membershipId", m.id, m.user_id AS "userId", u.email, u.name, m.device_access AS mode, m.created_at AS "createdAt",
                COALESCE((SELECT json_agg(json_build_object('id', r.id, 'name', r.name, 'builtIn', r.built_in) ORDER BY r.name)
                            FROM membership_roles mr JOIN roles r ON r.workspace_id = mr.workspace_id AND r.id = mr.role_id
                           WHERE mr.workspace_id = m.workspace_id AND mr.membership_id = m.id), '[]') AS roles,
                COALESCE((SELECT array_agg(md.device_id ORDER BY md.device_id) FROM membership_devices md
                           WHERE md.workspace_id = m.workspace_id AND md.membership_id = m.id), '{}') AS "deviceIds"
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.workspace_id = $1 AND m.user_id IS NOT NULL AND (m.created_at, m.id) < ($2, $3)
          ORDER BY m.created_at DESC, m.id DESC LIMIT ${limit}`,
      params: [ids.workspaceId, at, id],
    }),
    // DevicesRepository.list
    devices: (at: string, id: string) => ({
      text: `SELECT d.id, d.workspace_id, d.name, d.serial, d.metadata, d.created_at, d.updated_at FROM devices d
              WHERE d.workspace_id = $1 AND (d.created_at, d.id) < ($2, $3) ORDER BY d.created_at DESC, d.id DESC LIMIT ${limit}`,
      params: [ids.workspaceId, at, id],
    }),
    // TokensRepository.listForOwner (an API user's, active only), as TypeORM writes it
    apiUserTokens: (at: string, id: string) => ({
      text: `SELECT t.* FROM tokens t LEFT JOIN tokens p ON p.id = t.parent_id
              WHERE t.api_user_id = $1 AND t.kind IN ('api_user', 'session')
                AND (t.revoked_at IS NULL OR t.revoked_at > now()) AND (t.expires_at IS NULL OR t.expires_at > now())
                AND (p.id IS NULL OR ((p.revoked_at IS NULL OR p.revoked_at > now()) AND (p.expires_at IS NULL OR p.expires_at > now())))
                AND (t.created_at, t.id) < ($2, $3)
              ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit}`,
      params: [ids.apiUserId, at, id],
    }),
    // TokensRepository.listReachingWorkspace / reachingPage() (REACHES_WORKSPACE; outer columns trimmed)
    workspaceTokens: (at: string, id: string) => {
      const reaches = `(t.workspace_ids IS NULL OR $1 = ANY(t.workspace_ids)) AND NOT ($1 = ANY(t.blocked_workspace_ids))
        AND (t.revoked_at IS NULL OR t.revoked_at > now()) AND (t.expires_at IS NULL OR t.expires_at > now())
        AND (p.id IS NULL OR (NOT ($1 = ANY(p.blocked_workspace_ids)) AND (p.revoked_at IS NULL OR p.revoked_at > now())
             AND (p.expires_at IS NULL OR p.expires_at > now())))
        AND (t.created_at, t.id) < ($2, $3)`;
      const newestOf = (owner: string, membership: string) =>
        `SELECT o.id, o.created_at FROM memberships m CROSS JOIN LATERAL (
           SELECT t.id, t.created_at FROM tokens t LEFT JOIN tokens p ON p.id = t.parent_id
            WHERE ${owner} = ${membership} AND ${reaches} ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit}) o
          WHERE m.workspace_id = $1 AND ${membership} IS NOT NULL`;
      return {
        text: `SELECT t.id, t.created_at, u.email, p.kind
                 FROM (SELECT c.id FROM (${newestOf('t.user_id', 'm.user_id')} UNION ALL ${newestOf('t.api_user_id', 'm.api_user_id')}) c
                        ORDER BY c.created_at DESC, c.id DESC LIMIT ${limit}) page
                 JOIN tokens t ON t.id = page.id LEFT JOIN tokens p ON p.id = t.parent_id LEFT JOIN users u ON u.id = t.user_id
                ORDER BY t.created_at DESC, t.id DESC`,
        params: [ids.workspaceId, at, id],
      };
    },
    // AuditLog.list / rows() (a workspace's)
    workspaceAudit: (at: string, id: string) => ({
      text: `SELECT id, action, workspace_id, actor_type, actor_id, actor_token_id, target_type, target_id, ip, details, created_at
               FROM audit_events WHERE workspace_id = $1 AND (created_at, id) < ($2, $3)
              ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
      params: [ids.workspaceId, at, id],
    }),
    // AuditLog.list / rows() (an account's)
    accountAudit: (at: string, id: string) => ({
      text: `SELECT id, action, workspace_id, actor_type, actor_id, actor_token_id, target_type, target_id, ip, details, created_at
               FROM audit_events WHERE account_id = $1 AND (created_at, id) < ($2, $3)
              ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
      params: [ids.ownerId, at, id],
    }),
  };
}

/** Runs `count` POSTs of devices into a workspace, `concurrency` at a time: seconds and per-request latency. */
async function createDevices(
  api: ApiClient,
  owner: Owner,
  workspaceId: string,
  count: number,
  concurrency: number,
  prefix: string,
): Promise<{ seconds: number; latency: Spread; failed: number }> {
  let next = 0;
  let failed = 0;
  const times: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const res = await api.post(`/v1/workspaces/${workspaceId}/devices`, owner.token, { name: `Bulk ${i}`, serial: `${prefix}-${i}` });
        if (res.status !== 201) failed++;
        times.push(res.ms);
      }
    }),
  );
  return { seconds: round((performance.now() - started) / 1000, 1), latency: spread(times), failed };
}

/** Creates `count` devices by POST …/devices/bulk, `size` a request, one request at a time: seconds and per-request latency. */
async function createDevicesInBulk(
  api: ApiClient,
  owner: Owner,
  workspaceId: string,
  count: number,
  size: number,
  prefix: string,
): Promise<{ requests: number; seconds: number; latency: Spread; failed: number }> {
  let failed = 0;
  const times: number[] = [];
  const started = performance.now();
  for (let first = 0; first < count; first += size) {
    const devices = Array.from({ length: Math.min(size, count - first) }, (_, j) => ({
      name: `Bulk ${first + j}`,
      serial: `${prefix}-${first + j}`,
    }));
    const res = await api.post(`/v1/workspaces/${workspaceId}/devices/bulk`, owner.token, { devices });
    if (res.status !== 201) failed += devices.length;
    times.push(res.ms);
  }
  return { requests: times.length, seconds: round((performance.now() - started) / 1000, 2), latency: spread(times), failed };
}

interface LockWaits {
  samples: number;
  /** Samples with a backend of the database waiting for a heavyweight lock. */
  samplesWithWaits: number;
  waitersMax: number;
  /** Waits by wait_event (object: the commit-time NOTIFY lock every cache invalidation takes; tuple, transactionid: rows). */
  byEvent: Record<string, number>;
  /**
   * Waits whose blocker had been in its transaction over LONG_TRANSACTION_MS: only the delete's
   * transaction lasts that long here (a device write takes tens of ms), so these waited for the delete.
   */
  behindLongTransaction: number;
}

/** Workspaces of another owner that the measured workspace's members belong to as well. */
const NEIGHBOURS = 5;

/** API users of the deleted workspace besides the one holding its tokens. */
const DOOMED_API_USERS = 100;

/** A transaction older than this, during the delete scenario, is the delete's. */
const LONG_TRANSACTION_MS = 250;

interface DeleteResult {
  rows: Record<string, number>;
  deleteMs: number;
  deleteStatus: number;
  /** The deleted workspace read right after the answer: 404 for its owner. */
  readAfterDelete: number;
  otherWorkspaceWrites: {
    before: Spread & { count: number };
    during: Spread & { count: number; p99Ms: number };
    after: Spread & { count: number };
    failed: number;
  };
  /** Lock waits seen in pg_stat_activity (every 10 ms) in the 1.5 s before the delete, and while it ran. */
  lockWaits: { before: LockWaits; during: LockWaits };
}

/**
 * Deletes a workspace of `rows` rows (a quarter each: members, devices, API-user tokens, audit events)
 * while `concurrency` workspaces of another owner take device creations, one writer each.
 */
async function measureDelete(
  api: ApiClient,
  target: DatabaseTarget,
  owner: Owner,
  other: Owner,
  rows: number,
  invitations: number,
  concurrency: number,
): Promise<DeleteResult> {
  const doomed = await createWorkspace(api, owner, 'Lists bench doomed');
  const doomedBot = await createApiUser(api, owner, doomed);
  // One busy workspace per writer: writes of one workspace take turns on its row lock, so any lock
  // wait seen while the delete runs is one on the delete.
  const busy: Array<{ id: string; viewerRoleId: string }> = [];
  for (let i = 0; i < concurrency; i++) busy.push(await createWorkspace(api, other, `Lists bench busy ${i}`));
  const quarter = Math.floor(rows / 4);
  await target.withSql(async (sql) => {
    await seedWorkspaceRows(sql, doomed, doomedBot, quarter, 0x20);
    // Only the members' named tokens count beyond the quarters: they belong to the users, who stay.
    await seedAudit(sql, doomed.id, owner.userId, quarter, 0x30);
    // More API users (with their memberships), each one a foreign-key check on invitations when it goes,
    // and invitations elsewhere on the platform for those checks to read.
    await sql.query(
      `INSERT INTO api_users (id, workspace_id, name, created_at, updated_at)
       SELECT ${seededId(0x40)}, $1, 'Doomed bot ' || g, now(), now() FROM generate_series(1, $2::int) g`,
      [doomed.id, DOOMED_API_USERS],
    );
    await sql.query(
      `INSERT INTO memberships (id, workspace_id, api_user_id, device_access, created_at, updated_at)
       SELECT ${seededId(0x41)}, $1, ${seededId(0x40)}, 'all', now(), now() FROM generate_series(1, $2::int) g`,
      [doomed.id, DOOMED_API_USERS],
    );
    await sql.query(
      `INSERT INTO invitations (id, workspace_id, email, role_ids, device_access, token_hash, hint, created_at, expires_at)
       SELECT ${seededId(0x42)}, $1, 'invitee-' || g || '@example.com', ARRAY[$3::uuid], 'all',
              encode(sha256(convert_to('lists-invitation-' || g, 'UTF8')), 'hex'), 'lki_seed…ed', now(), now() + interval '7 days'
         FROM generate_series(1, $2::int) g`,
      [busy[0].id, invitations, busy[0].viewerRoleId],
    );
    await sql.query('VACUUM ANALYZE');
  });
  const counted = await target.withSql((sql) =>
    sql.query<{ devices: number; memberships: number; membership_roles: number; api_user_tokens: number; audit_events: number }>(
      `SELECT (SELECT count(*)::int FROM devices WHERE workspace_id = $1) AS devices,
              (SELECT count(*)::int FROM memberships WHERE workspace_id = $1) AS memberships,
              (SELECT count(*)::int FROM membership_roles WHERE workspace_id = $1) AS membership_roles,
              (SELECT count(*)::int FROM tokens WHERE api_user_id = $2) AS api_user_tokens,
              (SELECT count(*)::int FROM api_users WHERE workspace_id = $1) AS api_users,
              (SELECT count(*)::int FROM invitations WHERE workspace_id <> $1) AS invitations_elsewhere,
              (SELECT count(*)::int FROM audit_events WHERE workspace_id = $1) AS audit_events`,
      [doomed.id, doomedBot],
    ),
  );

  type Sample = { at: number; ms: number; ok: boolean };
  const samples: Sample[] = [];
  let writing = true;
  let serial = 0;
  const writers = busy.map(async (workspace) => {
    while (writing) {
      const at = performance.now();
      const res = await api.post(`/v1/workspaces/${workspace.id}/devices`, other.token, { name: 'Busy', serial: `BUSY-${serial++}` });
      samples.push({ at, ms: res.ms, ok: res.status === 201 });
    }
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(1500);

  // Lock waits, seen from outside: backends of this database waiting on a heavyweight lock, and how
  // long their blocker has been in its transaction.
  const watcher = new Client({ connectionString: target.env.DATABASE_URL });
  await watcher.connect();
  const emptyWaits = (): LockWaits => ({ samples: 0, samplesWithWaits: 0, waitersMax: 0, byEvent: {}, behindLongTransaction: 0 });
  const lockWaits = { before: emptyWaits(), during: emptyWaits() };
  let phase: keyof typeof lockWaits | null = 'before';
  const watch = (async () => {
    while (phase) {
      const seen = lockWaits[phase];
      const { rows: waiting } = await watcher.query<{ event: string; blocker_ms: number }>(
        `SELECT w.wait_event AS event, max(extract(epoch FROM clock_timestamp() - b.xact_start) * 1000)::int AS blocker_ms
           FROM pg_stat_activity w
           LEFT JOIN LATERAL unnest(pg_blocking_pids(w.pid)) bp ON true
           LEFT JOIN pg_stat_activity b ON b.pid = bp
          WHERE w.datname = current_database() AND w.wait_event_type = 'Lock'
          GROUP BY w.pid, w.wait_event`,
      );
      seen.samples++;
      if (waiting.length > 0) seen.samplesWithWaits++;
      seen.waitersMax = Math.max(seen.waitersMax, waiting.length);
      for (const w of waiting) {
        seen.byEvent[w.event] = (seen.byEvent[w.event] ?? 0) + 1;
        if ((w.blocker_ms ?? 0) > LONG_TRANSACTION_MS) seen.behindLongTransaction++;
      }
      await sleep(10);
    }
  })();
  await sleep(1500);
  phase = 'during';

  const deleteStarted = performance.now();
  const deleted = await api.request('DELETE', `/v1/workspaces/${doomed.id}`, { token: owner.token, timeoutMs: 300_000 });
  const deleteEnded = performance.now();
  const readAfterDelete = (await api.get(`/v1/workspaces/${doomed.id}`, owner.token)).status;
  phase = null;
  await watch;
  await watcher.end();
  await sleep(3000);
  writing = false;
  await Promise.all(writers);

  const window = (from: number, to: number) => samples.filter((s) => s.at + s.ms >= from && s.at <= to);
  const describe = (list: Sample[]) => ({ ...spread(list.map((s) => s.ms)), count: list.length });
  const during = window(deleteStarted, deleteEnded);
  return {
    rows: { ...counted[0] },
    deleteMs: round(deleteEnded - deleteStarted, 1),
    deleteStatus: deleted.status,
    readAfterDelete,
    otherWorkspaceWrites: {
      before: describe(samples.filter((s) => s.at + s.ms < deleteStarted)),
      during: {
        ...describe(during),
        p99Ms: round(
          quantile(
            during.map((s) => s.ms),
            0.99,
          ),
          2,
        ),
      },
      after: describe(samples.filter((s) => s.at > deleteEnded)),
      failed: samples.filter((s) => !s.ok).length,
    },
    lockWaits,
  };
}

export interface ListsSummary {
  date: string;
  database: string;
  /** The machine's 1-minute load average when the run began and ended: other work on it skews the times. */
  loadAverage: { start: number; end: number };
  options: Options;
  seedSeconds: Record<string, number>;
  lists: ListResult[];
  createDevices: { count: number; concurrency: number; seconds: number; latency: Spread; failed: number };
  /** The same number of devices by POST …/devices/bulk in another fresh workspace. */
  createDevicesInBulk: { count: number; size: number; requests: number; seconds: number; latency: Spread; failed: number };
  workspaceDelete: DeleteResult;
}

/** The whole scenario on a fresh database: figures printed and written to bench/results/. */
export async function benchLists(args: string[]): Promise<ListsSummary> {
  const opts = options(args);
  const target = await freshDatabase('server', { serverUrl: process.env.DATABASE_URL ?? SERVER_URL, label: 'lists' });
  const started = new Date();
  const loadAtStart = round(loadavg()[0], 2);
  let service: LatchkeyProcess | null = null;
  try {
    const port = await freePort();
    service = await startLatchkey(
      ROOT,
      target,
      {
        LATCHKEY_DB_POOL_SIZE: '20',
        // One token from one address sends everything: the production limits would cut it off.
        LATCHKEY_RATE_LIMIT_PER_TOKEN: '100000000',
        LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '100000000',
        LATCHKEY_REGISTRATIONS_PER_IP: '100000000',
      },
      { port, onOutput: (line, stream) => stream === 'stderr' && process.stderr.write(`${line}\n`) },
    );
    const api = new ApiClient(`http://127.0.0.1:${port}`, 30_000);
    const owner = await register(api, 'lists-owner@example.com');
    const other = await register(api, 'lists-other@example.com');
    const workspace = await createWorkspace(api, owner, 'Lists bench');
    const apiUserId = await createApiUser(api, owner, workspace);

    const neighbours: string[] = [];
    for (let i = 0; i < NEIGHBOURS; i++) neighbours.push((await createWorkspace(api, other, `Lists bench neighbour ${i}`)).id);

    process.stderr.write(`seeding ${opts.listRows} rows per list and ${opts.auditEvents} audit events (${target.label})…\n`);
    const seedSeconds: Record<string, number> = {};
    await target.withSql(async (sql) => {
      seedSeconds.listRows = await timed(async () => {
        await seedWorkspaceRows(sql, workspace, apiUserId, opts.listRows, 0x10);
        await seedNeighbours(sql, neighbours, opts.listRows, 0x10, 0x15);
      });
      seedSeconds.auditEvents = await timed(() => seedAudit(sql, workspace.id, owner.userId, opts.auditEvents, 0x01));
      // Settle before measuring: statistics for the planner, hint bits and the visibility map set.
      seedSeconds.vacuumAnalyze = await timed(() => sql.query('VACUUM ANALYZE'));
    });

    const wid = workspace.id;
    const lists: Array<{ list: string; path: string; statement: keyof ReturnType<typeof listStatements> }> = [
      { list: 'members', path: `/v1/workspaces/${wid}/members`, statement: 'members' },
      { list: 'devices', path: `/v1/workspaces/${wid}/devices`, statement: 'devices' },
      { list: "an API user's tokens", path: `/v1/workspaces/${wid}/api-users/${apiUserId}/tokens`, statement: 'apiUserTokens' },
      {
        list: "tokens reaching the workspace (members' and API user's)",
        path: `/v1/workspaces/${wid}/tokens`,
        statement: 'workspaceTokens',
      },
      { list: "workspace's audit events", path: `/v1/workspaces/${wid}/audit-events`, statement: 'workspaceAudit' },
      { list: "account's audit events", path: `/v1/me/audit-events`, statement: 'accountAudit' },
    ];
    const statements = listStatements({ workspaceId: wid, apiUserId, ownerId: owner.userId });
    const results: ListResult[] = [];
    for (const { list, path, statement } of lists) {
      process.stderr.write(`timing ${list}…\n`);
      const cursor = await cursorOfPage(api, path, owner.token, DEEP_PAGE);
      const firstPage = await timeRequests(api, path, owner.token, opts.samples);
      const page100 = await timeRequests(api, `${path}?cursor=${cursor}`, owner.token, opts.samples);
      const { text, params } = statements[statement](...positionOf(cursor));
      const plan = await target.withSql(async (sql) => {
        // As the service's own connections run (src/database/database.ts turns JIT off).
        await sql.query('SET jit = off');
        const rows = await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
        return rows.map((r) => r['QUERY PLAN']);
      });
      const rows = statement.endsWith('Audit') ? opts.auditEvents : statement === 'workspaceTokens' ? 2 * opts.listRows : opts.listRows;
      results.push({ list, path: path.replace(wid, ':wid').replace(apiUserId, ':id'), rows, firstPage, page100, plan, ...readPlan(plan) });
    }

    process.stderr.write(`creating ${opts.createDevices} devices through the API…\n`);
    const bulk = await createWorkspace(api, owner, 'Lists bench bulk');
    const created = await createDevices(api, owner, bulk.id, opts.createDevices, opts.createConcurrency, 'BULK');
    const createResult = { count: opts.createDevices, concurrency: opts.createConcurrency, ...created };
    process.stderr.write(`creating ${opts.createDevices} devices by POST …/devices/bulk, ${opts.bulkSize} a request…\n`);
    const inBulk = await createWorkspace(api, owner, 'Lists bench bulk route');
    const bulkCreated = await createDevicesInBulk(api, owner, inBulk.id, opts.createDevices, opts.bulkSize, 'BULKROUTE');
    const bulkResult = { count: opts.createDevices, size: opts.bulkSize, ...bulkCreated };

    process.stderr.write(`deleting a workspace of ${opts.deleteRows} rows while others take writes…\n`);
    const workspaceDelete = await measureDelete(api, target, owner, other, opts.deleteRows, opts.invitations, opts.writeConcurrency);

    const summary: ListsSummary = {
      date: started.toISOString(),
      database: target.label,
      loadAverage: { start: loadAtStart, end: round(loadavg()[0], 2) },
      options: opts,
      seedSeconds,
      lists: results,
      createDevices: createResult,
      createDevicesInBulk: bulkResult,
      workspaceDelete,
    };
    print(summary);
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, 'bench/results', `${started.toISOString().replace(/[:.]/g, '-')}-postgresql-lists.json`);
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`written to ${file}`);
    return summary;
  } finally {
    if (service) await service.stop();
    if (opts.keepDatabase) process.stderr.write(`database kept: ${target.env.DATABASE_URL}\n`);
    else await target.cleanup();
  }
}

function print(summary: ListsSummary): void {
  const { options: o, seedSeconds: s } = summary;
  console.log(
    `\nLatchkey lists and writes at scale — ${summary.database}, ${o.samples} requests per figure, one at a time; ` +
      `load average ${summary.loadAverage.start} at the start, ${summary.loadAverage.end} at the end (2 cores)`,
  );
  console.log(
    `seeded by SQL: ${o.listRows} rows per list in ${s.listRows} s, ${o.auditEvents} audit events in ${s.auditEvents} s, VACUUM ANALYZE ${s.vacuumAnalyze} s\n`,
  );
  console.log(
    'list'.padEnd(58),
    'rows'.padStart(9),
    'p1 med'.padStart(8),
    'p1 p95'.padStart(8),
    'p100 med'.padStart(9),
    'p100 p95'.padStart(9),
    ' plan (page 100)',
  );
  for (const r of summary.lists) {
    const scans = r.planSeqScans.length ? `, seq scan ${r.planSeqScans.join(' ')}` : '';
    const plan = `${r.planUsesIndex ? 'index' : 'NO INDEX'}, sorts ${r.planSortsRows} rows, ${r.planExecutionMs} ms${scans}`;
    console.log(
      r.list.padEnd(58),
      String(r.rows).padStart(9),
      String(r.firstPage.medianMs).padStart(8),
      String(r.firstPage.p95Ms).padStart(8),
      String(r.page100.medianMs).padStart(9),
      String(r.page100.p95Ms).padStart(9),
      ` ${plan}`,
    );
  }
  for (const r of summary.lists) {
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS), ${r.list}, page ${DEEP_PAGE}:`);
    for (const line of r.plan) console.log(`  ${line}`);
  }
  const c = summary.createDevices;
  console.log(
    `\n${c.count} devices created by the API (one POST each, ${c.concurrency} at a time): ${c.seconds} s, ` +
      `${Math.round(c.count / c.seconds)} /s, latency median ${c.latency.medianMs} ms p95 ${c.latency.p95Ms} ms, ${c.failed} failed`,
  );
  const b = summary.createDevicesInBulk;
  console.log(
    `${b.count} devices created by POST …/devices/bulk (${b.requests} requests of up to ${b.size}, one at a time): ${b.seconds} s, ` +
      `${Math.round(b.count / b.seconds)} /s, a request median ${b.latency.medianMs} ms p95 ${b.latency.p95Ms} ms max ${b.latency.maxMs} ms, ` +
      `${b.failed} failed (${round(c.seconds / b.seconds, 1)}× faster than one POST each)`,
  );
  const d = summary.workspaceDelete;
  const w = d.otherWorkspaceWrites;
  console.log(
    `workspace delete (${JSON.stringify(d.rows)}): ${d.deleteStatus} in ${d.deleteMs} ms; the workspace read right after: ${d.readAfterDelete}\n` +
      `  other workspaces' device writes (${o.writeConcurrency} workspaces, one writer each): before p50 ${w.before.medianMs} / p95 ${w.before.p95Ms} ms (${w.before.count}); ` +
      `during p50 ${w.during.medianMs} / p99 ${w.during.p99Ms} / max ${w.during.maxMs} ms (${w.during.count}); ` +
      `after p50 ${w.after.medianMs} / p95 ${w.after.p95Ms} ms (${w.after.count}); ${w.failed} failed\n` +
      `  lock waits (sampled every 10 ms), 1.5 s before the delete: ${JSON.stringify(d.lockWaits.before)}\n` +
      `  lock waits while the delete ran: ${JSON.stringify(d.lockWaits.during)}`,
  );
}

if (require.main === module) {
  benchLists(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
