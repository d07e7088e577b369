// kill -9 during a burst of writes, on the embedded database and on PostgreSQL. Concurrent clients
// make changes of several kinds, each of which writes its audit event in the same transaction; at a
// random moment the process is SIGKILLed. Then the database must hold every write answered 2xx, and
// nothing half done: every change has its event and every event's target is in the state it
// describes. Latchkey must start again on the same database (a stale lock or socket of the killed
// embedded instance must not block it) and answer /health/ready; then the next round.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PartOptions, PartResult, ReliabilityPart } from './part';
import { ApiClient, ApiResponse } from '../harness/api-client';
import { DatabaseKind, DatabaseTarget, freshDatabase, Sql, startLatchkey } from '../harness/fresh-database';
import { verifyAddress } from '../harness/verify-address';
import { canUsePidNamespace, LatchkeyProcess } from '../harness/latchkey-process';
import { Owner, seedOwner, SEED_PASSWORD } from '../harness/seed';
import { setTimeout as sleep } from 'node:timers/promises';
import { median, ms } from '../harness/sample-stats';

const WORKERS = 8;
const CLIENT_TIMEOUT_MS = 10_000;

type OpKind =
  | 'device.create'
  | 'device.update'
  | 'device.delete'
  | 'token.create'
  | 'token.revoke'
  | 'api_user.create'
  | 'role.create'
  | 'member.update';

/** What a write's client knows: it was answered 2xx, or no answer came (the process died): it may or may not have landed. */
type Outcome = 'acked' | 'unsure';

interface Device {
  id: string;
  serial: string;
  /** metadata.v: the number of updates acknowledged, plus one if the last one is unsure. */
  ackedV: number;
  unsureUpdate: boolean;
  deleted: Outcome | null;
}
interface NamedToken {
  id: string;
  /** The writer that made it, and alone revokes it. */
  worker: number;
  revoked: Outcome | null;
}
interface Ledger {
  devices: Map<string, Device>;
  tokens: Map<string, NamedToken>;
  apiUsers: Map<string, { id: string; tokenId: string }>;
  roles: Map<string, { id: string }>;
  /** The member's roles: the last acknowledged set, and the one in flight when the process died. */
  member: { userId: string; acked: string[]; unsure: string[] | null; ackedUpdates: number };
  /** Creates that got no answer, by their unique name or serial, to see whether they landed. */
  unsureCreates: Array<{ kind: OpKind; key: string }>;
  acked: Map<OpKind, number>;
  /** Answers that were neither 2xx nor a dropped connection at the kill. */
  unexpected: string[];
}

interface RoundFigures {
  ackedWrites: number;
  inFlight: number;
  inFlightLanded: number;
  killAfterMs: number;
  restartMs: number;
  staleLock: boolean;
  /** The killed process ran as pid 1 of its own pid namespace, as in a container. */
  asPid1: boolean;
}

interface DatabaseFigures {
  label: string;
  rounds: RoundFigures[];
  ledger: Ledger;
  violations: string[];
  rows: { devices: number; tokens: number; apiUsers: number; roles: number; auditEvents: number };
  leftoverSocketDirs: number;
}

