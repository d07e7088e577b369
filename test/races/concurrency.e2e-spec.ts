// Hundreds of requests in flight at once against the invariants that must survive them: one
// membership per user and workspace, at least one owner, a revoked token never works again, a
// rotation chain never has two tokens alive past their grace, one audit event per change, and no
// write made on rights its caller lost to a demotion or removal that committed before it.
// Checked through the API and directly in the database, on the embedded database (one connection,
// requests take turns) and on PostgreSQL (a pool: transactions really overlap).
import { randomUUID } from 'node:crypto';
import type { Response, Test } from 'supertest';
import { generateToken, hashToken, tokenHint } from '../../src/auth/token-format';
import { PERMISSIONS } from '../../src/authorization/permissions';
import {
  bearer,
  createNamedToken,
  createWorkspace,
  markEmailVerified,
  RegisteredUser,
  registerUser as registerUnverified,
} from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp, listenOnLoopback } from '../support/test-app';

const onPostgres = Boolean(process.env.DATABASE_URL);
/**
 * Requests per scenario. The embedded database runs inside this process (WASM, one statement at a
 * time on one connection) and costs several times PostgreSQL's CPU per request: with 200 per scenario
 * the file took 150 to 200 s of CPU here, so there the same scenarios run with 100 requests each. Its
 * one connection takes transactions in turn anyway; the races that need real overlap are
 * PostgreSQL's, which gets 200.
 */
const N = onPostgres ? 200 : 100;
// Waves of hundreds of requests on a busy two-core machine take longer than the default minute.
jest.setTimeout(180_000);

let t: TestApp;

function times<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

/** "status code" -> how many answers had it, e.g. { '200': 1, '409 conflict': 199 }. */
function tally(results: Response[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key = r.status >= 400 ? `${r.status} ${r.body?.code}` : String(r.status);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** Every answer is one of the expected kinds: never a 5xx, never an unexpected refusal. */
function expectOnly(results: Response[], allowed: string[]): void {
  const unexpected = Object.keys(tally(results)).filter((key) => !allowed.includes(key));
  expect({ unexpected, tally: tally(results) }).toEqual({ unexpected: [], tally: tally(results) });
}

const ok = (results: Response[]) => results.filter((r) => r.status >= 200 && r.status < 300);

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

/**
 * Sends requests (supertest's are lazy: nothing goes out before it is awaited) and answers in their
 * order, a bounded number at a time. Requests past the pool wait in its queue, and a wait longer than
 * the pool's 3-second acquire timeout is answered 503 by design: with every request sent at once,
 * changes of one row take turns and the last wait that long (on PostgreSQL's pool of 10 on a loaded
 * machine; on the embedded database's one connection much sooner). 40 in flight on PostgreSQL, 8 on
 * the embedded database, still keep every connection busy and the requests interleaving, which is
 * what the races need.
 */
const IN_FLIGHT = onPostgres ? 40 : 8;
/**
 * A 503 is that shedding: the request got no connection and changed nothing (every change here is
 * one transaction). A client sends it again, and so does this, a few times; any other answer stands.
 */
const RETRIES_ON_503 = 5;

async function fire(requests: Test[]): Promise<Response[]> {
  const results: Response[] = new Array(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      results[i] = await send(requests[i]);
    }
  };
  await Promise.all(times(Math.min(IN_FLIGHT, requests.length), worker));
  return results;
}

function send(request: Test): Test {
  return request.retry(RETRIES_ON_503, (_error, res) => res?.status === 503);
}

/** A random order: requests sent in the order they were listed race less than they should. */
function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Registers users a few at a time: argon2 is the slow part and the machine has two cores. */
/** Users here accept invitations, which needs a verified address. */
async function registerUser(app: TestApp): Promise<RegisteredUser> {
  const user = await registerUnverified(app);
  await markEmailVerified(app, user.id);
  return user;
}

async function registerUsers(n: number): Promise<RegisteredUser[]> {
  const users: RegisteredUser[] = [];
  for (let i = 0; i < n; i += 10) users.push(...(await Promise.all(times(Math.min(10, n - i), () => registerUser(t)))));
  return users;
}

async function invite(ws: WorkspaceFixture, email: string, roleIds: string[]): Promise<{ id: string; secret: string }> {
  const res = await t
    .http()
    .post(`/v1/workspaces/${ws.id}/invitations`)
    .set(bearer(ws.owner.personalToken))
    .send({ email, roleIds, deviceAccess: { mode: 'all' } })
    .expect(201);
  return { id: res.body.invitation.id, secret: res.body.secret };
}

const accept = (user: RegisteredUser, secret: string) =>
  t.http().post('/v1/invitations/accept').set(bearer(user.personalToken)).send({ token: secret });
const patchMember = (ws: WorkspaceFixture, by: string, userId: string, body: object) =>
  t.http().patch(`/v1/workspaces/${ws.id}/members/${userId}`).set(bearer(by)).send(body);
const removeMember = (ws: WorkspaceFixture, by: string, userId: string) =>
  t.http().delete(`/v1/workspaces/${ws.id}/members/${userId}`).set(bearer(by));
const leave = (ws: WorkspaceFixture, by: string) => t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(by));
const me = (secret: string) => t.http().get('/v1/me').set(bearer(secret));
const authorize = (secret: string, workspaceId: string, permission = 'workspace:read') =>
  t.http().get('/v1/authorize').query({ workspaceId, permission }).set(bearer(secret));
const exchange = (secret: string) => t.http().post('/v1/auth/token').set(bearer(secret)).send({});

// --- what the database says ---------------------------------------------------------------------

async function count(sql: string, params: unknown[]): Promise<number> {
  const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return n;
}

const membershipsOf = (workspaceId: string, userId: string) =>
  count('memberships WHERE workspace_id = $1 AND user_id = $2', [workspaceId, userId]);

/** User memberships holding the built-in owner role. */
async function ownersOf(workspaceId: string): Promise<string[]> {
  const rows = await t.dataSource.query(
    `SELECT DISTINCT m.user_id AS "userId" FROM memberships m
       JOIN membership_roles mr ON mr.workspace_id = m.workspace_id AND mr.membership_id = m.id
       JOIN roles r ON r.workspace_id = mr.workspace_id AND r.id = mr.role_id
      WHERE m.workspace_id = $1 AND r.built_in = 'owner'`,
    [workspaceId],
  );
  return rows.map((r: { userId: string }) => r.userId);
}

/** The role ids of a user's or API user's membership, or null without one. */
async function rolesInDb(workspaceId: string, principal: { userId?: string; apiUserId?: string }): Promise<string[] | null> {
  const column = principal.userId ? 'user_id' : 'api_user_id';
  const [membership] = await t.dataSource.query(`SELECT id FROM memberships WHERE workspace_id = $1 AND ${column} = $2`, [
    workspaceId,
    principal.userId ?? principal.apiUserId,
  ]);
  if (!membership) return null;
  const rows = await t.dataSource.query('SELECT role_id AS "roleId" FROM membership_roles WHERE workspace_id = $1 AND membership_id = $2', [
    workspaceId,
    membership.id,
  ]);
  return rows.map((r: { roleId: string }) => r.roleId);
}

async function auditCount(action: string, where: { workspaceId?: string; targetIds?: string[]; accountId?: string }): Promise<number> {
  const params: unknown[] = [action];
  const conditions = ['action = $1'];
  if (where.workspaceId) conditions.push(`workspace_id = $${params.push(where.workspaceId)}`);
  if (where.targetIds) conditions.push(`target_id = ANY($${params.push(where.targetIds)}::uuid[])`);
  if (where.accountId) conditions.push(`account_id = $${params.push(where.accountId)}`);
  return count(`audit_events WHERE ${conditions.join(' AND ')}`, params);
}

