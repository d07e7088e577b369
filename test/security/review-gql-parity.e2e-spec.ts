// Independent review of today's GraphQL fields against REST: another tenant's ids through one's own
// workspace (webhooks and their deliveries, invitations, sessions), the account fields as an API user,
// a mutation beside introspection, audit filters, the public invitation preview with junk, and secrets
// in later reads. Each answer is compared with what REST answers the same caller.
import { randomUUID } from 'node:crypto';
import { bearer, login } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql, type GqlResult } from '../graphql/gql';

const ENV = {
  LATCHKEY_OUTBOX_WORKER: 'off',
  LATCHKEY_WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
};

/** The GraphQL code a REST status stands for (docs/graphql.md, Errors). */
function codeOfStatus(status: number): string[] {
  if (status === 404) return ['NOT_FOUND'];
  if (status === 403) return ['FORBIDDEN', 'INSUFFICIENT_SCOPE', 'TOKEN_POLICY'];
  if (status === 400) return ['BAD_USER_INPUT'];
  // An anonymous REST route reads at most 8 KiB (413); GraphQL's one route reads more, and refuses the field.
  if (status === 413) return ['BAD_USER_INPUT'];
  if (status === 401) return ['TOKEN_MISSING', 'TOKEN_INVALID'];
  if (status === 409) return ['CONFLICT'];
  throw new Error(`no GraphQL code for ${status}`);
}

function expectParity(res: GqlResult, restStatus: number): void {
  expect(res.status).toBeLessThan(500);
  expect(codeOfStatus(restStatus)).toContain(codes(res)[0]);
}