export const crashPart: ReliabilityPart = {
  id: 'crash',
  async run(options: PartOptions): Promise<PartResult> {
    const rounds = options.short ? 2 : 4;
    const burstMs = options.short ? 3000 : 6000;
    const seed = Date.now() % 1_000_000;
    const random = mulberry32(seed);
    const results: DatabaseFigures[] = [];
    for (const kind of ['embedded', 'cluster'] as DatabaseKind[]) {
      results.push(await crashRuns(options.root, kind, rounds, burstMs, random));
    }

    const figures: Array<[string, string | number]> = [
      ['databases', results.map((r) => r.label).join('; ')],
      [
        'rounds per database',
        `${rounds}: a ${burstMs / 1000} s burst of ${WORKERS} concurrent writers, SIGKILL at a random moment in it, check, restart`,
      ],
    ];
    const notes: string[] = [];
    let ok = true;
    for (const r of results) {
      const acked = [...r.ledger.acked.values()].reduce((a, b) => a + b, 0);
      const inFlight = r.rounds.reduce((a, x) => a + x.inFlight, 0);
      const landed = r.rounds.reduce((a, x) => a + x.inFlightLanded, 0);
      const restarts = r.rounds.map((x) => x.restartMs);
      const p = r.label.startsWith('embedded') ? 'embedded' : 'PostgreSQL';
      figures.push(
        [`${p}: writes answered 2xx`, `${acked} (${[...r.ledger.acked].map(([k, n]) => `${k} ${n}`).join(', ')})`],
        [`${p}: kills at (ms into the burst)`, r.rounds.map((x) => x.killAfterMs).join(', ')],
        [`${p}: writes in flight at the kills / landed anyway`, `${inFlight} / ${landed}`],
        [`${p}: acknowledged writes missing or half-done changes`, `${r.violations.length}`],
        [`${p}: start after a kill until /health/ready (median / max)`, `${ms(median(restarts))} / ${ms(Math.max(...restarts))}`],
        [
          `${p}: rows at the end`,
          `${r.rows.devices} devices, ${r.rows.tokens} named and API-user tokens, ${r.rows.apiUsers} API users, ${r.rows.roles} custom roles, ${r.rows.auditEvents} audit events`,
        ],
      );
      if (r.violations.length > 0 || r.ledger.unexpected.length > 0) ok = false;
      for (const v of r.violations.slice(0, 10)) notes.push(`FAILED (${p}): ${v}`);
      if (r.violations.length > 10) notes.push(`FAILED (${p}): … and ${r.violations.length - 10} more.`);
      for (const u of r.ledger.unexpected.slice(0, 5)) notes.push(`FAILED (${p}): unexpected answer ${u}`);
      if (r.rounds.some((x) => x.staleLock)) {
        notes.push(`${p}: each kill left the pid lock (latchkey.lock) of the dead process behind; every restart took it over and started.`);
      }
      const pid1Rounds = r.rounds.filter((x) => x.asPid1).length;
      if (r.label.startsWith('embedded')) {
        notes.push(
          pid1Rounds > 0
            ? `${p}: from the first restart on, Latchkey ran as pid 1 of its own pid namespace (unshare), like the Docker image; in ${pid1Rounds} of ${r.rounds.length} rounds the killed process was pid 1 and so was the next one, whose start the dead process's lock naming pid 1 must not block.`
            : `${p}: not run as pid 1 of a pid namespace (needs Linux, root and unshare): the container restart case is not covered here.`,
        );
      }
      if (r.leftoverSocketDirs > 0) {
        notes.push(
          `${p}: the killed instances left ${r.leftoverSocketDirs} private socket folder(s) (latchkey-pg-*) in ${tmpdir()}; they do not block a restart.`,
        );
      }
    }
    notes.push(
      'Writes: device create/update/delete, named token create/revoke, API user create (with its membership and first token), custom role create, member role change; each writes its audit event in its own transaction.',
      "After every kill, before the restart, the database is read directly: every write answered 2xx is there as answered; for every device, token, API user, role and the member, the audit events match the rows exactly (a device with metadata.v = k has exactly k device.updated events; a revoked token has its token.revoked event and no other token has one; every event's target exists in the state it describes).",
      `Random kill moments from seed ${seed}.`,
    );
    return { id: 'crash', title: 'kill -9 during a burst of writes', ok, figures, notes };
  },
};

