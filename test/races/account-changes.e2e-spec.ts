// A change of one's own account (PATCH /v1/me) is decided on the account as it read it, before the
// password check: one that committed meanwhile (the pending address's link opened, a reset) must not be
// overwritten or undone unseen (left open in stop 38: a withdrawal racing the link). Told without luck:
// a second connection holds the user's row while the change waits for it, and commits the other change.
// PostgreSQL only: the embedded database has one connection, which the held transaction would keep.
import { bearer, markEmailVerified, PASSWORD, registerUser, uniqueEmail } from '../support/api';
import { blockedOnLock, secondConnection, send } from '../support/second-connection';
import { startTestApp, TestApp } from '../support/test-app';

const describeOnPostgres = process.env.DATABASE_URL ? describe : describe.skip;
jest.setTimeout(60_000);

let t: TestApp;

describeOnPostgres('PATCH /v1/me against a change that committed while it waited', () => {
  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  const blocker = secondConnection(() => t);

  it('a withdrawal of the pending address after its link was opened answers 409, and the account shows the address it has', async () => {
    const user = await registerUser(t, uniqueEmail('owner'));
    await markEmailVerified(t, user.id);
    const wanted = uniqueEmail('wanted');
    await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ email: wanted, currentPassword: PASSWORD }).expect(200);

    await blocker.held.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [user.id]);
    const withdrawal = send(t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ email: user.email }));
    await blockedOnLock(t.dataSource, '%"users"%FOR UPDATE%');
    // The link to the pending address is opened meanwhile (what verifyEmail writes).
    await blocker.held.query(`UPDATE users SET email = $2, pending_email = NULL WHERE id = $1`, [user.id, wanted]);
    await blocker.held.commitTransaction();

    const answer = await withdrawal;
    const me = await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    expect({ status: answer.status, code: answer.body.code, email: me.body.email, pendingEmail: me.body.pendingEmail }).toEqual({
      status: 409,
      code: 'conflict',
      email: wanted,
      pendingEmail: null,
    });
  });

  it('a change that waited for nothing goes through', async () => {
    const user = await registerUser(t, uniqueEmail('owner'));
    await t.http().patch('/v1/me').set(bearer(user.personalToken)).send({ name: 'Renamed' }).expect(200);
    expect((await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200)).body.name).toBe('Renamed');
  });
});