describe('GraphQL review: parity with REST and another tenant', () => {
  let t: TestApp;
  let victim: WorkspaceFixture;
  let attacker: WorkspaceFixture;
  let hook: { id: string; secret: string };
  let victimDelivery: string;
  let attackerHook: string;

  beforeAll(async () => {
    t = await startTestApp(ENV);
    victim = await newWorkspace(t);
    attacker = await newWorkspace(t);
    const made = await t
      .http()
      .post(`/v1/workspaces/${victim.id}/webhooks`)
      .set(bearer(victim.owner.personalToken))
      .send({ url: 'https://hooks.example.com/victim', events: ['device.created'], description: 'victim hook' })
      .expect(201);
    hook = { id: made.body.endpoint.id, secret: made.body.secret };
    await victim.device({ name: 'victim-device' });
    const deliveries = await t
      .http()
      .get(`/v1/workspaces/${victim.id}/webhooks/${hook.id}/deliveries`)
      .set(bearer(victim.owner.personalToken))
      .expect(200);
    victimDelivery = deliveries.body.items[0].id;
    attackerHook = (
      await t
        .http()
        .post(`/v1/workspaces/${attacker.id}/webhooks`)
        .set(bearer(attacker.owner.personalToken))
        .send({ url: 'https://hooks.example.com/attacker', events: ['device.created'] })
        .expect(201)
    ).body.endpoint.id;
  });
  afterAll(() => t.close());

  const asAttacker = (q: string, v?: Record<string, unknown>) => gql(t, attacker.owner.personalToken, q, v);

  it("answers NOT_FOUND for another tenant's webhook and deliveries through the caller's own workspace, as REST answers 404", async () => {
    const w = attacker.id;
    const attempts: Array<[string, Record<string, unknown>, () => Promise<{ status: number }>]> = [
      [
        'query($w: ID!, $id: ID!) { workspace(id: $w) { webhook(id: $id) { id url deliveries { items { id payload } } } } }',
        { w, id: hook.id },
        () => t.http().get(`/v1/workspaces/${w}/webhooks/${hook.id}/deliveries`).set(bearer(attacker.owner.personalToken)),
      ],
      [
        'mutation($w: ID!, $id: ID!) { updateWebhook(workspaceId: $w, id: $id, input: { url: "https://evil.example.com/x" }) { id } }',
        { w, id: hook.id },
        () =>
          t
            .http()
            .patch(`/v1/workspaces/${w}/webhooks/${hook.id}`)
            .set(bearer(attacker.owner.personalToken))
            .send({ url: 'https://evil.example.com/x' }),
      ],
      [
        'mutation($w: ID!, $id: ID!) { rotateWebhookSecret(workspaceId: $w, id: $id) { secret } }',
        { w, id: hook.id },
        () => t.http().post(`/v1/workspaces/${w}/webhooks/${hook.id}/rotate-secret`).set(bearer(attacker.owner.personalToken)).send({}),
      ],
      [
        'mutation($w: ID!, $id: ID!) { sendTestWebhook(workspaceId: $w, id: $id) { id } }',
        { w, id: hook.id },
        () => t.http().post(`/v1/workspaces/${w}/webhooks/${hook.id}/test`).set(bearer(attacker.owner.personalToken)),
      ],
      [
        // The attacker's own endpoint, the victim's delivery: redelivering it would send the victim's payload to the attacker.
        'mutation($w: ID!, $id: ID!, $d: ID!) { redeliverWebhook(workspaceId: $w, id: $id, deliveryId: $d) { id payload } }',
        { w, id: attackerHook, d: victimDelivery },
        () =>
          t
            .http()
            .post(`/v1/workspaces/${w}/webhooks/${attackerHook}/deliveries/${victimDelivery}/redeliver`)
            .set(bearer(attacker.owner.personalToken)),
      ],
      [
        'mutation($w: ID!, $id: ID!) { deleteWebhook(workspaceId: $w, id: $id) { id } }',
        { w, id: hook.id },
        () => t.http().delete(`/v1/workspaces/${w}/webhooks/${hook.id}`).set(bearer(attacker.owner.personalToken)),
      ],
    ];
    for (const [q, v, rest] of attempts) {
      const res = await asAttacker(q, v);
      const restRes = await rest();
      expect({ q, rest: restRes.status }).toEqual({ q, rest: 404 });
      expect({ q, codes: codes(res) }).toEqual({ q, codes: ['NOT_FOUND'] });
      expect(JSON.stringify(res.body)).not.toContain('victim-device');
    }
    // The victim's endpoint is as it was.
    const still = await t.http().get(`/v1/workspaces/${victim.id}/webhooks/${hook.id}`).set(bearer(victim.owner.personalToken)).expect(200);
    expect(still.body.url).toBe('https://hooks.example.com/victim');
  });

  it('never shows a webhook secret again: not in reads, deliveries, nor the audit events of its creation and rotation', async () => {
    const rotated = await gql(
      t,
      victim.owner.personalToken,
      'mutation($w: ID!, $id: ID!) { rotateWebhookSecret(workspaceId: $w, id: $id) { secret } }',
      {
        w: victim.id,
        id: hook.id,
      },
    );
    const newSecret = (rotated.data?.rotateWebhookSecret as { secret: string }).secret;
    expect(newSecret).toMatch(/^whsec_/);
    const read = await gql(
      t,
      victim.owner.personalToken,
      'query($w: ID!, $id: ID!) { workspace(id: $w) { webhook(id: $id) { id description deliveries { items { payload responseBody lastError } } } auditEvents(limit: 200) { items { action details } } } }',
      { w: victim.id, id: hook.id },
    );
    expect(read.errors).toBeUndefined();
    const text = JSON.stringify(read.body);
    for (const secret of [hook.secret, newSecret]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice('whsec_'.length));
    }
  });

  it("refuses to end another user's session (NOT_FOUND, as REST's 404) and leaves it working", async () => {
    const session = await login(t, victim.owner.email);
    const listed = await gql(t, session, '{ sessions { items { id current } } }');
    const sessionId = (listed.data?.sessions as { items: Array<{ id: string; current: boolean }> }).items.find((s) => s.current)!.id;
    const res = await asAttacker('mutation($id: ID!) { revokeSession(id: $id) { id } }', { id: sessionId });
    const rest = await t.http().delete(`/v1/me/sessions/${sessionId}`).set(bearer(attacker.owner.personalToken));
    expect(rest.status).toBe(404);
    expect(codes(res)).toEqual(['NOT_FOUND']);
    const missing = await asAttacker('mutation($id: ID!) { revokeSession(id: $id) { id } }', { id: randomUUID() });
    expect(missing.errors?.[0].message).toBe(res.errors?.[0].message);
    await t.http().get('/v1/me').set(bearer(session)).expect(200);
    // The attacker's own list never shows it.
    const mine = await asAttacker('{ sessions(limit: 200) { items { id } } }');
    expect(JSON.stringify(mine.body)).not.toContain(sessionId);
  });

  it('answers the account fields to an API user and a narrow token as REST answers them', async () => {
    const bot = await attacker.apiUser({ roles: ['admin'] });
    const cases: Array<[string, () => Promise<{ status: number }>]> = [
      ['{ personalToken { id } }', () => t.http().get('/v1/me/personal-token').set(bearer(bot.token))],
      ['{ sessions { items { id } } }', () => t.http().get('/v1/me/sessions').set(bearer(bot.token))],
      ['{ auditEvents { items { id } } }', () => t.http().get('/v1/me/audit-events').set(bearer(bot.token))],
      ['mutation { updateMe(input: { name: "bot" }) { id } }', () => t.http().patch('/v1/me').set(bearer(bot.token)).send({ name: 'bot' })],
      ['mutation { sendEmailVerification }', () => t.http().post('/v1/me/email-verification').set(bearer(bot.token))],
      ['mutation { revokeOtherSessions { revoked } }', () => t.http().post('/v1/me/sessions/revoke-others').set(bearer(bot.token))],
      ['{ users { items { id email } } }', () => t.http().get('/v1/admin/users').set(bearer(bot.token))],
      [
        `mutation { deactivateUser(id: "${victim.owner.id}") { id } }`,
        () => t.http().post(`/v1/admin/users/${victim.owner.id}/deactivate`).set(bearer(bot.token)),
      ],
    ];
    for (const [q, rest] of cases) {
      const res = await gql(t, bot.token, q);
      const restRes = await rest();
      expect(restRes.status).toBeGreaterThanOrEqual(400);
      expect({ q, code: codeOfStatus(restRes.status).includes(codes(res)[0]) }).toEqual({ q, code: true });
      expect(JSON.stringify(res.body)).not.toContain(victim.owner.email);
    }
    // A user who is no platform admin: users and deactivateUser refused as REST refuses them.
    const users = await asAttacker('{ users { items { email } } }');
    expectParity(users, (await t.http().get('/v1/admin/users').set(bearer(attacker.owner.personalToken))).status);
    expect(JSON.stringify(users.body)).not.toContain(victim.owner.email);
    await t.http().get('/v1/me').set(bearer(victim.owner.personalToken)).expect(200);
  });

  it('updateMe: no password field, junk and huge names refused as REST refuses them, unicode kept', async () => {
    const withPassword = await asAttacker('mutation { updateMe(input: { name: "x", password: "new password 123456" }) { id } }');
    expect(codes(withPassword)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const huge = 'n'.repeat(10_000);
    const res = await asAttacker('mutation($n: String) { updateMe(input: { name: $n }) { id } }', { n: huge });
    expectParity(res, (await t.http().patch('/v1/me').set(bearer(attacker.owner.personalToken)).send({ name: huge })).status);
    const nul = await asAttacker('mutation($n: String) { updateMe(input: { name: $n }) { id } }', { n: 'a\u0000b' });
    expectParity(nul, (await t.http().patch('/v1/me').set(bearer(attacker.owner.personalToken)).send({ name: 'a\u0000b' })).status);
    const name = 'Zoë <img src=x onerror=alert(1)> 🔑';
    const ok = await asAttacker('mutation($n: String) { updateMe(input: { name: $n }) { name } }', { n: name });
    expect((ok.data?.updateMe as { name: string }).name).toBe(name);
  });

  it('admits a mutation sent beside __typename to the workspace it names: NOT_FOUND for another tenant, nothing made', async () => {
    const res = await asAttacker(
      'mutation($w: ID!) { __typename createDevice(workspaceId: $w, input: { name: "planted", serial: "SN-PLANTED" }) { id } }',
      {
        w: victim.id,
      },
    );
    expect(codes(res)).toEqual(['NOT_FOUND']);
    const mixed = await asAttacker(
      'query($mine: ID!, $theirs: ID!) { workspace(id: $mine) { id } tokenPolicyPreview(workspaceId: $theirs, input: { allowPersonalTokens: false }) { checked items { hint } } authorize(workspaceId: $theirs, permission: "devices:read") { allowed } }',
      { mine: attacker.id, theirs: victim.id },
    );
    expect(codes(mixed)).toEqual(['NOT_FOUND']);
    expect(JSON.stringify(mixed.body)).not.toContain('"checked"');
    const devices = await t.http().get(`/v1/workspaces/${victim.id}/devices`).set(bearer(victim.owner.personalToken)).expect(200);
    expect(JSON.stringify(devices.body)).not.toContain('planted');
  });

  it("updateInvitation of another tenant's invitation through one's own workspace: NOT_FOUND, as REST", async () => {
    const invited = await t
      .http()
      .post(`/v1/workspaces/${victim.id}/invitations`)
      .set(bearer(victim.owner.personalToken))
      .send({ email: 'someone@example.com', roleIds: [victim.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const id = invited.body.invitation.id;
    const res = await asAttacker(
      'mutation($w: ID!, $id: ID!, $r: [ID!]) { updateInvitation(workspaceId: $w, id: $id, input: { roleIds: $r }) { id } }',
      {
        w: attacker.id,
        id,
        r: [attacker.roles.admin],
      },
    );
    const rest = await t
      .http()
      .patch(`/v1/workspaces/${attacker.id}/invitations/${id}`)
      .set(bearer(attacker.owner.personalToken))
      .send({ roleIds: [attacker.roles.admin] });
    expect(rest.status).toBe(404);
    expect(codes(res)).toEqual(['NOT_FOUND']);
    // The public preview shows the victim's invitation to its link holder only, with the address masked.
    const preview = await gql(
      t,
      null,
      'query($s: String!) { invitationPreview(input: { token: $s }) { emailMasked workspace { name } } }',
      {
        s: invited.body.secret,
      },
    );
    expect(JSON.stringify(preview.body)).not.toContain('someone@example.com');
  });

  it('invitationPreview answers junk, huge and unicode secrets as REST does, never a 500 or a hint', async () => {
    for (const token of ['', 'lki_', 'lki_' + 'A'.repeat(5000), 'lki_☃☃☃', "lki_' OR 1=1 --", 'x'.repeat(20_000)]) {
      const res = await gql(t, null, 'query($s: String!) { invitationPreview(input: { token: $s }) { emailMasked } }', { s: token });
      const rest = await t.http().post('/v1/invitations/preview').send({ token });
      expect(rest.status).toBeLessThan(500);
      expect({ token: token.slice(0, 20), ok: codeOfStatus(rest.status).includes(codes(res)[0]) }).toEqual({
        token: token.slice(0, 20),
        ok: true,
      });
      expect(JSON.stringify(res.body)).not.toMatch(/SELECT|stack|at \w+ \(/);
    }
  });

  it('audit filters: junk refused as REST refuses it, another tenant’s ids find nothing', async () => {
    const deviceId = (await victim.device({ name: 'filtered' })).id;
    const q =
      'query($w: ID!, $f: String, $a: ID, $tid: ID, $p: String) { workspace(id: $w) { auditEvents(from: $f, actorId: $a, targetId: $tid, actionPrefix: $p) { items { id action } } } }';
    const foreign = await asAttacker(q, { w: attacker.id, tid: deviceId });
    expect(foreign.errors).toBeUndefined();
    expect(JSON.stringify(foreign.body)).not.toContain(deviceId);
    const byVictim = await asAttacker(q, { w: attacker.id, a: victim.owner.id });
    expect((byVictim.data?.workspace as { auditEvents: { items: unknown[] } }).auditEvents.items).toEqual([]);
    for (const [vars, query] of [
      [{ f: 'yesterday' }, 'from=yesterday'],
      [{ a: 'not-a-uuid' }, 'actorId=not-a-uuid'],
      [{ p: 'x'.repeat(5000) }, `actionPrefix=${'x'.repeat(5000)}`],
      [{ p: '%' }, 'actionPrefix=%25'],
    ] as Array<[Record<string, unknown>, string]>) {
      const res = await asAttacker(q, { w: attacker.id, ...vars });
      const rest = await t.http().get(`/v1/workspaces/${attacker.id}/audit-events?${query}`).set(bearer(attacker.owner.personalToken));
      expect(rest.status).toBeLessThan(500);
      if (rest.status === 200) expect({ query, errors: res.errors }).toEqual({ query, errors: undefined });
      else expectParity(res, rest.status);
    }
    // actionPrefix '%' is no LIKE wildcard: refused as input, or matching no action.
    const wild = await asAttacker(q, { w: victim.id, p: '%' });
    expect(codes(wild)).toEqual(['NOT_FOUND']);
    const ownWild = await gql(t, victim.owner.personalToken, q, { w: victim.id, p: '%' });
    if (ownWild.errors) expect(codes(ownWild)).toEqual(['BAD_USER_INPUT']);
    else expect((ownWild.data?.workspace as { auditEvents: { items: unknown[] } }).auditEvents.items).toEqual([]);
  });

  it("declining someone else's invitation by its id is NOT_FOUND as REST; a revoked invitation's link previews nothing", async () => {
    const invited = await t
      .http()
      .post(`/v1/workspaces/${victim.id}/invitations`)
      .set(bearer(victim.owner.personalToken))
      .send({ email: 'another.person@example.com', roleIds: [victim.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const id = invited.body.invitation.id;
    const res = await asAttacker('mutation($id: ID!) { declineInvitation(id: $id) { id } }', { id });
    const rest = await t.http().post(`/v1/invitations/${id}/decline`).set(bearer(attacker.owner.personalToken)).send({});
    expect(rest.status).toBe(404);
    expect(codes(res)).toEqual(['NOT_FOUND']);
    const withWrongSecret = await asAttacker('mutation($id: ID!, $s: String) { declineInvitation(id: $id, input: { token: $s }) { id } }', {
      id,
      s: 'lki_' + 'A'.repeat(40),
    });
    const restWrong = await t
      .http()
      .post(`/v1/invitations/${id}/decline`)
      .set(bearer(attacker.owner.personalToken))
      .send({ token: 'lki_' + 'A'.repeat(40) });
    expectParity(withWrongSecret, restWrong.status);
    const preview = 'query($s: String!) { invitationPreview(input: { token: $s }) { emailMasked } }';
    expect((await gql(t, null, preview, { s: invited.body.secret })).errors).toBeUndefined();
    await t.http().delete(`/v1/workspaces/${victim.id}/invitations/${id}`).set(bearer(victim.owner.personalToken)).expect(204);
    expect(codes(await gql(t, null, preview, { s: invited.body.secret }))).toEqual(['NOT_FOUND']);
  });
});