async function crashRuns(
  root: string,
  kind: DatabaseKind,
  rounds: number,
  burstMs: number,
  random: () => number,
): Promise<DatabaseFigures> {
  const target = await freshDatabase(kind);
  const socketDirsBefore = socketDirs();
  const pidNamespace = kind === 'embedded' && canUsePidNamespace();
  let service: LatchkeyProcess | null = null;
  try {
    service = await startLatchkey(root, target);
    const api = new ApiClient(service.baseUrl, CLIENT_TIMEOUT_MS);
    const owner = await seedOwner(api);
    const memberUserId = await seedMember(api, owner, target);
    const ledger: Ledger = {
      devices: new Map(),
      tokens: new Map(),
      apiUsers: new Map(),
      roles: new Map(),
      member: { userId: memberUserId, acked: [owner.roles.member], unsure: null, ackedUpdates: 0 },
      unsureCreates: [],
      acked: new Map(),
      unexpected: [],
    };
    const figures: RoundFigures[] = [];
    const violations: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const ackedBefore = [...ledger.acked.values()].reduce((a, b) => a + b, 0);
      const killAfterMs = Math.round(burstMs * (0.3 + 0.6 * random()));
      const asPid1 = service.pidNamespace;
      let killed = false;
      const burst = Array.from({ length: WORKERS }, (_, w) => writer(api, owner, ledger, w, round, random, () => killed));
      await sleep(killAfterMs);
      killed = true;
      await service.kill();
      await Promise.all(burst);
      const lockFile = join(target.env.LATCHKEY_DATA_DIR ?? '/nonexistent', 'latchkey.lock');
      const staleLock = kind === 'embedded' && existsSync(lockFile);
      const lockAsKilled = staleLock ? readFileSync(lockFile) : null;

      const inFlight = countUnsure(ledger);
      const { problems, landed } = await target.withSql((sql) => checkAndSettle(sql, owner, ledger));
      // The check read the data through an embedded instance of its own, which took the dead
      // process's lock over; put it back as the kill left it, so that Latchkey's restart meets it.
      if (lockAsKilled) writeFileSync(lockFile, lockAsKilled);
      violations.push(...problems.map((p) => `round ${round + 1}: ${p}`));
      // On the embedded database, from the first restart on, Latchkey runs as pid 1 of a pid namespace
      // of its own, as in the Docker image: a restarted container's process has the dead one's pid,
      // which the dead one's lock file names.
      if (pidNamespace) service.pidNamespace = true;
      const restartMs = await service.start();
      figures.push({
        ackedWrites: [...ledger.acked.values()].reduce((a, b) => a + b, 0) - ackedBefore,
        inFlight,
        inFlightLanded: landed,
        killAfterMs,
        restartMs,
        staleLock,
        asPid1,
      });
      const me = await api.get('/v1/me', owner.token);
      if (me.status !== 200) violations.push(`round ${round + 1}: after the restart GET /v1/me answered ${me.status || me.error}`);
    }
    const rows = await (async () => {
      await service.stop();
      return target.withSql(async (sql) => {
        const one = async (text: string, params: unknown[]) => (await sql.query<{ n: number }>(text, params))[0].n;
        return {
          devices: await one('SELECT count(*)::int AS n FROM devices WHERE workspace_id = $1', [owner.workspaceId]),
          tokens: await one(`SELECT count(*)::int AS n FROM tokens WHERE kind IN ('named', 'api_user')`, []),
          apiUsers: await one('SELECT count(*)::int AS n FROM api_users WHERE workspace_id = $1', [owner.workspaceId]),
          roles: await one('SELECT count(*)::int AS n FROM roles WHERE workspace_id = $1 AND built_in IS NULL', [owner.workspaceId]),
          auditEvents: await one('SELECT count(*)::int AS n FROM audit_events', []),
        };
      });
    })();
    const leftoverSocketDirs = socketDirs().filter((d) => !socketDirsBefore.includes(d)).length;
    return { label: target.label, rounds: figures, ledger, violations, rows, leftoverSocketDirs };
  } finally {
    await service?.kill();
    await target.cleanup();
  }
}

function socketDirs(): string[] {
  return readdirSync(tmpdir()).filter((d) => d.startsWith('latchkey-pg-'));
}

