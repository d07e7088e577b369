// A write holds its caller's token until it commits (src/authorization/caller-hold.ts), told without
// luck: a second connection of the test holds the write where the race would be (the workspace's lock,
// or a lock the write meets inside its transaction), and the revocation is sent then. A revocation
// from outside the workspace (DELETE /v1/me/tokens/:id takes no workspace lock) is what needs the hold:
// a workspace's own revocations take turns with its writes on the workspace's lock anyway.
// PostgreSQL only: the embedded database has one connection, which the held transaction would keep.
import { randomBytes } from 'node:crypto';
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { bearer, createNamedToken, expectProblem } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { blockedOnLock, secondConnection, send } from '../support/second-connection';
import { startTestApp, TestApp } from '../support/test-app';

const onPostgres = Boolean(process.env.DATABASE_URL);
const describeOnPostgres = onPostgres ? describe : describe.skip;
jest.setTimeout(60_000);

/** Advisory lock key that pauses an insert of a device named PAUSED (the trigger below). */
const PAUSE_KEY = 7_202_611;
const PAUSED = 'paused-inside-the-write';

let t: TestApp;

describeOnPostgres('a write holds its caller token', () => {
  beforeAll(async () => {
    t = await startTestApp();
    await t.dataSource.query(`CREATE FUNCTION test_pause_device() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name = '${PAUSED}' THEN PERFORM pg_advisory_xact_lock_shared(${PAUSE_KEY}); END IF;
        RETURN NEW;
      END $$`);
    await t.dataSource.query('CREATE TRIGGER test_pause_device BEFORE INSERT ON devices FOR EACH ROW EXECUTE FUNCTION test_pause_device()');
  });

  afterAll(async () => {
    await t?.close();
  });

  const blocker = secondConnection(() => t);

  const newDevice = (name: string) => ({ name, serial: `SN-${randomBytes(5).toString('hex')}` });

  /** A workspace, its owner's named token, and a device made with it, waiting for the workspace's lock (held by the test). */
  async function writeWaitingForWorkspaceLock() {
    const ws = await newWorkspace(t);
    const named = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    await blocker.held.query('SELECT id FROM workspaces WHERE id = $1 FOR UPDATE', [ws.id]);
    const write = send(t.http().post(`/v1/workspaces/${ws.id}/devices`).set(bearer(named.secret)).send(newDevice('late')));
    await blockedOnLock(t.dataSource, '%FROM workspaces WHERE id = $1 FOR UPDATE%');
    return { ws, named, write };
  }

  it('a revocation that committed while the write waited for the workspace lock stops the write (401)', async () => {
    const { ws, named, write } = await writeWaitingForWorkspaceLock();

    await t.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    await blocker.held.commitTransaction();

    expect((await write).status).toBe(401);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM devices WHERE workspace_id = $1`, [ws.id]);
    expect(n).toBe(0);
  });

  // Review 8, A4: the hold judged every rule of the token check but the network allow-list.
  it('a token narrowed to other networks while the write waited for the workspace lock stops the write (403)', async () => {
    const { ws, named, write } = await writeWaitingForWorkspaceLock();

    await t
      .http()
      .patch(`/v1/me/tokens/${named.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ allowedCidrs: ['192.0.2.0/24'] })
      .expect(200);
    await blocker.held.commitTransaction();

    expectProblem(await write, 403, 'network_not_allowed');
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM devices WHERE workspace_id = $1`, [ws.id]);
    expect(n).toBe(0);
    // The same token from the loopback is refused by the token check itself now.
    expectProblem(await t.http().get('/v1/whoami').set(bearer(named.secret)), 403, 'network_not_allowed');
  });

  it("a token's new network allow-list that still holds the caller's address lets the waiting write through", async () => {
    const { ws, named, write } = await writeWaitingForWorkspaceLock();

    await t
      .http()
      .patch(`/v1/me/tokens/${named.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ allowedCidrs: ['127.0.0.0/8', '::1/128'] })
      .expect(200);
    await blocker.held.commitTransaction();

    expect((await write).status).toBe(201);
  });

  it('a revocation sent while the write runs waits for it to commit', async () => {
    const ws = await newWorkspace(t);
    const named = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    await blocker.held.query('SELECT pg_advisory_xact_lock($1)', [PAUSE_KEY]);
    const write = send(t.http().post(`/v1/workspaces/${ws.id}/devices`).set(bearer(named.secret)).send(newDevice(PAUSED)));
    await blockedOnLock(t.dataSource, '%INSERT INTO%devices%');

    // Past the hold, inside its transaction: the revocation waits for the token's row.
    const revocation = send(t.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(ws.owner.personalToken)));
    const first = await Promise.race([revocation.then(() => 'answered' as const), blockedOnLock(t.dataSource, '%chain%FOR UPDATE%')]);
    expect(first).toBe('blocked');

    await blocker.held.commitTransaction();
    expect((await write).status).toBe(201);
    expect((await revocation).status).toBe(204);
  });

  it('a last-used flush skips a token row a write holds, and writes it at the next flush', async () => {
    const ws = await newWorkspace(t);
    const [free, busy] = await Promise.all([
      createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] }),
      createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] }),
    ]);
    const recorder = t.app.get(LastUsedRecorder);
    await recorder.flush();
    await blocker.held.query('SELECT 1 FROM tokens WHERE id = $1 FOR SHARE', [busy.id]);
    for (const token of [free, busy]) await t.http().get('/v1/whoami').set(bearer(token.secret)).expect(200);

    const flushed = await Promise.race([
      recorder.flush().then(() => 'flushed' as const),
      blockedOnLock(t.dataSource, '%UPDATE tokens%last_used_at%'),
    ]);
    expect(flushed).toBe('flushed');
    const lastUse = async () =>
      Object.fromEntries(
        (
          await t.dataSource.query(`SELECT id, last_used_at IS NOT NULL AS used FROM tokens WHERE id = ANY($1::uuid[])`, [
            [free.id, busy.id],
          ])
        ).map((row: { id: string; used: boolean }) => [row.id === free.id ? 'free' : 'busy', row.used]),
      );
    expect(await lastUse()).toEqual({ free: true, busy: false });

    await blocker.held.commitTransaction();
    await recorder.flush();
    expect(await lastUse()).toEqual({ free: true, busy: true });
  });
});
