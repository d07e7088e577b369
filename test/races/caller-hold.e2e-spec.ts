// A write holds its caller's token until it commits (src/authorization/caller-hold.ts), told without
// luck: a second connection of the test holds the write where the race would be (the workspace's lock,
// or a lock the write meets inside its transaction), and the revocation is sent then. A revocation
// from outside the workspace (DELETE /v1/me/tokens/:id takes no workspace lock) is what needs the hold:
// a workspace's own revocations take turns with its writes on the workspace's lock anyway.
// PostgreSQL only: the embedded database has one connection, which the held transaction would keep.
import { randomBytes } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import type { Response } from 'supertest';
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { bearer, createNamedToken } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const onPostgres = Boolean(process.env.DATABASE_URL);
const describeOnPostgres = onPostgres ? describe : describe.skip;
jest.setTimeout(60_000);

/** Advisory lock key that pauses an insert of a device named PAUSED (the trigger below). */
const PAUSE_KEY = 7_202_611;
const PAUSED = 'paused-inside-the-write';

let t: TestApp;
let held: QueryRunner;

/** Resolves once another backend of this database waits on a lock in a statement matching `like`. */
async function blockedOnLock(like: string): Promise<'blocked'> {
  for (;;) {
    const rows: unknown[] = await t.dataSource.query(
      `SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
          AND query LIKE $1`,
      [like],
    );
    if (rows.length > 0) return 'blocked';
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sends the request now (supertest sends on then()), answering its response. */
function send(request: PromiseLike<Response>): Promise<Response> {
  return Promise.resolve(request);
}

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

  beforeEach(async () => {
    held = t.dataSource.createQueryRunner();
    await held.connect();
    await held.startTransaction();
  });

  afterEach(async () => {
    if (held.isTransactionActive) await held.rollbackTransaction();
    await held.release();
  });

  const newDevice = (name: string) => ({ name, serial: `SN-${randomBytes(5).toString('hex')}` });

  it('a revocation that committed while the write waited for the workspace lock stops the write (401)', async () => {
    const ws = await newWorkspace(t);
    const named = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    await held.query('SELECT id FROM workspaces WHERE id = $1 FOR UPDATE', [ws.id]);
    const write = send(t.http().post(`/v1/workspaces/${ws.id}/devices`).set(bearer(named.secret)).send(newDevice('late')));
    await blockedOnLock('%FROM workspaces WHERE id = $1 FOR UPDATE%');

    await t.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    await held.commitTransaction();

    expect((await write).status).toBe(401);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM devices WHERE workspace_id = $1`, [ws.id]);
    expect(n).toBe(0);
  });

  it('a revocation sent while the write runs waits for it to commit', async () => {
    const ws = await newWorkspace(t);
    const named = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    await held.query('SELECT pg_advisory_xact_lock($1)', [PAUSE_KEY]);
    const write = send(t.http().post(`/v1/workspaces/${ws.id}/devices`).set(bearer(named.secret)).send(newDevice(PAUSED)));
    await blockedOnLock('%INSERT INTO%devices%');

    // Past the hold, inside its transaction: the revocation waits for the token's row.
    const revocation = send(t.http().delete(`/v1/me/tokens/${named.id}`).set(bearer(ws.owner.personalToken)));
    const first = await Promise.race([revocation.then(() => 'answered' as const), blockedOnLock('%chain%FOR UPDATE%')]);
    expect(first).toBe('blocked');

    await held.commitTransaction();
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
    await held.query('SELECT 1 FROM tokens WHERE id = $1 FOR SHARE', [busy.id]);
    for (const token of [free, busy]) await t.http().get('/v1/whoami').set(bearer(token.secret)).expect(200);

    const flushed = await Promise.race([recorder.flush().then(() => 'flushed' as const), blockedOnLock('%UPDATE tokens%last_used_at%')]);
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

    await held.commitTransaction();
    await recorder.flush();
    expect(await lastUse()).toEqual({ free: true, busy: true });
  });
});