function countUnsure(ledger: Ledger): number {
  let n = ledger.unsureCreates.length + (ledger.member.unsure ? 1 : 0);
  for (const d of ledger.devices.values()) n += (d.unsureUpdate ? 1 : 0) + (d.deleted === 'unsure' ? 1 : 0);
  for (const t of ledger.tokens.values()) n += t.revoked === 'unsure' ? 1 : 0;
  return n;
}

/** A second user, member of the workspace, whose roles the burst changes. */
async function seedMember(api: ApiClient, owner: Owner, target: DatabaseTarget): Promise<string> {
  const email = `member-${Date.now()}@example.com`;
  const user = await api.expect<{ user: { id: string }; personalToken: { secret: string } }>(201, 'POST', '/v1/auth/register', {
    body: { email, password: SEED_PASSWORD, name: 'Crash member' },
  });
  const invitation = await api.expect<{ secret: string }>(201, 'POST', `/v1/workspaces/${owner.workspaceId}/invitations`, {
    token: owner.token,
    body: { email, roleIds: [owner.roles.member], deviceAccess: { mode: 'all' } },
  });
  await verifyAddress(api, target, email);
  await api.expect(200, 'POST', '/v1/invitations/accept', { token: user.personalToken.secret, body: { token: invitation.secret } });
  return user.user.id;
}

/** One client of the burst: random writes on its own entities (so each entity's history is sequential) until the kill. */
async function writer(
  api: ApiClient,
  owner: Owner,
  ledger: Ledger,
  w: number,
  round: number,
  random: () => number,
  killed: () => boolean,
): Promise<void> {
  const ws = `/v1/workspaces/${owner.workspaceId}`;
  const mine = (d: Device) => d.serial.startsWith(`C${w}-`) && d.deleted === null;
  for (let n = 0; !killed(); n++) {
    const key = `${w}-${round}-${n}`;
    const roll = random();
    const devices = [...ledger.devices.values()].filter(mine);
    const tokens = [...ledger.tokens.values()].filter((t) => t.worker === w && t.revoked === null);
    let kind: OpKind;
    if (w === 0 && roll < 0.3 && ledger.member.unsure === null) kind = 'member.update';
    else if (roll < 0.3 || devices.length === 0) kind = 'device.create';
    else if (roll < 0.5) kind = 'device.update';
    else if (roll < 0.58) kind = 'device.delete';
    else if (roll < 0.72 || (roll < 0.82 && tokens.length === 0)) kind = 'token.create';
    else if (roll < 0.82) kind = 'token.revoke';
    else if (roll < 0.91) kind = 'api_user.create';
    else kind = 'role.create';

    let res: ApiResponse;
    switch (kind) {
      case 'device.create': {
        const serial = `C${w}-${round}-${n}`;
        res = await api.post(`${ws}/devices`, owner.token, { name: `crash ${key}`, serial, metadata: { v: 0 } });
        if (settle(ledger, kind, res, serial, 201))
          ledger.devices.set(res.body.id, { id: res.body.id, serial, ackedV: 0, unsureUpdate: false, deleted: null });
        break;
      }
      case 'device.update': {
        const d = devices[Math.floor(random() * devices.length)];
        res = await api.patch(`${ws}/devices/${d.id}`, owner.token, { metadata: { v: d.ackedV + 1 }, name: `crash ${key}` });
        if (settle(ledger, kind, res, null, 200)) d.ackedV++;
        else if (res.status === 0) d.unsureUpdate = true;
        break;
      }
      case 'device.delete': {
        const d = devices[Math.floor(random() * devices.length)];
        res = await api.delete(`${ws}/devices/${d.id}`, owner.token);
        if (settle(ledger, kind, res, null, 204)) d.deleted = 'acked';
        else if (res.status === 0) d.deleted = 'unsure';
        break;
      }
      case 'token.create': {
        const name = `crash token ${key}`;
        res = await api.post('/v1/me/tokens', owner.token, { name, scopes: ['devices:read'], expiresInDays: 30 });
        if (settle(ledger, kind, res, name, 201)) ledger.tokens.set(res.body.id, { id: res.body.id, worker: w, revoked: null });
        break;
      }
      case 'token.revoke': {
        const t = tokens[Math.floor(random() * tokens.length)];
        res = await api.delete(`/v1/me/tokens/${t.id}`, owner.token);
        if (settle(ledger, kind, res, null, 204)) t.revoked = 'acked';
        else if (res.status === 0) t.revoked = 'unsure';
        break;
      }
      case 'api_user.create': {
        const name = `crash bot ${key}`;
        res = await api.post(`${ws}/api-users`, owner.token, { name, roleIds: [owner.roles.viewer], deviceAccess: { mode: 'all' } });
        if (settle(ledger, kind, res, name, 201))
          ledger.apiUsers.set(res.body.apiUser.id, { id: res.body.apiUser.id, tokenId: res.body.token.id });
        break;
      }
      case 'role.create': {
        const name = `crash role ${key}`;
        res = await api.post(`${ws}/roles`, owner.token, { name, permissions: ['devices:read'] });
        if (settle(ledger, kind, res, name, 201)) ledger.roles.set(res.body.id, { id: res.body.id });
        break;
      }
      case 'member.update': {
        const next = ledger.member.acked[0] === owner.roles.member ? [owner.roles.viewer] : [owner.roles.member];
        res = await api.patch(`${ws}/members/${ledger.member.userId}`, owner.token, { roleIds: next });
        if (settle(ledger, kind, res, null, 200)) {
          ledger.member.acked = next;
          ledger.member.ackedUpdates++;
        } else if (res.status === 0) ledger.member.unsure = next;
        break;
      }
    }
    if (res.status === 0) return; // the process is gone: this client's burst is over
  }
}

