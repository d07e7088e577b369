// The audit's identity findings (docs/security.md, docs/security/identity.md): H1 (platform admin by an unverified email), L4 (deactivation and
// sessions), L7 (look-alike emails), M2 (invitee email squatting), L2 (invitations outliving the
// inviter's rights). Each test names its finding and failed on the code before the fix.
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { IdentityHardening1765000000000 } from '../../src/database/migrations/1765000000000-IdentityHardening';
import {
  acceptAsVerified,
  bearer,
  createNamedToken,
  expectProblem,
  expectStatus,
  login,
  markEmailVerified,
  PASSWORD,
  RegisteredUser,
  registerUser,
  uniqueEmail,
} from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { ADMIN_EMAIL, startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
/** The listed ADMIN_EMAIL, registered and verified: a platform admin. */
let admin: RegisteredUser;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const suffix = () => randomBytes(3).toString('hex');

async function invite(
  ws: WorkspaceFixture,
  by: string,
  email: string,
  roleIds: string[],
  deviceAccess: object = { mode: 'all' },
): Promise<{ id: string; secret: string }> {
  const res = await t.http().post(`/v1/workspaces/${ws.id}/invitations`).set(bearer(by)).send({ email, roleIds, deviceAccess });
  expect(res.status).toBe(201);
  return { id: res.body.invitation.id, secret: res.body.secret };
}

/** Accepting needs a verified address: the user's is marked verified first. */
function accept(user: RegisteredUser, secret: string) {
  return acceptAsVerified(t, user.personalToken, { token: secret });
}

async function invitationStatus(ws: WorkspaceFixture, id: string): Promise<string> {
  const res = await t.http().get(`/v1/workspaces/${ws.id}/invitations`).set(bearer(ws.owner.personalToken)).expect(200);
  return res.body.items.find((i: { id: string }) => i.id === id).status;
}

function register(email: string) {
  return t.http().post('/v1/auth/register').send({ email, password: PASSWORD, name: 'Look Alike' });
}

describe('H1: platform admin only by id or by a verified email', () => {
  it('H1: whoever registers a listed email first (any spelling) gets no admin rights while it is unverified', async () => {
    const victim = await registerUser(t);
    admin = await registerUser(t, ADMIN_EMAIL.toUpperCase());
    expectProblem(await t.http().get('/v1/admin/users').set(bearer(admin.personalToken)), 403, 'forbidden');
    expectProblem(await t.http().post(`/v1/admin/users/${victim.id}/deactivate`).set(bearer(admin.personalToken)), 403, 'forbidden');
    await t.http().get('/v1/me').set(bearer(victim.personalToken)).expect(200);
  });

  it('H1: the same account is an admin once it has verified the listed address', async () => {
    await markEmailVerified(t, admin.id);
    await t.http().get('/v1/admin/users').set(bearer(admin.personalToken)).expect(200);
    // Another account verifying some other address gains nothing.
    const other = await registerUser(t);
    await markEmailVerified(t, other.id);
    expectProblem(await t.http().get('/v1/admin/users').set(bearer(other.personalToken)), 403, 'forbidden');
  });

  it('H1: a user listed by id is an admin without any verified email', async () => {
    const byId = await registerUser(t);
    expectProblem(await t.http().get('/v1/admin/users').set(bearer(byId.personalToken)), 403, 'forbidden');
    // As if LATCHKEY_PLATFORM_ADMINS also listed this id (the config object is the one the app reads;
    // a second app on the embedded test database is not possible).
    const userIds = t.config.platformAdmins.userIds as Set<string>;
    userIds.add(byId.id);
    try {
      await t.http().get('/v1/admin/users').set(bearer(byId.personalToken)).expect(200);
    } finally {
      userIds.delete(byId.id);
    }
  });

  it('H1: refuses to start on an entry that is neither a user id nor an email address', () => {
    for (const entry of ['ops', 'ops@', 'admin\u200d@example.com', 'аdmin@example.com']) {
      expect(() => loadConfig({ LATCHKEY_PLATFORM_ADMINS: `${ADMIN_EMAIL},${entry}` })).toThrow(ConfigError);
    }
    expect(loadConfig({ LATCHKEY_PLATFORM_ADMINS: ' ＡＤＭＩＮ＠example.com ' }).platformAdmins.emails).toEqual(new Set([ADMIN_EMAIL]));
  });

  it('H1: an API user or a session of a non-admin never reaches the admin routes', async () => {
    const ws = await newWorkspace(t);
    const bot = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'Bot', roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
      .expect(201);
    expectProblem(await t.http().get('/v1/admin/users').set(bearer(bot.body.token.secret)), 403, 'forbidden');
    expectProblem(
      await t
        .http()
        .get('/v1/admin/users')
        .set(bearer(await login(t, ws.owner.email))),
      403,
      'forbidden',
    );
  });
});

describe('L4: deactivation ends sessions for good', () => {
  it('L4: reactivation brings back personal and named tokens, not the login and exchanged sessions', async () => {
    const user = await registerUser(t);
    const named = await createNamedToken(t, user.personalToken, { scopes: ['account:read'] });
    const session = await login(t, user.email);
    const exchanged = (await t.http().post('/v1/auth/token').set(bearer(user.personalToken)).send({}).expect(200)).body.token.secret;
    await t.http().post(`/v1/admin/users/${user.id}/deactivate`).set(bearer(admin.personalToken)).expect(200);
    for (const secret of [user.personalToken, named.secret, session, exchanged]) {
      expectProblem(await t.http().get('/v1/me').set(bearer(secret)), 401, 'token_invalid');
    }
    await t.http().post(`/v1/admin/users/${user.id}/reactivate`).set(bearer(admin.personalToken)).expect(200);
    for (const secret of [user.personalToken, named.secret]) await t.http().get('/v1/me').set(bearer(secret)).expect(200);
    for (const secret of [session, exchanged]) expectProblem(await t.http().get('/v1/me').set(bearer(secret)), 401, 'token_invalid');
    // A new sign-in works.
    await t
      .http()
      .get('/v1/me')
      .set(bearer(await login(t, user.email)))
      .expect(200);
  });
});

describe('L7: one canonical form of an email address', () => {
  it('L7: fullwidth, upper-case and padded spellings of a registered address are the same account (409)', async () => {
    const local = `ops.${suffix()}`;
    const first = await register(`${local}@corp.test`).expect(201);
    expect(first.body.user.email).toBe(`${local}@corp.test`);
    const fullwidth = [...`${local}@corp.test`].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('');
    for (const email of [fullwidth, `${local.toUpperCase()}@CORP.TEST`, `  ${local}@corp.test `, `${local}＠corp．test`]) {
      expectProblem(await register(email), 409, 'conflict');
    }
  });

  it('L7: invisible and format characters are refused (zero-width joiner, bidi override, soft hyphen, BOM)', async () => {
    for (const email of [
      `ops\u200d${suffix()}@corp.test`,
      `\u202eops${suffix()}@corp.test`,
      `op\u00ads${suffix()}@corp.test`,
      `\ufeffops${suffix()}@corp.test`,
    ]) {
      const body = expectProblem(await register(email), 400, 'validation_failed');
      expect(body.errors).toContainEqual({ field: 'email', message: 'must not contain invisible or formatting characters' });
    }
  });

  it('L7: look-alike mailboxes (dotless ı, Cyrillic а, NFD accents) are refused, not registered beside the real one', async () => {
    await register(`admin-${suffix()}@example.org`).expect(201);
    for (const email of [
      `admın-${suffix()}@example.org`,
      `аdmin-${suffix()}@example.org`,
      `jose\u0301-${suffix()}@example.org`,
      `jos\u00e9-${suffix()}@example.org`,
    ]) {
      const body = expectProblem(await register(email), 400, 'validation_failed');
      expect(body.errors).toContainEqual({ field: 'email', message: 'must use only ASCII characters before the @' });
    }
  });

  it('L7: a Unicode domain is stored as its punycode A-label, one account for both spellings', async () => {
    const local = `ada-${suffix()}`;
    const res = await register(`${local}@bücher.example`).expect(201);
    expect(res.body.user.email).toBe(`${local}@xn--bcher-kva.example`);
    expectProblem(await register(`${local}@xn--bcher-kva.example`), 409, 'conflict');
    expectProblem(await register(`${local}@bu\u0308cher.example`), 409, 'conflict');
  });

  it('L7: login and invitations compare the canonical form, so any spelling reaches the one account', async () => {
    const user = await registerUser(t, `grace-${suffix()}@example.com`);
    const fullwidth = [...user.email].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('');
    await t.http().post('/v1/auth/login').send({ email: fullwidth, password: PASSWORD }).expect(200);
    await t.http().post('/v1/auth/login').send({ email: user.email.toUpperCase(), password: PASSWORD }).expect(200);
    const ws = await newWorkspace(t);
    const invitation = await invite(ws, ws.owner.personalToken, fullwidth, [ws.roles.viewer]);
    expect((await t.http().get(`/v1/workspaces/${ws.id}/invitations`).set(bearer(ws.owner.personalToken))).body.items[0].email).toBe(
      user.email,
    );
    await expectStatus(accept(user, invitation.secret), 200);
    // A member's address in another spelling is a member already.
    expectProblem(
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(ws.owner.personalToken))
        .send({ email: user.email.toUpperCase(), roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } }),
      409,
      'conflict',
    );
  });

  it('L7: two spellings of one address registered at once make one account (201 and 409)', async () => {
    const local = `race-${suffix()}`;
    const fullwidth = [...local].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('');
    const results = await Promise.all([register(`${local}@corp.test`), register(`${fullwidth}@CORP.test`)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('L7: junk is a 400, never a 500: huge, non-string, sharp s, Cyrillic domain shown as punycode', async () => {
    expectProblem(await register(`${'ａ'.repeat(2000)}@corp.test`), 400, 'validation_failed');
    // Past the 8 KiB limit of the sign-up route (H2) the body is not read at all.
    expectProblem(await register(`${'ａ'.repeat(5000)}@corp.test`), 413, 'payload_too_large');
    expectProblem(await register(42 as unknown as string), 400, 'validation_failed');
    expectProblem(await register(`stra\u00dfe-${suffix()}@corp.test`), 400, 'validation_failed');
    const cyrillicDomain = await register(`ops-${suffix()}@corp.tеst`).expect(201);
    expect(cyrillicDomain.body.user.email).toMatch(/@corp\.xn--tst-rdd$/);
    expectProblem(
      await t.http().post('/v1/auth/login').send({ email: 'x\u200d@corp.test', password: PASSWORD }),
      401,
      'invalid_credentials',
    );
  });

  it('L7: an invitation to a look-alike address is refused', async () => {
    const ws = await newWorkspace(t);
    const res = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(ws.owner.personalToken))
      .send({ email: 'gr\u200dace@example.com', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } });
    expectProblem(res, 400, 'validation_failed');
  });
});

describe('M2: invitations are seen and declined only by a verified owner of the address, or with the secret', () => {
  it('M2: an account that registered the address first (unverified) sees none of its invitations', async () => {
    const ws = await newWorkspace(t);
    const email = uniqueEmail('invitee');
    await invite(ws, ws.owner.personalToken, email, [ws.roles.admin]);
    const squatter = await registerUser(t, email);
    const res = await t.http().get('/v1/me/invitations').set(bearer(squatter.personalToken)).expect(200);
    expect(res.body.items).toEqual([]);
    expect(res.body.nextCursor).toBeNull();
  });

  it('M2: without the secret, an unverified account cannot decline (404) and the invitation stays pending', async () => {
    const ws = await newWorkspace(t);
    const email = uniqueEmail('invitee');
    const invitation = await invite(ws, ws.owner.personalToken, email, [ws.roles.viewer]);
    const squatter = await registerUser(t, email);
    expectProblem(await t.http().post(`/v1/invitations/${invitation.id}/decline`).set(bearer(squatter.personalToken)), 404, 'not_found');
    expectProblem(
      await t.http().post(`/v1/invitations/${invitation.id}/decline`).set(bearer(squatter.personalToken)).send({}),
      404,
      'not_found',
    );
    expect(await invitationStatus(ws, invitation.id)).toBe('pending');
  });

  it('M2: the secret of another invitation, or a malformed one, declines nothing', async () => {
    const ws = await newWorkspace(t);
    const user = await registerUser(t);
    const mine = await invite(ws, ws.owner.personalToken, user.email, [ws.roles.viewer]);
    const otherWs = await newWorkspace(t);
    const other = await invite(otherWs, otherWs.owner.personalToken, user.email, [otherWs.roles.viewer]);
    expectProblem(
      await t.http().post(`/v1/invitations/${mine.id}/decline`).set(bearer(user.personalToken)).send({ token: other.secret }),
      404,
      'not_found',
    );
    expectProblem(
      await t.http().post(`/v1/invitations/${mine.id}/decline`).set(bearer(user.personalToken)).send({ token: 'lki_nope' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.http().post(`/v1/invitations/${mine.id}/decline`).set(bearer(user.personalToken)).send({ token: mine.secret, extra: 1 }),
      400,
      'validation_failed',
    );
    expect(await invitationStatus(ws, mine.id)).toBe('pending');
  });

  it('M2: with the secret, the invited account declines; another account holding the secret cannot (403)', async () => {
    const ws = await newWorkspace(t);
    const user = await registerUser(t);
    const invitation = await invite(ws, ws.owner.personalToken, user.email, [ws.roles.viewer]);
    const stranger = await registerUser(t);
    expectProblem(
      await t
        .http()
        .post(`/v1/invitations/${invitation.id}/decline`)
        .set(bearer(stranger.personalToken))
        .send({ token: invitation.secret }),
      403,
      'forbidden',
    );
    await t
      .http()
      .post(`/v1/invitations/${invitation.id}/decline`)
      .set(bearer(user.personalToken))
      .send({ token: invitation.secret })
      .expect(204);
    expect(await invitationStatus(ws, invitation.id)).toBe('declined');
  });

  it('M2: declining twice at once with the secret: one 204, one 409, one audit event', async () => {
    const ws = await newWorkspace(t);
    const user = await registerUser(t);
    const invitation = await invite(ws, ws.owner.personalToken, user.email, [ws.roles.viewer]);
    const decline = () =>
      t.http().post(`/v1/invitations/${invitation.id}/decline`).set(bearer(user.personalToken)).send({ token: invitation.secret });
    const results = await Promise.all([decline(), decline()]);
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'invitation.declined' AND target_id = $1`,
      [invitation.id],
    );
    expect(n).toBe(1);
  });

  it('M2: a verified owner of the address sees its invitations and declines without the secret', async () => {
    const ws = await newWorkspace(t);
    const user = await registerUser(t);
    const invitation = await invite(ws, ws.owner.personalToken, user.email, [ws.roles.viewer]);
    await markEmailVerified(t, user.id);
    const res = await t.http().get('/v1/me/invitations').set(bearer(user.personalToken)).expect(200);
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([invitation.id]);
    await t.http().post(`/v1/invitations/${invitation.id}/decline`).set(bearer(user.personalToken)).expect(204);
    expect(await invitationStatus(ws, invitation.id)).toBe('declined');
  });

  it('M2: a declined invitation can be resent (new secret, pending again) and accepted; a new one can be issued too', async () => {
    const ws = await newWorkspace(t);
    const user = await registerUser(t);
    const invitation = await invite(ws, ws.owner.personalToken, user.email, [ws.roles.viewer]);
    await t
      .http()
      .post(`/v1/invitations/${invitation.id}/decline`)
      .set(bearer(user.personalToken))
      .send({ token: invitation.secret })
      .expect(204);
    const resent = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations/${invitation.id}/resend`)
      .set(bearer(ws.owner.personalToken))
      .send({})
      .expect(200);
    expect(resent.body.invitation).toMatchObject({ status: 'pending', declinedAt: null });
    expectProblem(await accept(user, invitation.secret), 404, 'not_found');
    await expectStatus(accept(user, resent.body.secret), 200);

    const other = await registerUser(t);
    const declined = await invite(ws, ws.owner.personalToken, other.email, [ws.roles.viewer]);
    await t
      .http()
      .post(`/v1/invitations/${declined.id}/decline`)
      .set(bearer(other.personalToken))
      .send({ token: declined.secret })
      .expect(204);
    const again = await invite(ws, ws.owner.personalToken, other.email, [ws.roles.viewer]);
    await expectStatus(accept(other, again.secret), 200);
  });
});

describe('L2: an invitation grants only what its inviter can still grant when it is accepted', () => {
  /** A workspace with an admin who invites `invitee` as admin; returns what the test needs. */
  async function adminInvites(deviceAccess: object = { mode: 'all' }) {
    const ws = await newWorkspace(t);
    const inviter = await registerUser(t);
    const forInviter = await invite(ws, ws.owner.personalToken, inviter.email, [ws.roles.admin]);
    await expectStatus(accept(inviter, forInviter.secret), 200);
    const invitee = await registerUser(t);
    const invitation = await invite(ws, inviter.personalToken, invitee.email, [ws.roles.admin], deviceAccess);
    return { ws, inviter, invitee, invitation };
  }

  it('L2: after the inviting admin is removed, the invitation is revoked (409); someone entitled invites again', async () => {
    const { ws, inviter, invitee, invitation } = await adminInvites();
    await t.http().delete(`/v1/workspaces/${ws.id}/members/${inviter.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    expectProblem(await accept(invitee, invitation.secret), 409, 'conflict');
    // Revoked with the membership that sent it (test/security/membership-end.e2e-spec.ts): not resent, but made anew.
    expectProblem(
      await t.http().post(`/v1/workspaces/${ws.id}/invitations/${invitation.id}/resend`).set(bearer(ws.owner.personalToken)).send({}),
      409,
      'conflict',
    );
    const again = await invite(ws, ws.owner.personalToken, invitee.email, [ws.roles.admin]);
    const res = await expectStatus(accept(invitee, again.secret), 200);
    expect(res.body.member.roles.map((r: { name: string }) => r.name)).toEqual(['admin']);
  });

  it('L2: after the inviting admin is demoted to member, the invitation cannot be accepted (409)', async () => {
    const { ws, inviter, invitee, invitation } = await adminInvites();
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/members/${inviter.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ roleIds: [ws.roles.member] })
      .expect(200);
    expectProblem(await accept(invitee, invitation.secret), 409, 'conflict');
  });

  it("L2: after the inviter's device access is narrowed, an invitation with access to all devices cannot be accepted (409)", async () => {
    const { ws, inviter, invitee, invitation } = await adminInvites();
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/members/${inviter.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ deviceAccess: { mode: 'selected', deviceIds: [] } })
      .expect(200);
    expectProblem(await accept(invitee, invitation.secret), 409, 'conflict');
  });

  it('L2: after the inviter is deactivated, the invitation cannot be accepted (409)', async () => {
    const { inviter, invitee, invitation } = await adminInvites();
    await t.http().post(`/v1/admin/users/${inviter.id}/deactivate`).set(bearer(admin.personalToken)).expect(200);
    expectProblem(await accept(invitee, invitation.secret), 409, 'conflict');
  });

  it("L2: an API user's invitation lapses when the API user is disabled or deleted", async () => {
    const ws = await newWorkspace(t);
    const make = async (name: string) =>
      (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users`)
          .set(bearer(ws.owner.personalToken))
          .send({ name, roleIds: [ws.roles.admin], deviceAccess: { mode: 'all' } })
          .expect(201)
      ).body;
    const [disabled, deleted, kept] = [await make('Disabled'), await make('Deleted'), await make('Kept')];
    const invitees = [await registerUser(t), await registerUser(t), await registerUser(t)];
    const invitations = [];
    for (const [i, bot] of [disabled, deleted, kept].entries())
      invitations.push(await invite(ws, bot.token.secret, invitees[i].email, [ws.roles.admin]));
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/api-users/${disabled.apiUser.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ status: 'disabled' })
      .expect(200);
    await t.http().delete(`/v1/workspaces/${ws.id}/api-users/${deleted.apiUser.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    expectProblem(await accept(invitees[0], invitations[0].secret), 409, 'conflict');
    expectProblem(await accept(invitees[1], invitations[1].secret), 409, 'conflict');
    await expectStatus(accept(invitees[2], invitations[2].secret), 200);
  });

  it('L2: removing the inviter while the invitee accepts: no 5xx, no deadlock; the accept either came first or is refused', async () => {
    const { ws, inviter, invitee, invitation } = await adminInvites();
    const [removed, accepted] = await Promise.all([
      t.http().delete(`/v1/workspaces/${ws.id}/members/${inviter.id}`).set(bearer(ws.owner.personalToken)),
      accept(invitee, invitation.secret),
    ]);
    expect(removed.status).toBe(204);
    expect([200, 409]).toContain(accepted.status);
  });

  it('L2: an inviter who keeps the rights still gets the invitation accepted', async () => {
    const { invitee, invitation } = await adminInvites();
    await expectStatus(accept(invitee, invitation.secret), 200);
  });
});

describe('L7: the migration', () => {
  it('L7: canonicalises existing addresses; of two that fold together the canonical (else older) one keeps it', async () => {
    const migration = new IdentityHardening1765000000000();
    const ws = await newWorkspace(t);
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await migration.down(runner);
      const tag = suffix();
      const insert = (email: string, at: string) =>
        runner.query(
          `INSERT INTO users (id, email, name, password_hash, status, created_at, updated_at) VALUES (gen_random_uuid(), $1, 'Legacy', 'x', 'active', $2, $2) RETURNING id`,
          [email, at],
        );
      const [mixed] = await insert(`Legacy.${tag}@Example.COM`, '2020-01-01');
      const [fullwidthOld] = await insert(`ｆｗ${tag}@example.com`, '2020-01-01');
      const [asciiNew] = await insert(`fw${tag}@example.com`, '2021-01-01');
      const [twinOld] = await insert(`\ufb01x${tag}@example.com`, '2020-01-01'); // the ﬁ ligature
      const [twinNew] = await insert(`FIX${tag}@example.com`, '2021-01-01');
      const [invitation] = await runner.query(
        `INSERT INTO invitations (id, workspace_id, email, role_ids, device_access, token_hash, hint, created_at, expires_at)
         VALUES (gen_random_uuid(), $1, $2, '{}', 'all', $3, 'lki_…', now(), now() + interval '1 day') RETURNING id`,
        [ws.id, `Invitee.${tag}@Bücher.Example`, `hash-${tag}`],
      );
      await migration.up(runner);
      const emailOf = async (id: string) => (await runner.query(`SELECT email FROM users WHERE id = $1`, [id]))[0].email;
      expect(await emailOf(mixed.id)).toBe(`legacy.${tag}@example.com`);
      expect(await emailOf(asciiNew.id)).toBe(`fw${tag}@example.com`);
      expect(await emailOf(fullwidthOld.id)).toBe(`ｆｗ${tag}@example.com`);
      expect(await emailOf(twinOld.id)).toBe(`fix${tag}@example.com`);
      expect(await emailOf(twinNew.id)).toBe(`FIX${tag}@example.com`);
      const [row] = await runner.query(`SELECT email FROM invitations WHERE id = $1`, [invitation.id]);
      expect(row.email).toBe(`invitee.${tag}@xn--bcher-kva.example`);
      const [{ verified }] = await runner.query(`SELECT count(email_verified_at)::int AS verified FROM users`);
      expect(verified).toBe(0);
    } finally {
      await runner.release();
    }
  });
});
