// Hundreds of requests in flight at once against the invariants that must survive them: one
// membership per user and workspace, at least one owner, a revoked token never works again, a
// rotation chain never has two tokens alive past their grace, one audit event per change.
// Checked through the API and directly in the database, on the embedded database (one connection,
// requests take turns) and on PostgreSQL (a pool: transactions really overlap).
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { generateToken, hashToken, tokenHint } from '../src/auth/token-format';
import { PERMISSIONS } from '../src/authorization/permissions';
import { bearer, builtInRoles, createNamedToken, createWorkspace, inviteAndAccept, registerUser, RegisteredUser } from './support/api';
import { startTestApp, TestApp } from './support/test-app';

/** Requests fired at once per scenario. */
const N = 200;
const onPostgres = Boolean(process.env.DATABASE_URL);

type RoleName = 'owner' | 'admin' | 'member' | 'viewer';

interface Workspace {
  id: string;
  owner: RegisteredUser;
  roles: Record<RoleName, string>;
  /** Role id -> its permissions. */
  permissionsOf: Map<string, string[]>;
}

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

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function newWorkspace(): Promise<Workspace> {
  const owner = await registerUser(t);
  const ws = await createWorkspace(t, owner.personalToken, `Race ${randomUUID().slice(0, 6)}`);
  const roles = await builtInRoles(t, owner.personalToken, ws.id);
  const listed = await t.http().get(`/v1/workspaces/${ws.id}/roles`).set(bearer(owner.personalToken)).expect(200);
  const permissionsOf = new Map<string, string[]>(listed.body.items.map((r: { id: string; permissions: string[] }) => [r.id, r.permissions]));
  return { id: ws.id, owner, roles, permissionsOf };
}

async function customRole(ws: Workspace, name: string, permissions: string[]): Promise<string> {
  const res = await t.http().post(`/v1/workspaces/${ws.id}/roles`).set(bearer(ws.owner.personalToken)).send({ name, permissions }).expect(201);
  ws.permissionsOf.set(res.body.id, permissions);
  return res.body.id;
}

/** Registers users a few at a time: argon2 is the slow part and the machine has two cores. */
async function registerUsers(n: number): Promise<RegisteredUser[]> {
  const users: RegisteredUser[] = [];
  for (let i = 0; i < n; i += 10) users.push(...(await Promise.all(times(Math.min(10, n - i), () => registerUser(t)))));
  return users;
}

async function addMember(ws: Workspace, role: RoleName, by = ws.owner.personalToken): Promise<RegisteredUser> {
  const user = await registerUser(t);
  await inviteAndAccept(t, by, ws.id, user, [ws.roles[role]]);
  return user;
}

async function invite(ws: Workspace, email: string, roleIds: string[]): Promise<{ id: string; secret: string }> {
  const res = await t.http().post(`/v1/workspaces/${ws.id}/invitations`).set(bearer(ws.owner.personalToken)).send({ email, roleIds, deviceAccess: { mode: 'all' } }).expect(201);
  return { id: res.body.invitation.id, secret: res.body.secret };
}

const accept = (user: RegisteredUser, secret: string) => t.http().post('/v1/invitations/accept').set(bearer(user.personalToken)).send({ token: secret });
const patchMember = (ws: Workspace, by: string, userId: string, body: object) => t.http().patch(`/v1/workspaces/${ws.id}/members/${userId}`).set(bearer(by)).send(body);
const removeMember = (ws: Workspace, by: string, userId: string) => t.http().delete(`/v1/workspaces/${ws.id}/members/${userId}`).set(bearer(by));
const leave = (ws: Workspace, by: string) => t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(by));
const me = (secret: string) => t.http().get('/v1/me').set(bearer(secret));
const authorize = (secret: string, workspaceId: string, permission = 'workspace:read') =>
  t.http().get('/v1/authorize').query({ workspaceId, permission }).set(bearer(secret));
const exchange = (secret: string) => t.http().post('/v1/auth/token').set(bearer(secret)).send({});

// --- what the database says ---------------------------------------------------------------------

async function count(sql: string, params: unknown[]): Promise<number> {
  const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return n;
}

const membershipsOf = (workspaceId: string, userId: string) => count('memberships WHERE workspace_id = $1 AND user_id = $2', [workspaceId, userId]);

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
  const [membership] = await t.dataSource.query(`SELECT id FROM memberships WHERE workspace_id = $1 AND ${column} = $2`, [workspaceId, principal.userId ?? principal.apiUserId]);
  if (!membership) return null;
  const rows = await t.dataSource.query('SELECT role_id AS "roleId" FROM membership_roles WHERE workspace_id = $1 AND membership_id = $2', [workspaceId, membership.id]);
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
async function ownersByApi(ws: Workspace, secret: string): Promise<string[]> {
  const res = await t.http().get(`/v1/workspaces/${ws.id}/members?limit=200`).set(bearer(secret)).expect(200);
  return res.body.items.filter((m: { roles: Array<{ id: string }> }) => m.roles.some((r) => r.id === ws.roles.owner)).map((m: { userId: string }) => m.userId);
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
  make: (i: number) => Promise<Response>,
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
      log.push({ i, sentAt, res: await make(i) });
    }
  };
  await Promise.all(times(workers, worker));
  return log;
}

describe('concurrency', () => {
  beforeAll(async () => {
    t = await startTestApp();
    // One listening server for every request, rather than supertest starting one per request.
    await t.app.listen(0, '127.0.0.1');
  });
  afterAll(() => t.close());

  describe('accepting invitations', () => {
    it('makes one membership when the same invitation is accepted by many requests at once', async () => {
      const ws = await newWorkspace();
      const invitee = await registerUser(t);
      const { id, secret } = await invite(ws, invitee.email, [ws.roles.member]);

      const results = await Promise.all(times(N, () => accept(invitee, secret)));

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
      const ws = await newWorkspace();
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

      const results = await Promise.all(times(N, (i) => accept(invitee, invitations[i % invitations.length].secret)));

      expect(tally(results)).toEqual({ '200': 1, '409 conflict': N - 1 });
      expect(await membershipsOf(ws.id, invitee.id)).toBe(1);
      const accepted = await t.dataSource.query('SELECT id FROM invitations WHERE workspace_id = $1 AND accepted_at IS NOT NULL', [ws.id]);
      expect(accepted).toHaveLength(1);
      // The member holds exactly the roles of the one invitation that was accepted, no mix.
      const winner = invitations.find((i) => i.id === accepted[0].id)!;
      expect(sameSet((await rolesInDb(ws.id, { userId: invitee.id }))!, winner.roleIds)).toBe(true);
      expect(ok(results)[0].body.member.roles.map((r: { id: string }) => r.id).sort()).toEqual([...winner.roleIds].sort());
      expect(await auditCount('member.joined', { workspaceId: ws.id, accountId: invitee.id })).toBe(1);
    });

    it('adds every user when many accept their own invitations at once, each twice', async () => {
      const ws = await newWorkspace();
      const users = await registerUsers(N / 2);
      const secrets: string[] = [];
      for (const user of users) secrets.push((await invite(ws, user.email, [ws.roles.viewer])).secret);

      const results = await Promise.all(times(N, (i) => accept(users[i % users.length], secrets[i % users.length])));

      expect(tally(results)).toEqual({ '200': N / 2, '409 conflict': N / 2 });
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
});