/** Members with the owner role, as GET /members shows them. */
async function ownersByApi(ws: WorkspaceFixture, secret: string): Promise<string[]> {
  const res = await t.http().get(`/v1/workspaces/${ws.id}/members?limit=200`).set(bearer(secret)).expect(200);
  return res.body.items
    .filter((m: { roles: Array<{ id: string }> }) => m.roles.some((r) => r.id === ws.roles.owner))
    .map((m: { userId: string }) => m.userId);
}

/**
 * The hot path caches access; on PostgreSQL another instance's invalidation arrives by NOTIFY
 * within a second. This instance invalidates synchronously, but polling costs nothing when it is right.
 */
async function eventually(check: () => Promise<void>, withinMs = onPostgres ? 1500 : 0): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(100);
    }
  }
}

/**
 * Runs `total` requests with `workers` in flight at a time, calling `trigger` once when request
 * number `at` is sent. Each answer comes with the moment its request was sent.
 */
async function stream(
  total: number,
  workers: number,
  make: (i: number) => Test,
  at: number,
  trigger: () => void,
): Promise<Array<{ i: number; sentAt: number; res: Response }>> {
  const log: Array<{ i: number; sentAt: number; res: Response }> = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      if (i === at) trigger();
      const sentAt = performance.now();
      log.push({ i, sentAt, res: await send(make(i)) });
    }
  };
  await Promise.all(times(workers, worker));
  return log;
}

/**
 * `stream` of N requests (16 workers) with the user's revocation of `tokenId` sent as request `at` goes
 * out; the revocation's answer, and when it came back (performance.now(), as `sentAt`).
 */
async function streamRevokingToken(
  user: RegisteredUser,
  tokenId: string,
  make: (i: number) => Test,
  at: number,
): Promise<{ log: Array<{ i: number; sentAt: number; res: Response }>; revocation: Response; revokedAt: number }> {
  let revokedAt = Infinity;
  let revocation: Promise<Response> | undefined;
  const log = await stream(N, 16, make, at, () => {
    revocation = Promise.resolve(send(t.http().delete(`/v1/me/tokens/${tokenId}`).set(bearer(user.personalToken)))).then((res) => {
      revokedAt = performance.now();
      return res;
    });
  });
  const answer = await revocation!;
  return { log, revocation: answer, revokedAt };
}

