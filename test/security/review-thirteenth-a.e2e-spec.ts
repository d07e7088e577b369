// Review 13a: attacking the fixes of review 12 (usableFromCidrs, assertLivesForever, revokedOutright,
// the LISTEN probe, clientAddress). Each test asserts the correct behaviour and fails on the code it
// was written against.
import { acceptAsVerified, bearer, expectProblem, login, markEmailVerified, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { INSIDE, INSIDE_LIST, limitedAdminBot, OUTSIDE } from '../support/network-limited';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';

describe('review 13a: network-limited API users, short-lived grantors', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The test client is the one proxy in front: the client address is the last X-Forwarded-For entry.
    t = await startTestApp({ LATCHKEY_TRUST_PROXY: '1' });
  }, 60_000);
  afterAll(() => t?.close());

  it('R13A-1: a network-limited API user can still rotate its own token (the new secret is usable from the same networks)', async () => {
    const { ws, bot, from } = await limitedAdminBot(t);
    const res = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${bot.tokenId}/rotate`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({ graceSeconds: 60 });
    // The token's own list is null, its API user's is INSIDE_LIST: the new secret, of the same API
    // user, is usable from INSIDE_LIST only, exactly the networks of the rotating token.
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 200, code: undefined });
    await from(INSIDE, res.body.secret).expect(200);
    expectProblem(await from(OUTSIDE, res.body.secret), 403, 'network_not_allowed');
  });

  it("R13A-1: …and enable a sibling token of its own API user that has no list of its own (usable from the API user's list alone)", async () => {
    const { ws, bot } = await limitedAdminBot(t);
    // The owner makes a second token (no list of its own: a login-free personal token makes null lists) and disables it.
    const made = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'second' })
      .expect(201);
    expect(made.body.allowedCidrs ?? null).toBeNull();
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${made.body.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ enabled: false })
      .expect(200);
    const res = await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens/${made.body.id}`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({ enabled: true });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 200, code: undefined });
  });

  it("R13A-1 (control): an API user's token still cannot rotate a token of another API user that is usable from anywhere", async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const other = await ws.apiUser({ roles: ['viewer'] });
    const res = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${other.id}/tokens/${other.tokenId}/rotate`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({});
    expectProblem(res, 403, 'forbidden');
  });

  it('R13A-3: a network-limited API user cannot invite an account as admin, a member who then works from any network', async () => {
    const { ws, bot } = await limitedAdminBot(t);
    const accomplice = await registerUser(t, uniqueEmail('accomplice'));
    const invited = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set('X-Forwarded-For', INSIDE)
      .set(bearer(bot.token))
      .send({ email: accomplice.email, roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } });
    // A member is usable from every network: inviting one is a grant of unbound access, as a trust
    // rule's sessions are (a network-bound maker gets 403 there, review 5), and as an API user or a
    // token made by this caller would be (bound to its networks, review 12b N2).
    if (invited.status === 201) {
      const accepted = await acceptAsVerified(t, accomplice.personalToken, { token: invited.body.secret });
      const fromOutside = await t
        .http()
        .get(`/v1/workspaces/${ws.id}/api-users`)
        .set('X-Forwarded-For', OUTSIDE)
        .set(bearer(accomplice.personalToken));
      expect({ accepted: accepted.status, fromOutside: fromOutside.status }).toEqual({ accepted: 'refused', fromOutside: 'refused' });
    }
    expectProblem(invited, 403, 'forbidden');
  });

  /** The test app lists ADMIN_EMAIL as a platform admin; an email counts only once verified. */
  async function platformAdmin(): Promise<{ session: string; personalToken: string }> {
    const admin = await registerUser(t, ADMIN_EMAIL);
    await markEmailVerified(t, admin.id);
    return { session: await login(t, ADMIN_EMAIL), personalToken: admin.personalToken };
  }

  it("R13A-2: a platform admin's short-lived token (an exchanged 5-minute session) cannot reactivate a user, bringing back the user's tokens that never expire", async () => {
    const admin = await platformAdmin();
    const adminSession = admin.session;
    const victim = await registerUser(t);
    await t.http().post(`/v1/admin/users/${victim.id}/deactivate`).set(bearer(adminSession)).expect(200);
    await t.http().get('/v1/whoami').set(bearer(victim.personalToken)).expect(401);
    // A stolen short-lived admin credential: a session exchanged from the admin's personal token.
    const shortLived = (await t.http().post('/v1/auth/token').set(bearer(admin.personalToken)).send({ expiresInSeconds: 300 }).expect(200))
      .body.token.secret as string;
    const res = await t.http().post(`/v1/admin/users/${victim.id}/reactivate`).set(bearer(shortLived));
    // As enabling an API user (assertLivesForever): it brings back tokens that outlive the caller.
    expectProblem(res, 403, 'forbidden');
    await t.http().get('/v1/whoami').set(bearer(victim.personalToken)).expect(401);
    // A login session may.
    await t.http().post(`/v1/admin/users/${victim.id}/reactivate`).set(bearer(adminSession)).expect(200);
    await t.http().get('/v1/whoami').set(bearer(victim.personalToken)).expect(200);
  });
});

describe('review 13a: a trusted proxy whose own address another trusted proxy wrote with a port (LATCHKEY_TRUST_PROXY as a list)', () => {
  // Two tiers, both trusted: an edge (a CDN, 198.51.100.0/24) in front of a gateway (the test client,
  // on loopback) that writes its peer as `ip:port`, as Azure's Application Gateway does behind Front Door.
  // X-Forwarded-For: `<client>, <edge>:<port>`.
  const EDGE = '198.51.100.20';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_TRUST_PROXY: `loopback,198.51.100.0/24`, LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '3' });
  }, 60_000);
  afterAll(() => t?.close());

  it("R13A-4: the client behind a trusted edge written as ip:port is the client, not the edge (a token's network list)", async () => {
    const ws = await newWorkspace(t);
    const named = await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'office', scopes: ['*'], allowedCidrs: INSIDE_LIST })
      .expect(201);
    const whoami = (xff: string) => t.http().get('/v1/whoami').set('X-Forwarded-For', xff).set(bearer(named.body.secret));
    // Control: the edge written without a port is trusted, and the client is the office.
    await whoami(`${INSIDE}, ${EDGE}`).expect(200);
    // The same hop with the port the gateway appends: the port is dropped from the client, but the
    // walk stopped at the edge (an `ip:port` is no address to the trust list) and took the edge for the client.
    const res = await whoami(`${INSIDE}, ${EDGE}:4431`);
    expect(res.status).toBe(200);
  });

  it("R13A-4: clients behind one trusted edge written as ip:port are not one rate-limit bucket (one client spends every other's limit)", async () => {
    for (let i = 1; i <= 3; i++)
      await t
        .http()
        .get('/v1/permissions')
        .set('X-Forwarded-For', `203.0.113.${i}, ${EDGE}:${40000 + i}`)
        .expect(200);
    // Another client, through the same edge: its own bucket.
    const res = await t.http().get('/v1/permissions').set('X-Forwarded-For', `192.0.2.77, ${EDGE}:40009`);
    expect(res.status).toBe(200);
  });
});
