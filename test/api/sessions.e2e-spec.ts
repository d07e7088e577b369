// "Your active sessions": GET /v1/me/sessions, DELETE /v1/me/sessions/:id, POST /v1/me/sessions/revoke-others.
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { bearer, createNamedToken, expectProblem, registerUser, RegisteredUser, PASSWORD } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('sessions', () => {
  let t: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(async () => {
    user = await registerUser(t);
  });
  afterAll(() => t.close());

  async function signIn(who: RegisteredUser, userAgent?: string): Promise<{ id: string; secret: string }> {
    const req = t.http().post('/v1/auth/login');
    if (userAgent !== undefined) req.set('User-Agent', userAgent);
    const res = await req.send({ email: who.email, password: PASSWORD }).expect(200);
    return { id: res.body.token.id, secret: res.body.token.secret };
  }

  async function sessionsOf(secret: string) {
    const res = await t.http().get('/v1/me/sessions').set(bearer(secret)).expect(200);
    return res.body.items as Array<Record<string, unknown>>;
  }

  it('lists live sessions with the browser, the last use and which one is the current', async () => {
    const laptop = await signIn(user, FIREFOX);
    const phone = await signIn(user, IPHONE);
    await t.http().get('/v1/me').set(bearer(phone.secret)).expect(200);
    await t.app.get(LastUsedRecorder).flush();

    const items = await sessionsOf(laptop.secret);
    expect(items.map((s) => s.id).sort()).toEqual([phone.id, laptop.id].sort());
    const byId = new Map(items.map((s) => [s.id, s]));
    expect(byId.get(laptop.id)).toMatchObject({
      current: true,
      signIn: true,
      device: 'Firefox on Linux',
      userAgent: FIREFOX,
      lastUsedAt: null,
    });
    expect(byId.get(phone.id)).toMatchObject({ current: false, signIn: true, device: 'Safari on iPhone', userAgent: IPHONE });
    expect(byId.get(phone.id)!.lastUsedAt).toBe(t.clock.now().toISOString());
    expect(byId.get(phone.id)!.lastUsedIp).toMatch(/127\.0\.0\.1/);
    expect(items).toHaveLength(2);
    // Never a secret or a hash.
    const text = JSON.stringify(items);
    expect(text).not.toContain(laptop.secret);
    expect(text).not.toContain('tokenHash');
    expect(text).not.toContain('hint');
  });

  it('lists exchanged sessions as such, and no personal or named token', async () => {
    await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    const exchanged = await t.http().post('/v1/auth/token').set(bearer(user.personalToken)).set('User-Agent', 'curl/8.5.0').expect(200);
    const items = await sessionsOf(user.personalToken);
    expect(items).toEqual([expect.objectContaining({ id: exchanged.body.token.id, signIn: false, current: false, device: 'curl/8.5.0' })]);
  });

  it('stores a hostile User-Agent printable and truncated, and never 500s on it', async () => {
    // What a client sends as UTF-8 arrives as bytes (latin1): \u202e is E2 80 AE, its 80 a C1 control.
    const bytes = Buffer.from(`\u202e<script>alert(1)</script>${'🚀'.repeat(400)}`, 'utf8').toString('latin1');
    const session = await signIn(user, bytes);
    const [item] = await sessionsOf(session.secret);
    const kept = item.userAgent as string;
    expect(kept).toContain('<script>alert(1)</script>');
    expect([...kept]).toHaveLength(256);
    // eslint-disable-next-line no-control-regex
    expect(kept).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect([...(item.device as string)].length).toBeLessThanOrEqual(80);
  });

  it('ends one session: it stops working at once, and ending it again is 204', async () => {
    const laptop = await signIn(user, FIREFOX);
    const phone = await signIn(user, IPHONE);
    await t.http().delete(`/v1/me/sessions/${phone.id}`).set(bearer(laptop.secret)).expect(204);
    expectProblem(await t.http().get('/v1/me').set(bearer(phone.secret)), 401, 'token_invalid');
    await t.http().delete(`/v1/me/sessions/${phone.id}`).set(bearer(laptop.secret)).expect(204);
    expect((await sessionsOf(laptop.secret)).map((s) => s.id)).toEqual([laptop.id]);
    const events = await t.http().get('/v1/me/audit-events').set(bearer(laptop.secret)).expect(200);
    expect(events.body.items.filter((e: { action: string }) => e.action === 'session.revoked')).toHaveLength(1);
  });

  it('ends the current session too (a sign-out)', async () => {
    const laptop = await signIn(user, FIREFOX);
    await t.http().delete(`/v1/me/sessions/${laptop.id}`).set(bearer(laptop.secret)).expect(204);
    expectProblem(await t.http().get('/v1/me').set(bearer(laptop.secret)), 401, 'token_invalid');
  });

  it('signs out everywhere else: every other session ends, this one and long-lived tokens keep working', async () => {
    const laptop = await signIn(user, FIREFOX);
    const phone = await signIn(user, IPHONE);
    const other = await signIn(user);
    const named = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
    const res = await t.http().post('/v1/me/sessions/revoke-others').set(bearer(laptop.secret)).expect(200);
    expect(res.body).toEqual({ revoked: 2 });
    for (const gone of [phone, other]) expectProblem(await t.http().get('/v1/me').set(bearer(gone.secret)), 401, 'token_invalid');
    await t.http().get('/v1/me').set(bearer(laptop.secret)).expect(200);
    await t.http().get('/v1/me').set(bearer(named.secret)).expect(200);
    await t.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
    expect((await t.http().post('/v1/me/sessions/revoke-others').set(bearer(laptop.secret)).expect(200)).body).toEqual({ revoked: 0 });
  });

  it('from a long-lived token, signs out every session', async () => {
    const laptop = await signIn(user, FIREFOX);
    const res = await t.http().post('/v1/me/sessions/revoke-others').set(bearer(user.personalToken)).expect(200);
    expect(res.body).toEqual({ revoked: 1 });
    expectProblem(await t.http().get('/v1/me').set(bearer(laptop.secret)), 401, 'token_invalid');
  });

  it('twice at once: both answer, the sessions end once', async () => {
    const laptop = await signIn(user, FIREFOX);
    await signIn(user, IPHONE);
    await signIn(user);
    const results = await Promise.all([1, 2].map(() => t.http().post('/v1/me/sessions/revoke-others').set(bearer(laptop.secret))));
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results.map((r) => r.body.revoked as number).reduce((a, b) => a + b)).toBe(2);
    await t.http().get('/v1/me').set(bearer(laptop.secret)).expect(200);
  });

  it("a workspace's token list marks the request's own token, so a console can warn before signing itself out", async () => {
    const ws = await newWorkspace(t, user);
    const laptop = await signIn(user, FIREFOX);
    const res = await t.http().get(`/v1/workspaces/${ws.id}/tokens`).set(bearer(laptop.secret)).expect(200);
    const current = res.body.items.filter((i: { current: boolean }) => i.current).map((i: { id: string }) => i.id);
    expect(current).toEqual([laptop.id]);
    const byPersonal = await t.http().get(`/v1/workspaces/${ws.id}/tokens`).set(bearer(user.personalToken)).expect(200);
    expect(byPersonal.body.items.filter((i: { current: boolean }) => i.current).map((i: { id: string }) => i.id)).toEqual([
      user.personalTokenId,
    ]);
  });

  describe('attacks', () => {
    it("another user's session is 404, and keeps working", async () => {
      const mallory = await registerUser(t);
      const victim = await signIn(user, FIREFOX);
      expectProblem(await t.http().delete(`/v1/me/sessions/${victim.id}`).set(bearer(mallory.personalToken)), 404, 'not_found');
      await t.http().get('/v1/me').set(bearer(victim.secret)).expect(200);
      expect((await sessionsOf(mallory.personalToken)).map((s) => s.id)).not.toContain(victim.id);
      expect((await t.http().post('/v1/me/sessions/revoke-others').set(bearer(mallory.personalToken)).expect(200)).body).toEqual({
        revoked: 0,
      });
      await t.http().get('/v1/me').set(bearer(victim.secret)).expect(200);
    });

    it('a token of the user that is no session is 404 here (revoke it through /v1/me/tokens)', async () => {
      const named = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
      expectProblem(await t.http().delete(`/v1/me/sessions/${named.id}`).set(bearer(user.personalToken)), 404, 'not_found');
      expectProblem(await t.http().delete(`/v1/me/sessions/${user.personalTokenId}`).set(bearer(user.personalToken)), 404, 'not_found');
      await t.http().get('/v1/me').set(bearer(named.secret)).expect(200);
    });

    it('a token without account scopes, restricted to a workspace, or of an API user is refused', async () => {
      const session = await signIn(user, FIREFOX);
      const ws = await newWorkspace(t, user);
      const readOnly = await createNamedToken(t, user.personalToken, { scopes: ['account:read'] });
      const devicesOnly = await createNamedToken(t, user.personalToken, { scopes: ['devices:read'] });
      const restricted = await createNamedToken(t, user.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
      const bot = await ws.apiUser({ roles: ['admin'] });

      await t.http().get('/v1/me/sessions').set(bearer(readOnly.secret)).expect(200);
      expectProblem(await t.http().post('/v1/me/sessions/revoke-others').set(bearer(readOnly.secret)), 403, 'insufficient_scope');
      expectProblem(await t.http().delete(`/v1/me/sessions/${session.id}`).set(bearer(readOnly.secret)), 403, 'insufficient_scope');
      expectProblem(await t.http().get('/v1/me/sessions').set(bearer(devicesOnly.secret)), 403, 'insufficient_scope');
      for (const secret of [restricted.secret, bot.token]) {
        expect((await t.http().get('/v1/me/sessions').set(bearer(secret))).status).toBe(403);
        expect((await t.http().post('/v1/me/sessions/revoke-others').set(bearer(secret))).status).toBe(403);
        expect((await t.http().delete(`/v1/me/sessions/${session.id}`).set(bearer(secret))).status).toBe(403);
      }
      expectProblem(await t.http().get('/v1/me/sessions'), 401, 'token_missing');
      await t.http().get('/v1/me').set(bearer(session.secret)).expect(200);
    });

    it('junk ids, bodies and queries answer 400, never 500', async () => {
      expectProblem(await t.http().delete('/v1/me/sessions/not-a-uuid').set(bearer(user.personalToken)), 400, 'validation_failed');
      expectProblem(
        await t
          .http()
          .delete(`/v1/me/sessions/${encodeURIComponent('ü'.repeat(100))}`)
          .set(bearer(user.personalToken)),
        400,
        'validation_failed',
      );
      expectProblem(
        await t.http().post('/v1/me/sessions/revoke-others').set(bearer(user.personalToken)).send({ all: true }),
        400,
        'validation_failed',
      );
      expectProblem(await t.http().get('/v1/me/sessions?limit=0').set(bearer(user.personalToken)), 400, 'validation_failed');
      expectProblem(await t.http().get('/v1/me/sessions?cursor=%F0%9F%9A%80').set(bearer(user.personalToken)), 400, 'validation_failed');
      expectProblem(await t.http().get('/v1/me/sessions?kind=named').set(bearer(user.personalToken)), 400, 'validation_failed');
    });

    it('pages', async () => {
      const sessions = [await signIn(user), await signIn(user), await signIn(user)];
      const first = await t.http().get('/v1/me/sessions?limit=2').set(bearer(user.personalToken)).expect(200);
      expect(first.body.items).toHaveLength(2);
      const second = await t
        .http()
        .get(`/v1/me/sessions?limit=2&cursor=${first.body.nextCursor}`)
        .set(bearer(user.personalToken))
        .expect(200);
      expect(second.body.nextCursor).toBeNull();
      expect([...first.body.items, ...second.body.items].map((s: { id: string }) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());
    });
  });
});