describe('concurrency', () => {
  beforeAll(async () => {
    // The production pool size on PostgreSQL (tests default to 5): more transactions really overlap.
    t = await startTestApp(onPostgres ? { LATCHKEY_DB_POOL_SIZE: '10' } : {});
    // One listening server for every request, rather than supertest starting one per request.
    await listenOnLoopback(t);
  });
  afterAll(() => t.close());

  describe('accepting invitations', () => {
    it('makes one membership when the same invitation is accepted by many requests at once', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const { id, secret } = await invite(ws, invitee.email, [ws.roles.member]);

      const results = await fire(times(N, () => accept(invitee, secret)));

      expect(tally(results)).toEqual({ '200': 1, '409 conflict': N - 1 });
      expect(ok(results)[0].body.member).toMatchObject({ userId: invitee.id, roles: [expect.objectContaining({ id: ws.roles.member })] });
      expect(await membershipsOf(ws.id, invitee.id)).toBe(1);
      expect(await rolesInDb(ws.id, { userId: invitee.id })).toEqual([ws.roles.member]);
      const [row] = await t.dataSource.query('SELECT accepted_by_user_id AS "by" FROM invitations WHERE id = $1', [id]);
      expect(row.by).toBe(invitee.id);
      expect(await auditCount('member.joined', { workspaceId: ws.id, accountId: invitee.id })).toBe(1);
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(invitee.personalToken)).expect(200);
    });

    it('makes one membership when many invitations for the same user and workspace are accepted at once', async () => {
      const ws = await newWorkspace(t);
      const invitee = await registerUser(t);
      const first = await invite(ws, invitee.email, [ws.roles.viewer]);
      // The API refuses a second pending invitation for one email; the database still holds one
      // membership when several exist (made before that rule, or by a clock that jumped).
      const roleSets = [[ws.roles.viewer], [ws.roles.member], [ws.roles.admin], [ws.roles.member, ws.roles.viewer]];
      const invitations = [{ ...first, roleIds: roleSets[0] }];
      for (let i = 1; i < 20; i++) {
        const secret = generateToken('lki_');
        const id = randomUUID();
        const roleIds = roleSets[i % roleSets.length];
        await t.dataSource.query(
          `INSERT INTO invitations (id, workspace_id, email, role_ids, device_access, device_ids, token_hash, hint, invited_by_user_id, created_at, expires_at)
           SELECT $2, workspace_id, email, $5, device_access, device_ids, $3, $4, invited_by_user_id, created_at, expires_at FROM invitations WHERE id = $1`,
          [first.id, id, hashToken(secret), tokenHint(secret), roleIds],
        );
        invitations.push({ id, secret, roleIds });
      }

      const results = await fire(times(N, (i) => accept(invitee, invitations[i % invitations.length].secret)));

      expect(tally(results)).toEqual({ '200': 1, '409 conflict': N - 1 });
      expect(await membershipsOf(ws.id, invitee.id)).toBe(1);
      const accepted = await t.dataSource.query('SELECT id FROM invitations WHERE workspace_id = $1 AND accepted_at IS NOT NULL', [ws.id]);
      expect(accepted).toHaveLength(1);
      // The member holds exactly the roles of the one invitation that was accepted, no mix.
      const winner = invitations.find((i) => i.id === accepted[0].id)!;
      expect(sameSet((await rolesInDb(ws.id, { userId: invitee.id }))!, winner.roleIds)).toBe(true);
      expect(
        ok(results)[0]
          .body.member.roles.map((r: { id: string }) => r.id)
          .sort(),
      ).toEqual([...winner.roleIds].sort());
      expect(await auditCount('member.joined', { workspaceId: ws.id, accountId: invitee.id })).toBe(1);
    });

    it('adds every user when many accept their own invitations at once, each four times', async () => {
      const ws = await newWorkspace(t);
      const users = await registerUsers(N / 4);
      const secrets: string[] = [];
      for (const user of users) secrets.push((await invite(ws, user.email, [ws.roles.viewer])).secret);

      const results = await fire(times(N, (i) => accept(users[i % users.length], secrets[i % users.length])));

      expect(tally(results)).toEqual({ '200': users.length, '409 conflict': N - users.length });
      const perUser = await t.dataSource.query(
        'SELECT user_id AS "userId", count(*)::int AS n FROM memberships WHERE workspace_id = $1 AND user_id IS NOT NULL GROUP BY user_id',
        [ws.id],
      );
      expect(perUser).toHaveLength(users.length + 1);
      expect(perUser.every((r: { n: number }) => r.n === 1)).toBe(true);
      expect(new Set(perUser.map((r: { userId: string }) => r.userId))).toEqual(new Set([ws.owner.id, ...users.map((u) => u.id)]));
      const listed = await t.http().get(`/v1/workspaces/${ws.id}/members?limit=200`).set(bearer(ws.owner.personalToken)).expect(200);
      expect(listed.body.items).toHaveLength(users.length + 1);
      expect(await auditCount('member.joined', { workspaceId: ws.id })).toBe(users.length);
    });
  });

  describe('deleting a workspace while its invitations are accepted', () => {
    it('answers every accept 200 or 404 (never a 5xx or a deadlock) and leaves no membership behind', async () => {
      const ws = await newWorkspace(t);
      const users = await registerUsers(N / 4);
      const secrets: string[] = [];
      for (const user of users) secrets.push((await invite(ws, user.email, [ws.roles.viewer])).secret);
      const accepts = users.map((user, i) => accept(user, secrets[i]));
      const deletion = t.http().delete(`/v1/workspaces/${ws.id}`).set(bearer(ws.owner.personalToken));
      const requests = shuffle(accepts);
      requests.splice(requests.length >> 1, 0, deletion);

      const results = await fire(requests);

      const deleted = results[requests.indexOf(deletion)];
      expect(deleted.status).toBe(204);
      expectOnly(results, ['200', '204', '404 not_found']);
      for (const table of ['memberships', 'invitations', 'roles', 'workspaces']) {
        const column = table === 'workspaces' ? 'id' : 'workspace_id';
        expect(await t.dataSource.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [ws.id])).toEqual([]);
      }
    });
  });

  describe('owners removing, demoting each other and leaving', () => {
    const OWNERS = 6;
    /** Each owner's requests are sent this many times over: about N in all per wave. */
    const REPEAT = Math.max(1, Math.round(N / (OWNERS * (2 * (OWNERS - 1) + 1))));

    it('keeps exactly one owner, wave after wave, and one audit event per change', async () => {
      const ws = await newWorkspace(t);
      let survivor = ws.owner;
      for (let wave = 0; wave < 3; wave++) {
        const owners = [survivor];
        while (owners.length < OWNERS) owners.push(await ws.member('owner', { by: survivor.personalToken }));
        const membersBefore = await count('memberships WHERE workspace_id = $1 AND user_id IS NOT NULL', [ws.id]);
        const eventsBefore = {
          gone: (await auditCount('member.removed', { workspaceId: ws.id })) + (await auditCount('member.left', { workspaceId: ws.id })),
          updated: await auditCount('member.updated', { workspaceId: ws.id }),
        };

        // Every owner, several times over: remove every other owner, demote every other owner, leave.
        // Two owners acting on each other are sent side by side, so both are let in before either changes anything.
        type Request = { kind: 'remove' | 'demote' | 'leave'; actor: string; target: string; send: () => Test };
        const remove = (actor: RegisteredUser, target: RegisteredUser): Request => ({
          kind: 'remove',
          actor: actor.id,
          target: target.id,
          send: () => removeMember(ws, actor.personalToken, target.id),
        });
        const demote = (actor: RegisteredUser, target: RegisteredUser): Request => ({
          kind: 'demote',
          actor: actor.id,
          target: target.id,
          send: () => patchMember(ws, actor.personalToken, target.id, { roleIds: [ws.roles.admin] }),
        });
        const groups: Request[][] = [];
        for (let r = 0; r < REPEAT; r++) {
          owners.forEach((a, i) => {
            for (const b of owners.slice(i + 1)) groups.push([remove(a, b), remove(b, a)], [demote(a, b), demote(b, a)]);
            groups.push([{ kind: 'leave', actor: a.id, target: a.id, send: () => leave(ws, a.personalToken) }]);
          });
        }
        const requests = shuffle(groups).flat();
        const results = await fire(requests.map((r) => r.send()));

        expectOnly(results, ['200', '204', '409 last_owner', '404 not_found', '403 forbidden']);
        // Whoever is the owner at the end had their own leave refused: the workspace kept them.
        expect(tally(results)['409 last_owner']).toBeGreaterThan(0);
        const owned = await ownersOf(ws.id);
        expect(owned).toHaveLength(1);
        survivor = owners.find((o) => o.id === owned[0])!;
        expect(await ownersByApi(ws, survivor.personalToken)).toEqual(owned);

        // A member who is gone acts no more: nobody removed someone who removed them, or who left.
        const succeeded = requests.filter((_, i) => results[i].status < 300);
        const removals = new Set(succeeded.filter((r) => r.kind === 'remove').map((r) => `${r.actor}>${r.target}`));
        const left = new Set(succeeded.filter((r) => r.kind === 'leave').map((r) => r.actor));
        const impossible = [...removals].filter((pair) => {
          const [actor, target] = pair.split('>');
          return removals.has(`${target}>${actor}`) || left.has(target);
        });
        expect(impossible).toEqual([]);

        // One event per change: as many removals and leaves recorded as memberships went.
        const membersAfter = await count('memberships WHERE workspace_id = $1 AND user_id IS NOT NULL', [ws.id]);
        const gone =
          (await auditCount('member.removed', { workspaceId: ws.id })) +
          (await auditCount('member.left', { workspaceId: ws.id })) -
          eventsBefore.gone;
        expect({ gone, noContent: results.filter((r) => r.status === 204).length }).toEqual({
          gone: membersBefore - membersAfter,
          noContent: membersBefore - membersAfter,
        });
        expect((await auditCount('member.updated', { workspaceId: ws.id })) - eventsBefore.updated).toBe(
          results.filter((r) => r.status === 200).length,
        );
      }
    });

    it('leaves exactly one of many admins removing each other', async () => {
      const ws = await newWorkspace(t);
      const admins: RegisteredUser[] = [];
      // Every admin removes every other: about N removals.
      for (let i = 0; i < Math.round(Math.sqrt(N)) + 1; i++) admins.push(await ws.member('admin'));

      // Each pair side by side (a removes b, b removes a), so both are let in before either is gone.
      const pairs = shuffle(
        admins.flatMap((a, i) =>
          admins.slice(i + 1).map((b) => [
            { actor: a, target: b },
            { actor: b, target: a },
          ]),
        ),
      ).flat();
      const results = await fire(pairs.map(({ actor, target }) => removeMember(ws, actor.personalToken, target.id)));

      expectOnly(results, ['204', '404 not_found']);
      // Whoever was removed first cannot have removed the other.
      const removed = new Set(pairs.filter((_, i) => results[i].status === 204).map(({ actor, target }) => `${actor.id}>${target.id}`));
      expect([...removed].filter((pair) => removed.has(pair.split('>').reverse().join('>')))).toEqual([]);
      const remaining = await t.dataSource.query(
        'SELECT user_id AS "userId" FROM memberships WHERE workspace_id = $1 AND user_id = ANY($2::uuid[])',
        [ws.id, admins.map((a) => a.id)],
      );
      // Any two admins still there would have removed each other; nobody removed is left to act.
      expect(remaining).toHaveLength(1);
      expect(results.filter((r) => r.status === 204)).toHaveLength(admins.length - 1);
      expect(await auditCount('member.removed', { workspaceId: ws.id })).toBe(admins.length - 1);
      expect(await ownersOf(ws.id)).toEqual([ws.owner.id]);
    });
  });

  describe('role changes', () => {
    /** What /v1/authorize answers for every permission of the catalog, against what the roles grant. */
    async function expectAuthorizeAgrees(ws: WorkspaceFixture, secret: string, roleIds: string[]): Promise<void> {
      const granted = new Set(roleIds.flatMap((id) => ws.permissionsOf.get(id)!));
      await eventually(async () => {
        const answers = await fire(PERMISSIONS.map((permission) => authorize(secret, ws.id, permission)));
        const allowed = PERMISSIONS.filter((_, i) => answers[i].status === 204);
        expect(answers.every((r) => r.status === 204 || r.status === 403)).toBe(true);
        expect(allowed.sort()).toEqual([...granted].sort());
      });
    }

    async function roleSetsFor(ws: WorkspaceFixture): Promise<string[][]> {
      const auditor = await ws.role(['workspace:read', 'audit:read'], `Auditor ${randomUUID().slice(0, 4)}`);
      const keeper = await ws.role(['workspace:read', 'api_users:read', 'tokens:read'], `Keeper ${randomUUID().slice(0, 4)}`);
      return [
        [ws.roles.viewer],
        [ws.roles.member],
        [ws.roles.admin],
        [ws.roles.member, ws.roles.viewer],
        [auditor],
        [auditor, keeper],
        [keeper, ws.roles.viewer],
      ];
    }

    it('ends a member removed while role changes race on them with no membership and no roles', async () => {
      const ws = await newWorkspace(t);
      const custom = await ws.role(['workspace:read', 'audit:read'], 'Auditor');
      const roleSets = [
        [ws.roles.viewer],
        [ws.roles.member],
        [ws.roles.admin],
        [ws.roles.member, ws.roles.viewer],
        [custom],
        [custom, ws.roles.viewer],
      ];
      const targets = [await ws.member('viewer'), await ws.member('member'), await ws.member('admin'), await ws.member('viewer')];
      const membershipIds = (
        await t.dataSource.query('SELECT id FROM memberships WHERE workspace_id = $1 AND user_id = ANY($2::uuid[])', [
          ws.id,
          targets.map((u) => u.id),
        ])
      ).map((r: { id: string }) => r.id);
      const perTarget = N / targets.length;
      const removalAt = Math.floor(perTarget / 2);
      const requests = targets.flatMap((target) =>
        times(perTarget, (i) =>
          i === removalAt
            ? { target, roleIds: null, send: () => removeMember(ws, ws.owner.personalToken, target.id) }
            : {
                target,
                roleIds: roleSets[i % roleSets.length],
                send: () => patchMember(ws, ws.owner.personalToken, target.id, { roleIds: roleSets[i % roleSets.length] }),
              },
        ),
      );
      const results = await fire(requests.map((r) => r.send()));

      expectOnly(results, ['200', '204', '404 not_found']);
      expect(results.filter((r) => r.status === 204)).toHaveLength(targets.length);
      for (const target of targets) expect(await membershipsOf(ws.id, target.id)).toBe(0);
      expect(await count('membership_roles WHERE membership_id = ANY($1::uuid[])', [membershipIds])).toBe(0);
      // A change that was answered 200 was made, and answered with what it made; one event each.
      const mismatched = requests.filter(
        (r, i) =>
          results[i].status === 200 &&
          !sameSet(
            results[i].body.roles.map((role: { id: string }) => role.id),
            r.roleIds!,
          ),
      );
      expect(mismatched.length).toBe(0);
      for (const target of targets) {
        const changed = requests.filter((r, i) => r.target === target && r.roleIds && results[i].status === 200).length;
        expect({ target: target.id, events: await auditCount('member.updated', { workspaceId: ws.id, accountId: target.id }) }).toEqual({
          target: target.id,
          events: changed,
        });
        expect(await auditCount('member.removed', { workspaceId: ws.id, accountId: target.id })).toBe(1);
      }
    });

    it('ends a member with exactly one of many role sets sent at once, and /v1/authorize agrees', async () => {
      const ws = await newWorkspace(t);
      const roleSets = await roleSetsFor(ws);
      const member = await ws.member('viewer');
      const patches = times(N, (i) => patchMember(ws, ws.owner.personalToken, member.id, { roleIds: roleSets[i % roleSets.length] }));
      // The member's token is checked all along, so the hot-path cache fills while the roles move.
      const checks = times(N, (i) => authorize(member.personalToken, ws.id, PERMISSIONS[i % PERMISSIONS.length]));
      const results = await fire(patches.flatMap((p, i) => [p, checks[i]]));
      const patched = results.filter((_, i) => i % 2 === 0);

      expect(tally(patched)).toEqual({ '200': N });
      expectOnly(
        results.filter((_, i) => i % 2 === 1),
        ['204', '403 forbidden'],
      );
      // Each answer shows the roles its own request set, not a neighbour's.
      const mismatched = patched.filter(
        (r, i) =>
          !sameSet(
            r.body.roles.map((role: { id: string }) => role.id),
            roleSets[i % roleSets.length],
          ),
      );
      expect(mismatched.length).toBe(0);
      const final = (await rolesInDb(ws.id, { userId: member.id }))!;
      expect(roleSets.filter((set) => sameSet(set, final))).toHaveLength(1);
      const shown = await t.http().get(`/v1/workspaces/${ws.id}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(200);
      expect(shown.body.roles.map((r: { id: string }) => r.id).sort()).toEqual([...final].sort());
      expect(await auditCount('member.updated', { workspaceId: ws.id, accountId: member.id })).toBe(N);
      await expectAuthorizeAgrees(ws, member.personalToken, final);
    });

    it('ends an API user with exactly one of many role sets sent at once, and /v1/authorize agrees for its token', async () => {
      const ws = await newWorkspace(t);
      const roleSets = (await roleSetsFor(ws)).filter((set) => !set.includes(ws.roles.owner));
      const created = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'Bot', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      const apiUserId: string = created.body.apiUser.id;
      const secret: string = created.body.token.secret;
      const patches = times(N, (i) =>
        t
          .http()
          .patch(`/v1/workspaces/${ws.id}/api-users/${apiUserId}`)
          .set(bearer(ws.owner.personalToken))
          .send({ roleIds: roleSets[i % roleSets.length] }),
      );
      const checks = times(N, (i) => authorize(secret, ws.id, PERMISSIONS[i % PERMISSIONS.length]));
      const results = await fire(patches.flatMap((p, i) => [p, checks[i]]));
      const patched = results.filter((_, i) => i % 2 === 0);

      expect(tally(patched)).toEqual({ '200': N });
      expectOnly(
        results.filter((_, i) => i % 2 === 1),
        ['204', '403 forbidden'],
      );
      const mismatched = patched.filter(
        (r, i) =>
          !sameSet(
            r.body.roles.map((role: { id: string }) => role.id),
            roleSets[i % roleSets.length],
          ),
      );
      expect(mismatched.length).toBe(0);
      const final = (await rolesInDb(ws.id, { apiUserId }))!;
      expect(roleSets.filter((set) => sameSet(set, final))).toHaveLength(1);
      expect(await auditCount('api_user.updated', { workspaceId: ws.id, targetIds: [apiUserId] })).toBe(N);
      await expectAuthorizeAgrees(ws, secret, final);
    });

    it('answers 200 only for changes made when API users are changed while being deleted', async () => {
      const ws = await newWorkspace(t);
      const roleSets = [[ws.roles.viewer], [ws.roles.member], [ws.roles.admin]];
      const bots: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users`)
          .set(bearer(ws.owner.personalToken))
          .send({ name: `Bot ${i}`, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
          .expect(201);
        bots.push(res.body.apiUser.id);
      }
      const per = N / bots.length;
      const deletionAt = Math.floor(per / 2);
      const requests = bots.flatMap((id) =>
        times(per, (i) => ({
          id,
          roleIds: i === deletionAt ? null : roleSets[i % roleSets.length],
          send:
            i === deletionAt
              ? t.http().delete(`/v1/workspaces/${ws.id}/api-users/${id}`).set(bearer(ws.owner.personalToken))
              : t
                  .http()
                  .patch(`/v1/workspaces/${ws.id}/api-users/${id}`)
                  .set(bearer(ws.owner.personalToken))
                  .send({ roleIds: roleSets[i % roleSets.length] }),
        })),
      );
      const results = await fire(requests.map((r) => r.send));

      expectOnly(results, ['200', '204', '404 not_found']);
      expect(results.filter((r) => r.status === 204)).toHaveLength(bots.length);
      expect(await count('memberships WHERE workspace_id = $1 AND api_user_id IS NOT NULL', [ws.id])).toBe(0);
      expect(await count('api_users WHERE workspace_id = $1', [ws.id])).toBe(0);
      for (const id of bots) {
        const changed = requests.filter((r, i) => r.id === id && r.roleIds && results[i].status === 200).length;
        expect({ id, events: await auditCount('api_user.updated', { workspaceId: ws.id, targetIds: [id] }) }).toEqual({
          id,
          events: changed,
        });
      }
    });
  });

  describe('acting while demoted or removed', () => {
    /**
     * Who the actor of each audit event was in its workspace at the moment the event was written, as
     * the database showed it then (a trigger of this test's database, made for this block only). A
     * write that decided on its caller's rights under the workspace lock writes its event before any
     * demotion of that caller commits, or is refused; one that decided on rights read before the lock
     * can write it after, and the trigger then sees rights the caller no longer had.
     */
    beforeAll(async () => {
      await t.dataSource.query(`CREATE TABLE test_actor_witness (
        audit_id uuid PRIMARY KEY, member boolean NOT NULL, owner boolean NOT NULL, permissions text[] NOT NULL,
        device_access text, device_ids uuid[] NOT NULL)`);
      await t.dataSource.query(`CREATE FUNCTION test_witness_actor() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.workspace_id IS NOT NULL AND NEW.actor_type IN ('user', 'api_user') THEN
            INSERT INTO test_actor_witness
            SELECT NEW.id, m.id IS NOT NULL,
                   COALESCE((SELECT bool_or(r.built_in = 'owner') FROM membership_roles mr
                               JOIN roles r ON r.workspace_id = mr.workspace_id AND r.id = mr.role_id
                              WHERE mr.workspace_id = m.workspace_id AND mr.membership_id = m.id), false),
                   COALESCE((SELECT array_agg(DISTINCT p) FROM membership_roles mr
                               JOIN roles r ON r.workspace_id = mr.workspace_id AND r.id = mr.role_id
                               CROSS JOIN LATERAL unnest(r.permissions) AS p
                              WHERE mr.workspace_id = m.workspace_id AND mr.membership_id = m.id), '{}'),
                   m.device_access,
                   COALESCE((SELECT array_agg(md.device_id) FROM membership_devices md
                              WHERE md.workspace_id = m.workspace_id AND md.membership_id = m.id), '{}')
              FROM (SELECT 1) AS one
              LEFT JOIN memberships m ON m.workspace_id = NEW.workspace_id
                   AND CASE WHEN NEW.actor_type = 'user' THEN m.user_id ELSE m.api_user_id END = NEW.actor_id;
          END IF;
          RETURN NULL;
        END $$`);
      await t.dataSource.query(
        'CREATE TRIGGER test_witness_actor AFTER INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_witness_actor()',
      );
    });
    afterAll(async () => {
      await t.dataSource.query('DROP TRIGGER test_witness_actor ON audit_events');
      await t.dataSource.query('DROP FUNCTION test_witness_actor()');
      await t.dataSource.query('DROP TABLE test_actor_witness');
    });

    interface Witnessed {
      action: string;
      targetId: string | null;
      member: boolean;
      owner: boolean;
      permissions: string[];
      deviceAccess: 'all' | 'selected' | null;
      deviceIds: string[];
    }

    /**
     * Sends the actor's writes with the demotion (or removal) of the actor among them, halfway, and
     * returns the actor's audit events of these `actions` with what the actor held when each was
     * written. Some writes were made before the demotion and some refused after it (else nothing
     * raced), and each write answered 2xx wrote one event.
     */
    async function demotedWhileWriting(
      ws: WorkspaceFixture,
      actorId: string,
      actions: string[],
      writes: Array<() => Test>,
      demote: () => Test,
      answers: string[],
    ): Promise<Witnessed[]> {
      const at = Math.floor(writes.length / 2);
      const results = await fire([...writes.slice(0, at), demote, ...writes.slice(at)].map((send) => send()));
      expect(results[at].status).toBeLessThan(300);
      const written = results.filter((_, i) => i !== at);
      expectOnly(written, answers);
      expect(ok(written).length).toBeGreaterThan(0);
      expect(ok(written).length).toBeLessThan(written.length);
      const events: Witnessed[] = await t.dataSource.query(
        `SELECT e.action, e.target_id AS "targetId", w.member, w.owner, w.permissions, w.device_access AS "deviceAccess", w.device_ids AS "deviceIds"
           FROM audit_events e JOIN test_actor_witness w ON w.audit_id = e.id
          WHERE e.workspace_id = $1 AND e.actor_id = $2 AND e.action = ANY($3::text[])`,
        [ws.id, actorId, actions],
      );
      expect(events).toHaveLength(ok(written).length);
      return events;
    }

    /** Makes things for a scenario, a bounded number at a time; returns the ids the answers carry at `path` (e.g. 'apiUser.id'). */
    async function made(requests: Test[], path = 'id'): Promise<string[]> {
      const results = await fire(requests);
      expectOnly(results, ['201']);
      return results.map((r) => path.split('.').reduce((value, key) => value[key], r.body));
    }

    const holds = (e: Witnessed, permissions: readonly string[]) => e.member && permissions.every((p) => e.permissions.includes(p));
    const reaches = (e: Witnessed, deviceId: string | null) =>
      e.deviceAccess === 'all' || (deviceId !== null && e.deviceIds.includes(deviceId));

    it('invites, resends and revokes only within what the inviter holds, while the inviter is narrowed', async () => {
      const ws = await newWorkspace(t);
      const memberPermissions = ws.permissionsOf.get(ws.roles.member)!;
      const gatekeeping = ['workspace:read', 'members:read', 'members:manage'];
      const inviter = await ws.role([...new Set([...gatekeeping, ...memberPermissions])], 'Inviter');
      const gatekeeper = await ws.role(gatekeeping, 'Gatekeeper');
      const actor = await ws.member({ id: inviter });
      const pending = await made(
        times(N, (i) =>
          t
            .http()
            .post(`/v1/workspaces/${ws.id}/invitations`)
            .set(bearer(ws.owner.personalToken))
            .send({
              email: `pending-${i}-${randomUUID().slice(0, 8)}@example.com`,
              roleIds: [ws.roles.member],
              deviceAccess: { mode: 'all' },
            }),
        ),
        'invitation.id',
      );
      const as = bearer(actor.personalToken);
      const writes = times(N, (i) => () => {
        if (i % 3 === 0) {
          const email = `new-${i}-${randomUUID().slice(0, 8)}@example.com`;
          return t
            .http()
            .post(`/v1/workspaces/${ws.id}/invitations`)
            .set(as)
            .send({ email, roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } });
        }
        if (i % 3 === 1) return t.http().post(`/v1/workspaces/${ws.id}/invitations/${pending[i]}/resend`).set(as).send({});
        return t.http().delete(`/v1/workspaces/${ws.id}/invitations/${pending[i]}`).set(as);
      });
      // Still a gatekeeper, but no longer holding what the member role grants: it may revoke, not invite.
      const narrow = () => patchMember(ws, ws.owner.personalToken, actor.id, { roleIds: [gatekeeper] });

      const events = await demotedWhileWriting(
        ws,
        actor.id,
        ['member.invited', 'invitation.resent', 'invitation.revoked'],
        writes,
        narrow,
        ['200', '201', '204', '403 forbidden'],
      );
      const beyond = events.filter(
        (e) => !holds(e, e.action === 'invitation.revoked' ? gatekeeping : [...gatekeeping, ...memberPermissions]),
      );
      expect(beyond).toEqual([]);
    });

    it('changes roles and members only while the actor is a member, when the actor is removed meanwhile', async () => {
      const ws = await newWorkspace(t);
      const actor = await ws.member('admin');
      const newRole = (name: string) =>
        t
          .http()
          .post(`/v1/workspaces/${ws.id}/roles`)
          .set(bearer(ws.owner.personalToken))
          .send({ name, permissions: ['workspace:read'] });
      const toChange = await made(times(Math.ceil(N / 4), (i) => newRole(`Change ${i}`)));
      const toDelete = await made(times(Math.ceil(N / 4), (i) => newRole(`Delete ${i}`)));
      const viewers = [await ws.member('viewer'), await ws.member('viewer')];
      const as = bearer(actor.personalToken);
      const writes = times(N, (i) => () => {
        const j = Math.floor(i / 4);
        switch (i % 4) {
          case 0:
            return t
              .http()
              .post(`/v1/workspaces/${ws.id}/roles`)
              .set(as)
              .send({ name: `New ${i}`, permissions: ['workspace:read', 'devices:read'] });
          case 1:
            return t
              .http()
              .patch(`/v1/workspaces/${ws.id}/roles/${toChange[j]}`)
              .set(as)
              .send({ permissions: ['workspace:read', 'devices:read'] });
          case 2:
            return t.http().delete(`/v1/workspaces/${ws.id}/roles/${toDelete[j]}`).set(as);
          default:
            return patchMember(ws, actor.personalToken, viewers[j % 2].id, { roleIds: [j % 4 < 2 ? ws.roles.member : ws.roles.viewer] });
        }
      });
      const remove = () => removeMember(ws, ws.owner.personalToken, actor.id);

      const events = await demotedWhileWriting(
        ws,
        actor.id,
        ['role.created', 'role.updated', 'role.deleted', 'member.updated'],
        writes,
        remove,
        ['200', '201', '204', '404 not_found'],
      );
      const beyond = events.filter((e) => !holds(e, [e.action === 'member.updated' ? 'members:manage' : 'roles:manage']));
      expect(beyond).toEqual([]);
    });

    it('makes, changes and deletes API users and their tokens only with api_users:manage, while the actor is demoted', async () => {
      const ws = await newWorkspace(t);
      const actor = await ws.member('admin');
      const owner = bearer(ws.owner.personalToken);
      const newBot = (name: string) =>
        t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users`)
          .set(owner)
          .send({ name, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } });
      const bots = await made([newBot('Bot 0'), newBot('Bot 1')], 'apiUser.id');
      const sixth = Math.ceil(N / 6);
      const doomed = await made(
        times(sixth, (i) => newBot(`Doomed ${i}`)),
        'apiUser.id',
      );
      // Two tokens per sixth: one to rotate, one to revoke, each of one bot or the other.
      const tokenBots = times(2 * sixth, (i) => bots[i % 2]);
      const tokenIds = await made(
        tokenBots.map((bot, i) =>
          t
            .http()
            .post(`/v1/workspaces/${ws.id}/api-users/${bot}/tokens`)
            .set(owner)
            .send({ name: `T ${i}` }),
        ),
      );
      const tokens = tokenIds.map((id, i) => ({ id, bot: tokenBots[i] }));
      const as = bearer(actor.personalToken);
      const writes = times(N, (i) => () => {
        const j = Math.floor(i / 6);
        const bot = bots[j % 2];
        switch (i % 6) {
          case 0:
            return t
              .http()
              .post(`/v1/workspaces/${ws.id}/api-users`)
              .set(as)
              .send({ name: `Made ${i}`, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } });
          case 1:
            return t
              .http()
              .patch(`/v1/workspaces/${ws.id}/api-users/${bot}`)
              .set(as)
              .send({ roleIds: [j % 4 < 2 ? ws.roles.member : ws.roles.viewer] });
          case 2:
            return t
              .http()
              .post(`/v1/workspaces/${ws.id}/api-users/${bot}/tokens`)
              .set(as)
              .send({ name: `By actor ${i}` });
          case 3:
            return t
              .http()
              .post(`/v1/workspaces/${ws.id}/api-users/${tokens[2 * j].bot}/tokens/${tokens[2 * j].id}/rotate`)
              .set(as)
              .send({});
          case 4:
            return t
              .http()
              .delete(`/v1/workspaces/${ws.id}/api-users/${tokens[2 * j + 1].bot}/tokens/${tokens[2 * j + 1].id}`)
              .set(as);
          default:
            return t.http().delete(`/v1/workspaces/${ws.id}/api-users/${doomed[j]}`).set(as);
        }
      });
      const demote = () => patchMember(ws, ws.owner.personalToken, actor.id, { roleIds: [ws.roles.member] });

      const events = await demotedWhileWriting(
        ws,
        actor.id,
        ['api_user.created', 'api_user.updated', 'api_user.deleted', 'token.created', 'token.rotated', 'token.revoked'],
        writes,
        demote,
        ['200', '201', '204', '403 forbidden'],
      );
      expect(events.filter((e) => !holds(e, ['api_users:manage']))).toEqual([]);
    });

    it("revokes another owner's tokens only while the actor is an owner, when the actor is demoted to admin", async () => {
      const ws = await newWorkspace(t);
      const actor = await ws.member('owner');
      const other = await ws.member('owner');
      const bot = (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users`)
          .set(bearer(ws.owner.personalToken))
          .send({ name: 'Bot', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
          .expect(201)
      ).body.apiUser.id;
      // Every other token is the other owner's (restricted to this workspace, so revoking it revokes it), the rest the bot's.
      const targets = await made(
        times(N, (i) =>
          i % 2 === 0
            ? t
                .http()
                .post('/v1/me/tokens')
                .set(bearer(other.personalToken))
                .send({ name: `Owner's ${i}`, scopes: ['*'], workspaceIds: [ws.id] })
            : t
                .http()
                .post(`/v1/workspaces/${ws.id}/api-users/${bot}/tokens`)
                .set(bearer(ws.owner.personalToken))
                .send({ name: `Bot's ${i}` }),
        ),
      );
      const ownersTokens = new Set(targets.filter((_, i) => i % 2 === 0));
      const writes = targets.map((id) => () => t.http().delete(`/v1/workspaces/${ws.id}/tokens/${id}`).set(bearer(actor.personalToken)));
      const demote = () => patchMember(ws, ws.owner.personalToken, actor.id, { roleIds: [ws.roles.admin] });

      const events = await demotedWhileWriting(ws, actor.id, ['token.revoked'], writes, demote, ['204', '403 forbidden']);
      const beyond = events.filter((e) => !holds(e, ['tokens:manage']) || (ownersTokens.has(e.targetId!) && !e.owner));
      expect(beyond).toEqual([]);
    });

    it('creates, changes and deletes devices only within the device access the actor holds, while it is narrowed', async () => {
      const ws = await newWorkspace(t);
      const actor = await ws.member('admin');
      const owner = bearer(ws.owner.personalToken);
      const newDevice = (serial: string) => t.http().post(`/v1/workspaces/${ws.id}/devices`).set(owner).send({ name: serial, serial });
      const [kept] = await made([newDevice('KEPT')]);
      const toChange = await made(times(Math.ceil(N / 3), (i) => newDevice(`CHANGE-${i}`)));
      const toDelete = await made(times(Math.ceil(N / 3), (i) => newDevice(`DELETE-${i}`)));
      const as = bearer(actor.personalToken);
      const writes = times(N, (i) => () => {
        const j = Math.floor(i / 3);
        if (i % 3 === 0)
          return t
            .http()
            .post(`/v1/workspaces/${ws.id}/devices`)
            .set(as)
            .send({ name: `New ${i}`, serial: `NEW-${i}` });
        if (i % 3 === 1)
          return t
            .http()
            .patch(`/v1/workspaces/${ws.id}/devices/${toChange[j]}`)
            .set(as)
            .send({ name: `Changed ${i}` });
        return t.http().delete(`/v1/workspaces/${ws.id}/devices/${toDelete[j]}`).set(as);
      });
      // A member now (no devices:delete), reaching one device only (no devices:create either).
      const narrow = () =>
        patchMember(ws, ws.owner.personalToken, actor.id, {
          roleIds: [ws.roles.member],
          deviceAccess: { mode: 'selected', deviceIds: [kept] },
        });

      const events = await demotedWhileWriting(ws, actor.id, ['device.created', 'device.updated', 'device.deleted'], writes, narrow, [
        '200',
        '201',
        '204',
        '403 forbidden',
        '404 not_found',
      ]);
      const beyond = events.filter((e) => {
        if (e.action === 'device.created') return !holds(e, ['devices:create']) || e.deviceAccess !== 'all';
        return !holds(e, [e.action === 'device.updated' ? 'devices:update' : 'devices:delete']) || !reaches(e, e.targetId);
      });
      expect(beyond).toEqual([]);
    });

    it('changes the workspace with workspace:update and its token policy only as an owner, when the actor is demoted to admin', async () => {
      const ws = await newWorkspace(t);
      const actor = await ws.member('owner');
      const as = bearer(actor.personalToken);
      const writes = times(
        N,
        (i) => () =>
          i % 2 === 0
            ? t
                .http()
                .patch(`/v1/workspaces/${ws.id}`)
                .set(as)
                .send({ name: `Renamed ${i}` })
            : t.http().put(`/v1/workspaces/${ws.id}/token-policy`).set(as).send({ maxLifetimeDays: null, allowPersonalTokens: true }),
      );
      const demote = () => patchMember(ws, ws.owner.personalToken, actor.id, { roleIds: [ws.roles.admin] });

      const events = await demotedWhileWriting(ws, actor.id, ['workspace.updated', 'workspace.token_policy_changed'], writes, demote, [
        '200',
        '403 forbidden',
      ]);
      const beyond = events.filter((e) => !holds(e, ['workspace:update']) || (e.action === 'workspace.token_policy_changed' && !e.owner));
      expect(beyond).toEqual([]);
    });

    it('lets an API user act only with the rights it holds, while its roles are taken down', async () => {
      const ws = await newWorkspace(t);
      const owner = bearer(ws.owner.personalToken);
      const created = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .set(owner)
        .send({ name: 'Operator', roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
        .expect(201);
      const operator = { id: created.body.apiUser.id as string, secret: created.body.token.secret as string };
      const bot = (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users`)
          .set(owner)
          .send({ name: 'Bot', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
          .expect(201)
      ).body.apiUser.id;
      const as = bearer(operator.secret);
      const writes = times(
        N,
        (i) => () =>
          i % 2 === 0
            ? t
                .http()
                .post(`/v1/workspaces/${ws.id}/api-users/${bot}/tokens`)
                .set(as)
                .send({ name: `By operator ${i}` })
            : t
                .http()
                .post(`/v1/workspaces/${ws.id}/devices`)
                .set(as)
                .send({ name: `Device ${i}`, serial: `OP-${i}` }),
      );
      const demote = () =>
        t
          .http()
          .patch(`/v1/workspaces/${ws.id}/api-users/${operator.id}`)
          .set(owner)
          .send({ roleIds: [ws.roles.viewer] });

      const events = await demotedWhileWriting(ws, operator.id, ['token.created', 'device.created'], writes, demote, [
        '201',
        '403 forbidden',
      ]);
      const beyond = events.filter((e) => !holds(e, [e.action === 'token.created' ? 'api_users:manage' : 'devices:create']));
      expect(beyond).toEqual([]);
    });
  });

  describe('rotations', () => {
    /** Tokens of a rotation chain that still authenticate, by secret. */
    async function working(secrets: string[], check: (secret: string) => Test): Promise<string[]> {
      const answers = await fire(secrets.map(check));
      expectOnly(answers, ['200', '401 token_invalid']);
      return secrets.filter((_, i) => answers[i].status === 200);
    }

    /** Follows replaced_by_id from the first token: each step has one successor, and the last is the only one alive. */
    async function chainInDb(firstId: string): Promise<{ ids: string[]; alive: string[] }> {
      const ids = [firstId];
      for (;;) {
        const [row] = await t.dataSource.query('SELECT replaced_by_id AS "next" FROM tokens WHERE id = $1', [ids[ids.length - 1]]);
        if (!row.next) break;
        ids.push(row.next);
      }
      const predecessors = await count('tokens WHERE replaced_by_id = ANY($1::uuid[])', [ids]);
      expect(predecessors).toBe(ids.length - 1);
      const alive = await t.dataSource.query(
        'SELECT id FROM tokens WHERE id = ANY($1::uuid[]) AND (revoked_at IS NULL OR revoked_at > $2)',
        [ids, t.clock.now()],
      );
      return { ids, alive: alive.map((r: { id: string }) => r.id) };
    }

    it('rotates a named token once when many rotations arrive at once with no grace', async () => {
      const user = await registerUser(t);
      const token = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
      const results = await fire(
        times(N, () => t.http().post(`/v1/me/tokens/${token.id}/rotate`).set(bearer(user.personalToken)).send({ graceSeconds: 0 })),
      );

      expect(tally(results)).toEqual({ '200': 1, '409 conflict': N - 1 });
      const fresh = ok(results)[0].body;
      expect(await working([token.secret, fresh.secret], me)).toEqual([fresh.secret]);
      expect(await count(`tokens WHERE user_id = $1 AND kind = 'named'`, [user.id])).toBe(2);
      expect(await chainInDb(token.id)).toEqual({ ids: [token.id, fresh.id], alive: [fresh.id] });
      expect(await auditCount('token.rotated', { targetIds: [token.id] })).toBe(1);
    });

    it('keeps one token of a named chain alive after the grace, however the rotations and exchanges race', async () => {
      const user = await registerUser(t);
      const first = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
      const chain = [first];
      const sessions: string[] = [];
      for (let generation = 0; generation < 4; generation++) {
        const head = chain[chain.length - 1];
        // Rotations of the head, of tokens already rotated, and exchanges of everything in the chain, at once.
        const requests = times(N / 4, (i) => {
          const target = i % 2 === 0 ? head : chain[i % chain.length];
          if (i % 4 === 3) return exchange(chain[i % chain.length].secret);
          return t.http().post(`/v1/me/tokens/${target.id}/rotate`).set(bearer(user.personalToken)).send({ graceSeconds: 60 });
        });
        const results = await fire(requests);
        const rotations = results.filter((_, i) => i % 4 !== 3);
        expect(tally(rotations)).toEqual({ '200': 1, '409 conflict': rotations.length - 1 });
        const exchanges = results.filter((_, i) => i % 4 === 3);
        expect(tally(exchanges)).toEqual({ '200': exchanges.length });
        sessions.push(...results.filter((_, i) => i % 4 === 3).map((r) => r.body.token.secret));
        chain.push({ id: ok(rotations)[0].body.id, secret: ok(rotations)[0].body.secret, body: ok(rotations)[0].body });
        t.clock.advanceSeconds(1);
      }
      const head = chain[chain.length - 1];
      // Inside the grace every generation still works; that is what the grace is for.
      expect(
        (
          await working(
            chain.map((c) => c.secret),
            me,
          )
        ).length,
      ).toBe(chain.length);
      t.clock.advanceSeconds(60);
      expect(
        await working(
          chain.map((c) => c.secret),
          me,
        ),
      ).toEqual([head.secret]);
      // Sessions exchanged from a token die with it.
      const liveSessions = await working(sessions, me);
      const [{ parents }] = await t.dataSource.query(
        `SELECT array_agg(DISTINCT parent_id) AS parents FROM tokens WHERE token_hash = ANY($1::text[])`,
        [liveSessions.map(hashToken)],
      );
      expect((parents ?? []).filter((id: string) => id !== head.id)).toEqual([]);
      expect(await chainInDb(first.id)).toEqual({ ids: chain.map((c) => c.id), alive: [head.id] });
      expect(await auditCount('token.rotated', { targetIds: chain.map((c) => c.id) })).toBe(chain.length - 1);
    });

    it.each([
      ['no grace', [0]],
      ['a grace', [30]],
      ['mixed graces', [0, 1, 30, 3600]],
    ])('rotates an API-user token once when many rotations arrive at once with %s', async (_label, graces) => {
      const ws = await newWorkspace(t);
      const created = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'Bot', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      const apiUserId: string = created.body.apiUser.id;
      const old = { id: created.body.token.id as string, secret: created.body.token.secret as string };
      const results = await fire(
        times(N, (i) =>
          t
            .http()
            .post(`/v1/workspaces/${ws.id}/api-users/${apiUserId}/tokens/${old.id}/rotate`)
            .set(bearer(ws.owner.personalToken))
            .send({ graceSeconds: graces[i % graces.length] }),
        ),
      );

      expect(tally(results)).toEqual({ '200': 1, '409 conflict': N - 1 });
      const winner = results.findIndex((r) => r.status === 200);
      const grace = graces[winner % graces.length];
      const fresh = results[winner].body;
      const [row] = await t.dataSource.query('SELECT revoked_at AS "diesAt" FROM tokens WHERE id = $1', [old.id]);
      expect(new Date(row.diesAt).getTime()).toBe(t.clock.now().getTime() + grace * 1000);
      const use = (secret: string) => t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(secret));
      expect(await working([old.secret, fresh.secret], use)).toEqual(grace > 0 ? [old.secret, fresh.secret] : [fresh.secret]);
      t.clock.advanceSeconds(grace);
      expect(await working([old.secret, fresh.secret], use)).toEqual([fresh.secret]);
      expect(await chainInDb(old.id)).toEqual({ ids: [old.id, fresh.id], alive: [fresh.id] });
      expect(await count('tokens WHERE api_user_id = $1', [apiUserId])).toBe(2);
      expect(await auditCount('token.rotated', { workspaceId: ws.id, targetIds: [old.id] })).toBe(1);
    });
  });

  describe('revocations', () => {
    /** Tries the secret on /v1/me and /v1/authorize, many times: each must be refused. */
    async function expectDead(secrets: string[], workspaceId: string, tries = 50): Promise<void> {
      const answers = await fire(
        times(tries, (i) => (i % 2 === 0 ? me(secrets[i % secrets.length]) : authorize(secrets[i % secrets.length], workspaceId))),
      );
      expect(tally(answers)).toEqual({ '401 token_invalid': tries });
    }

    async function userWithToken() {
      const user = await registerUser(t);
      const ws = await createWorkspace(t, user.personalToken, 'Revocations');
      const token = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
      return { user, ws, token };
    }

    it('revokes once when many revocations of one token arrive at once', async () => {
      const { user, ws, token } = await userWithToken();
      const results = await fire(times(N, () => t.http().delete(`/v1/me/tokens/${token.id}`).set(bearer(user.personalToken))));

      expect(tally(results)).toEqual({ '204': N });
      await expectDead([token.secret], ws.id, N);
      expect(await count('tokens WHERE id = $1 AND revoked_at IS NOT NULL', [token.id])).toBe(1);
      // One revocation happened: one event, however many requests asked for it.
      expect(await auditCount('token.revoked', { targetIds: [token.id] })).toBe(1);
    });

    it('ends a session once when many logouts of it arrive at once', async () => {
      const { user, ws } = await userWithToken();
      const session = (await t.http().post('/v1/auth/login').send({ email: user.email, password: user.password }).expect(200)).body.token;
      const results = await fire(times(N, () => t.http().post('/v1/auth/logout').set(bearer(session.secret))));

      expectOnly(results, ['204', '401 token_invalid']);
      await expectDead([session.secret], ws.id, N);
      expect(await auditCount('session.ended', { targetIds: [session.id] })).toBe(1);
    });

    it('never lets a token work again once its revocation answered, whatever rotations raced it', async () => {
      const { user, ws, token } = await userWithToken();
      const requests = times(N, (i) =>
        i === N / 2
          ? t.http().delete(`/v1/me/tokens/${token.id}`).set(bearer(user.personalToken))
          : t.http().post(`/v1/me/tokens/${token.id}/rotate`).set(bearer(user.personalToken)).send({ graceSeconds: 3600 }),
      );
      const results = await fire(requests);

      expect(results[N / 2].status).toBe(204);
      const rotations = results.filter((_, i) => i !== N / 2);
      expectOnly(rotations, ['200', '409 conflict']);
      expect(ok(rotations).length).toBeLessThanOrEqual(1);
      // A rotation that came first made a new token: revoking the old one ends it too (its rotation chain).
      for (const secret of [token.secret, ...ok(rotations).map((r) => r.body.secret as string)]) await expectDead([secret], ws.id, N);
    });

    it('refuses every use of a token sent after its revocation answered, while uses race it', async () => {
      const { user, ws, token } = await userWithToken();
      const { log, revocation, revokedAt } = await streamRevokingToken(
        user,
        token.id,
        (i) => (i % 2 === 0 ? me(token.secret) : authorize(token.secret, ws.id)),
        N / 4,
      );
      expect(revocation.status).toBe(204);
      expectOnly(
        log.map((e) => e.res),
        ['200', '204', '401 token_invalid'],
      );
      const late = log.filter((e) => e.sentAt > revokedAt);
      // On the embedded database's one connection every use may be queued ahead of the revocation,
      // so none is sent after it answered; expectDead below then makes N uses that all are.
      expect(late.filter((e) => e.res.status !== 401).map((e) => e.i)).toEqual([]);
      await expectDead([token.secret], ws.id, N);
    });

    it('kills every session exchanged from a token, before or during its revocation', async () => {
      const { user, ws, token } = await userWithToken();
      const { log, revocation, revokedAt } = await streamRevokingToken(
        user,
        token.id,
        (i) => (i % 3 === 0 ? me(token.secret) : i % 3 === 1 ? authorize(token.secret, ws.id) : exchange(token.secret)),
        Math.floor(N / 3),
      );
      expect(revocation.status).toBe(204);
      expectOnly(
        log.map((e) => e.res),
        ['200', '204', '401 token_invalid'],
      );
      expect(log.filter((e) => e.sentAt > revokedAt && e.res.status !== 401).map((e) => e.i)).toEqual([]);
      const sessions = log.filter((e) => e.i % 3 === 2 && e.res.status === 200).map((e) => e.res.body.token.secret as string);
      expect(sessions.length).toBeGreaterThan(0);
      await expectDead(sessions, ws.id, Math.max(N, sessions.length * 2));
      await expectDead([token.secret], ws.id);
    });

    it('kills an API-user token and its sessions when revocations race rotations, uses and exchanges', async () => {
      const ws = await newWorkspace(t);
      const created = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/api-users`)
        .set(bearer(ws.owner.personalToken))
        .send({ name: 'Bot', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      const apiUserId: string = created.body.apiUser.id;
      const token = { id: created.body.token.id as string, secret: created.body.token.secret as string };
      const owner = bearer(ws.owner.personalToken);
      const kinds = ['use', 'authorize', 'exchange', 'rotate', 'use', 'authorize', 'exchange', 'revoke', 'revoke-here'] as const;
      const requests = times(N, (i) => {
        const kind = kinds[i % kinds.length];
        switch (kind) {
          case 'use':
            return t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(token.secret));
          case 'authorize':
            return authorize(token.secret, ws.id);
          case 'exchange':
            return exchange(token.secret);
          case 'rotate':
            return t
              .http()
              .post(`/v1/workspaces/${ws.id}/api-users/${apiUserId}/tokens/${token.id}/rotate`)
              .set(owner)
              .send({ graceSeconds: 3600 });
          case 'revoke':
            return t.http().delete(`/v1/workspaces/${ws.id}/api-users/${apiUserId}/tokens/${token.id}`).set(owner);
          case 'revoke-here':
            return t.http().delete(`/v1/workspaces/${ws.id}/tokens/${token.id}`).set(owner);
        }
      });
      const results = await fire(requests);
      const of = (kind: string) => results.filter((_, i) => kinds[i % kinds.length] === kind);

      expectOnly(results, ['200', '204', '401 token_invalid', '404 not_found', '409 conflict']);
      expect(ok([...of('revoke'), ...of('revoke-here')]).length).toBeGreaterThan(0);
      expect(ok(of('rotate')).length).toBeLessThanOrEqual(1);
      const sessions = ok(of('exchange')).map((r) => r.body.token.secret as string);
      await expectDead([token.secret], ws.id, N);
      if (sessions.length > 0) await expectDead(sessions, ws.id, Math.max(50, sessions.length * 2));
      expect(await auditCount('token.revoked', { workspaceId: ws.id, targetIds: [token.id] })).toBe(1);
      // A rotation that came first made a new token: the revocation ended it with the rest of the chain.
      for (const r of ok(of('rotate'))) await expectDead([r.body.secret as string], ws.id);
    });
  });
});