/** Records the answer; true when it is the expected 2xx. */
function settle(ledger: Ledger, kind: OpKind, res: ApiResponse, createKey: string | null, expected: number): boolean {
  if (res.status === expected) {
    ledger.acked.set(kind, (ledger.acked.get(kind) ?? 0) + 1);
    return true;
  }
  if (res.status === 0) {
    if (createKey) ledger.unsureCreates.push({ kind, key: createKey });
  } else {
    ledger.unexpected.push(`${kind}: ${res.status} ${res.code ?? ''}`);
  }
  return false;
}

interface AuditRow {
  action: string;
  target_id: string | null;
  details: Record<string, any>;
}

/**
 * Reads the database directly. The ledger part: every acknowledged write is there as answered, and
 * an unsure one is either fully there or not at all. The invariant part, whoever wrote it: every
 * change has its event, every event's target is in the state the event describes.
 */
async function checkAndSettle(sql: Sql, owner: Owner, ledger: Ledger): Promise<{ problems: string[]; landed: number }> {
  const wid = owner.workspaceId;
  const problems: string[] = [];
  const events = await sql.query<AuditRow>(
    `SELECT action, target_id, details FROM audit_events WHERE workspace_id = $1 OR account_id = $2 ORDER BY created_at, id`,
    [wid, owner.userId],
  );
  const count = new Map<string, number>();
  for (const e of events) count.set(`${e.action}:${e.target_id}`, (count.get(`${e.action}:${e.target_id}`) ?? 0) + 1);
  const n = (action: string, id: string) => count.get(`${action}:${id}`) ?? 0;

  // Devices: a row with metadata.v = k has exactly one created event and k updated events; a deleted one has its event and no row.
  const deviceRows = await sql.query<{ id: string; serial: string; v: number }>(
    `SELECT id, serial, (metadata->>'v')::int AS v FROM devices WHERE workspace_id = $1`,
    [wid],
  );
  const devices = new Map(deviceRows.map((d) => [d.id, d]));
  for (const d of deviceRows) {
    if (!d.serial.startsWith('C')) continue; // not the burst's
    if (n('device.created', d.id) !== 1) problems.push(`device ${d.id} exists with ${n('device.created', d.id)} device.created events`);
    if (n('device.updated', d.id) !== d.v)
      problems.push(`device ${d.id} has metadata.v ${d.v} but ${n('device.updated', d.id)} device.updated events`);
    if (n('device.deleted', d.id) !== 0) problems.push(`device ${d.id} exists but has a device.deleted event`);
  }
  for (const e of events) {
    if (e.action === 'device.created' && e.target_id && !devices.has(e.target_id) && n('device.deleted', e.target_id) !== 1) {
      problems.push(`device.created event for ${e.target_id}, but no device and no device.deleted event`);
    }
    if (e.action === 'device.deleted' && e.target_id && devices.has(e.target_id))
      problems.push(`device.deleted event for ${e.target_id}, but the device exists`);
  }
  for (const d of ledger.devices.values()) {
    const row = devices.get(d.id);
    if (d.deleted === 'acked' && row) problems.push(`device ${d.id}: delete answered 204, but the row is there`);
    if (d.deleted === null && !row) problems.push(`device ${d.id}: create answered 201, but the row is missing`);
    if (row && row.v !== d.ackedV && !(d.unsureUpdate && row.v === d.ackedV + 1)) {
      problems.push(`device ${d.id}: metadata.v is ${row.v}, the last acknowledged update set ${d.ackedV}`);
    }
  }

  // Named tokens of the owner: each has its token.created event; revoked exactly when token.revoked exists.
  const tokenRows = await sql.query<{ id: string; revoked: boolean }>(
    `SELECT id, revoked_at IS NOT NULL AS revoked FROM tokens WHERE user_id = $1 AND kind = 'named'`,
    [owner.userId],
  );
  const tokens = new Map(tokenRows.map((t) => [t.id, t]));
  for (const t of tokenRows) {
    if (n('token.created', t.id) !== 1) problems.push(`token ${t.id} exists with ${n('token.created', t.id)} token.created events`);
    if (n('token.revoked', t.id) !== (t.revoked ? 1 : 0))
      problems.push(`token ${t.id}: revoked ${t.revoked}, ${n('token.revoked', t.id)} token.revoked events`);
  }
  for (const t of ledger.tokens.values()) {
    const row = tokens.get(t.id);
    if (!row) problems.push(`token ${t.id}: create answered 201, but the row is missing`);
    else if (t.revoked === 'acked' && !row.revoked) problems.push(`token ${t.id}: revoke answered 204, but it is not revoked`);
    else if (t.revoked === null && row.revoked) problems.push(`token ${t.id}: revoked, but no revoke was sent`);
  }

  // API users: the row, its membership and first token, and its event naming that token; all or nothing.
  const apiUserRows = await sql.query<{ id: string; name: string; memberships: number; tokens: string[] }>(
    `SELECT a.id, a.name,
            (SELECT count(*)::int FROM memberships m WHERE m.api_user_id = a.id) AS memberships,
            ARRAY(SELECT t.id::text FROM tokens t WHERE t.api_user_id = a.id) AS tokens
       FROM api_users a WHERE a.workspace_id = $1`,
    [wid],
  );
  const apiUsers = new Map(apiUserRows.map((a) => [a.id, a]));
  for (const a of apiUserRows) {
    if (n('api_user.created', a.id) !== 1)
      problems.push(`API user ${a.id} exists with ${n('api_user.created', a.id)} api_user.created events`);
    if (a.memberships !== 1 || a.tokens.length !== 1)
      problems.push(`API user ${a.id} has ${a.memberships} memberships and ${a.tokens.length} tokens`);
  }
  for (const e of events) {
    if (e.action !== 'api_user.created' || !e.target_id) continue;
    const a = apiUsers.get(e.target_id);
    if (!a) problems.push(`api_user.created event for ${e.target_id}, but no API user`);
    else if (!a.tokens.includes(e.details.tokenId))
      problems.push(`api_user.created event for ${e.target_id} names token ${e.details.tokenId}, which it does not have`);
  }
  for (const a of ledger.apiUsers.values()) {
    if (!apiUsers.get(a.id)?.tokens.includes(a.tokenId))
      problems.push(`API user ${a.id}: create answered 201, but it or its token ${a.tokenId} is missing`);
  }

  // Custom roles.
  const roleRows = await sql.query<{ id: string; name: string }>(
    `SELECT id, name FROM roles WHERE workspace_id = $1 AND built_in IS NULL`,
    [wid],
  );
  const roles = new Map(roleRows.map((r) => [r.id, r]));
  for (const r of roleRows)
    if (n('role.created', r.id) !== 1) problems.push(`role ${r.id} exists with ${n('role.created', r.id)} role.created events`);
  for (const e of events)
    if (e.action === 'role.created' && e.target_id && !roles.has(e.target_id))
      problems.push(`role.created event for ${e.target_id}, but no role`);
  for (const r of ledger.roles.values()) if (!roles.has(r.id)) problems.push(`role ${r.id}: create answered 201, but the row is missing`);

  // The member: current roles are those of the last member.updated event (or the invitation's).
  const [{ roles: memberRoles }] = await sql.query<{ roles: string[] }>(
    `SELECT ARRAY(SELECT mr.role_id::text FROM membership_roles mr JOIN memberships m ON m.id = mr.membership_id
                   WHERE m.workspace_id = $1 AND m.user_id = $2 ORDER BY 1) AS roles`,
    [wid, ledger.member.userId],
  );
  const memberEvents = events.filter((e) => e.action === 'member.updated' && e.target_id === ledger.member.userId);
  const lastRoles: string[] | undefined = memberEvents.at(-1)?.details.roleIds;
  if (lastRoles && !sameSet(memberRoles, lastRoles))
    problems.push(`member holds ${memberRoles.join(',')} but the last member.updated event says ${lastRoles.join(',')}`);
  const memberOk =
    sameSet(memberRoles, ledger.member.acked) || (ledger.member.unsure !== null && sameSet(memberRoles, ledger.member.unsure));
  if (!memberOk) problems.push(`member holds ${memberRoles.join(',')}, the last acknowledged change set ${ledger.member.acked.join(',')}`);
  const expectedUpdates = ledger.member.ackedUpdates;
  if (memberEvents.length !== expectedUpdates && !(ledger.member.unsure && memberEvents.length === expectedUpdates + 1)) {
    problems.push(`member: ${memberEvents.length} member.updated events for ${expectedUpdates} acknowledged changes`);
  }
  // Writes that got no answer landed whole or not at all (the invariants above). Count those that
  // landed, and take what the database holds as the known state, so the next round may go on.
  let landed = 0;
  if (ledger.member.unsure) {
    if (memberEvents.length === expectedUpdates + 1) {
      ledger.member.acked = ledger.member.unsure;
      ledger.member.ackedUpdates++;
      landed++;
    }
    ledger.member.unsure = null;
  }
  for (const u of ledger.unsureCreates) {
    const found =
      u.kind === 'device.create'
        ? deviceRows.some((d) => d.serial === u.key)
        : u.kind === 'api_user.create'
          ? apiUserRows.some((a) => a.name === u.key)
          : u.kind === 'role.create'
            ? roleRows.some((r) => r.name === u.key)
            : (await sql.query(`SELECT 1 FROM tokens WHERE user_id = $1 AND name = $2`, [owner.userId, u.key])).length > 0;
    if (found) landed++;
  }
  ledger.unsureCreates = [];
  for (const d of ledger.devices.values()) {
    const row = devices.get(d.id);
    if (d.unsureUpdate && row?.v === d.ackedV + 1) {
      d.ackedV++;
      landed++;
    }
    d.unsureUpdate = false;
    if (d.deleted === 'unsure') {
      d.deleted = row ? null : 'acked';
      if (!row) landed++;
    }
  }
  for (const t of ledger.tokens.values()) {
    if (t.revoked !== 'unsure') continue;
    t.revoked = tokens.get(t.id)?.revoked ? 'acked' : null;
    if (t.revoked) landed++;
  }
  return { problems, landed };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

/** A small seeded PRNG, so a failing run's kill moments can be told. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
