// Eighth security review, part A (the caller hold): each test asserts the secure or correct behaviour
// and fails on the commit reviewed. Part B (mail) is in review-eighth-mail.e2e-spec.ts.
// Run: npx jest --ci test/security/review-eighth.e2e-spec.ts (the races need DATABASE_URL: PostgreSQL).
//
// Races are told without luck, as test/races/caller-hold.e2e-spec.ts does: a second connection of the
// test holds a lock where the race would be, and the competing change is sent then.
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { bearer, createNamedToken, markEmailVerified, PASSWORD, registerUser, RegisteredUser } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { blockedOnLock, secondConnection, send } from '../support/second-connection';
import { startTestApp, TestApp } from '../support/test-app';

const onPostgres = Boolean(process.env.DATABASE_URL);
const describeOnPostgres = onPostgres ? describe : describe.skip;
jest.setTimeout(90_000);

describeOnPostgres('review 8, part A: the caller hold (PostgreSQL)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  const blocker = secondConnection(() => t);

  // A1: a workspace deletion share-locks its caller's token (CallerHold), then updates every token that
  // names the workspace, the caller's own among them. Two deletions by one token restricted to both
  // workspaces each hold it FOR SHARE and then each wait to update it: a deadlock, answered 409.
  it('A1: two workspaces deleted at once by one token restricted to both are both deleted (no deadlock, no 409)', async () => {
    const a = await newWorkspace(t);
    const b = await t.http().post('/v1/workspaces').set(bearer(a.owner.personalToken)).send({ name: 'second' }).expect(201);
    const both = await createNamedToken(t, a.owner.personalToken, { scopes: ['*'], workspaceIds: [a.id, b.body.id] });
    // Orders the race only: a third holder of the token's row (another write of the same token, say).
    await blocker.held.query('SELECT 1 FROM tokens WHERE id = $1 FOR SHARE', [both.id]);
    const first = send(t.http().delete(`/v1/workspaces/${a.id}`).set(bearer(both.secret)));
    await blockedOnLock(t.dataSource, '%UPDATE tokens SET workspace_ids%', 1);
    const second = send(t.http().delete(`/v1/workspaces/${b.body.id}`).set(bearer(both.secret)));
    await blockedOnLock(t.dataSource, '%UPDATE tokens SET workspace_ids%', 2);
    await blocker.held.commitTransaction();

    const answers = await Promise.all([first, second]);
    expect(answers.map((res) => [res.status, res.body?.code ?? null])).toEqual([
      [204, null],
      [204, null],
    ]);
  });

  // A1b: the same cycle between two callers: each cuts the other's token off in a workspace of its own.
  it("A1b: two admins cutting off each other's token in two workspaces at once both succeed (no deadlock, no 409)", async () => {
    const a = await newWorkspace(t);
    const other = await registerUser(t);
    const b = await newWorkspace(t, other);
    // Each is owner of both.
    const join = async (ws: typeof a, who: RegisteredUser) => {
      const invitation = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(ws.owner.personalToken))
        .send({ email: who.email, roleIds: [ws.roles.owner], deviceAccess: { mode: 'all' } })
        .expect(201);
      await markEmailVerified(t, who.id);
      await t.http().post('/v1/invitations/accept').set(bearer(who.personalToken)).send({ token: invitation.body.secret }).expect(200);
    };
    await join(a, other);
    await join(b, a.owner);
    const t1 = await createNamedToken(t, a.owner.personalToken, { scopes: ['*'] });
    const t2 = await createNamedToken(t, other.personalToken, { scopes: ['*'] });

    await blocker.held.query('SELECT 1 FROM tokens WHERE id = $1 FOR SHARE', [t2.id]);
    // t1 cuts t2 off in a: holds t1, waits for t2's chain (held).
    const first = send(t.http().delete(`/v1/workspaces/${a.id}/tokens/${t2.id}`).set(bearer(t1.secret)));
    await blockedOnLock(t.dataSource, '%chain%FOR UPDATE%', 1);
    // t2 cuts t1 off in b: holds t2, waits for t1's chain (held by the first).
    const second = send(t.http().delete(`/v1/workspaces/${b.id}/tokens/${t1.id}`).set(bearer(t2.secret)));
    await blockedOnLock(t.dataSource, '%chain%FOR UPDATE%', 2);
    await blocker.held.commitTransaction();

    const answers = await Promise.all([first, second]);
    expect(answers.map((res) => [res.status, res.body?.code ?? null])).toEqual([
      [204, null],
      [204, null],
    ]);
  });

  // A2: POST /v1/me/tokens/:id/rotate makes a new secret from its calling token but did not hold it:
  // judged on the token as the guard saw it, a rotation whose caller was revoked while it waited still
  // made a secret. Held, it waits for the revocation in progress (the second connection) and sees it.
  it('A2: a rotation whose calling token was revoked while it waited makes no new secret (401)', async () => {
    const ws = await newWorkspace(t);
    // A login session: the rotation needs account:manage, which a named token cannot have.
    const session = (await t.http().post('/v1/auth/login').send({ email: ws.owner.email, password: PASSWORD }).expect(200)).body.token;
    const caller = { id: session.id as string, secret: session.secret as string };
    const target = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    // A revocation of the calling session under way: its row taken, not yet committed.
    await blocker.held.query('SELECT 1 FROM tokens WHERE id = $1 FOR UPDATE', [caller.id]);
    const rotation = send(t.http().post(`/v1/me/tokens/${target.id}/rotate`).set(bearer(caller.secret)).send({}));
    const waited = await Promise.race([
      rotation.then((res) => `answered ${res.status} ${JSON.stringify(res.body)}`),
      // The hold's read of the token (pg_stat_activity keeps the statement's first 1024 bytes).
      blockedOnLock(t.dataSource, 'SELECT t.id, t.kind, t.user_id AS%'),
    ]);
    expect(waited).toBe('blocked');
    await blocker.held.query('UPDATE tokens SET revoked_at = $2 WHERE id = $1', [caller.id, t.clock.now()]);
    await blocker.held.commitTransaction();

    expect((await rotation).status).toBe(401);
    const [{ replaced }] = await t.dataSource.query(`SELECT replaced_by_id IS NOT NULL AS replaced FROM tokens WHERE id = $1`, [target.id]);
    expect(replaced).toBe(false);
  });

  // A3: POST /v1/invitations/accept takes the invitation's row and the workspace's lock but does not
  // hold its caller: a token revoked (or a user deactivated) while the accept waited still joins.
  it('A3: an accept whose token was revoked while it waited joins nothing (401)', async () => {
    const ws = await newWorkspace(t);
    const invitee = await registerUser(t);
    await markEmailVerified(t, invitee.id);
    const named = await createNamedToken(t, invitee.personalToken, { scopes: ['*'] });
    const invitation = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: invitee.email, roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } })
      .expect(201);
    await blocker.held.query('SELECT id FROM workspaces WHERE id = $1 FOR UPDATE', [ws.id]);
    const accept = send(t.http().post('/v1/invitations/accept').set(bearer(named.secret)).send({ token: invitation.body.secret }));
    await blockedOnLock(t.dataSource, '%FROM workspaces WHERE id = $1 FOR UPDATE%');

    await t.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(invitee.personalToken)).expect(204);
    await blocker.held.commitTransaction();

    expect((await accept).status).toBe(401);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM memberships WHERE workspace_id = $1 AND user_id = $2`, [
      ws.id,
      invitee.id,
    ]);
    expect(n).toBe(0);
  });

  // A5: the last-used flush skips a row a change holds and keeps it "for the next flush"; the flush at
  // shutdown has no next one, so a use of a token another instance's write holds then is lost for good.
  it('A5: the flush at shutdown does not drop the use of a token a write holds', async () => {
    const second = await startTestApp({}, t.database);
    const ws = await newWorkspace(second);
    const busy = await createNamedToken(second, ws.owner.personalToken, { scopes: ['*'] });
    await second.app.get(LastUsedRecorder).flush();
    await second.http().get('/v1/whoami').set(bearer(busy.secret)).expect(200);
    // A write of another instance holds the token's row (as CallerHold does) while this one shuts down.
    await blocker.held.query('SELECT 1 FROM tokens WHERE id = $1 FOR SHARE', [busy.id]);
    const closing = second.close();
    const first = await Promise.race([closing.then(() => 'closed' as const), blockedOnLock(t.dataSource, '%last_used_at%')]);
    await blocker.held.commitTransaction();
    await closing;

    const [{ used }] = await t.dataSource.query(`SELECT last_used_at IS NOT NULL AS used FROM tokens WHERE id = $1`, [busy.id]);
    expect({ first, used }).toEqual({ first: 'blocked', used: true });
  });
});
