// Attacks on /graphql and the REST changes that landed with it, as a hostile tenant, a lower-privileged
// member, an API user, restricted / short-lived / narrow-scoped tokens, junk input and concurrency.
// A passing test documents a defence; an `it.failing` asserts the SAFE behaviour of a hole that is open
// today (its comment names the hole).
import { randomUUID } from 'node:crypto';
import { bearer, createNamedToken, expectProblem } from '../support/api';
import { newWorkspace, type WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql, type GqlResult } from '../graphql/gql';

/** No answer may carry a stack, SQL or driver text, whatever failed. */
function expectNoLeak(res: GqlResult | { status: number; body: unknown; text?: string }): void {
  const text = JSON.stringify((res as { body: unknown }).body);
  expect(res.status).not.toBe(500);
  expect(text).not.toMatch(
    /INTERNAL|\bat [\w.<>]+ \(|node_modules|QueryFailedError|SELECT |INSERT |UPDATE |violates|duplicate key|syntax error at|pg_|postgres/i,
  );
}

const DEVICE_Q = 'query($w: ID!, $d: ID!) { workspace(id: $w) { device(id: $d) { id name } } }';

/** `mutation(<only the variables m uses>) { m: <m> }`: every variable here is an ID. */
function mutationDoc(m: string): string {
  const used = [...new Set([...m.matchAll(/\$(\w+)/g)].map((x) => x[1]))];
  return `mutation${used.length ? `(${used.map((v) => `$${v}: ID!`).join(', ')})` : ''} { m: ${m} }`;
}

describe('GraphQL attacks', () => {
  let t: TestApp;
  let victim: WorkspaceFixture;
  let attacker: WorkspaceFixture;
  let victimDevice: string;
  let attackerDevice: string;

  beforeAll(async () => {
    t = await startTestApp();
    victim = await newWorkspace(t);
    attacker = await newWorkspace(t);
    victimDevice = (await victim.device({ metadata: { secret: 'victim-only' } })).id;
    attackerDevice = (await attacker.device()).id;
  });
  afterAll(() => t.close());

  describe('a hostile tenant', () => {
    it('"not yours" and "does not exist" answer the same for a workspace, by id, alias, fragment and variable', async () => {
      const q = 'query($w: ID!) { workspace(id: $w) { ...W } } fragment W on Workspace { id name members { items { email } } }';
      const foreign = await gql(t, attacker.owner.personalToken, q, { w: victim.id });
      const missing = await gql(t, attacker.owner.personalToken, q, { w: randomUUID() });
      expect(foreign.data).toBeNull();
      expect(codes(foreign)).toEqual(['NOT_FOUND']);
      expect(foreign.errors?.map((e) => e.message)).toEqual(missing.errors?.map((e) => e.message));
      expect(foreign.status).toBe(missing.status);

      const aliased = await gql(
        t,
        attacker.owner.personalToken,
        'query($mine: ID!, $theirs: ID!) { a: workspace(id: $mine) { id } b: workspace(id: $theirs) { id devices { items { id metadata } } } }',
        { mine: attacker.id, theirs: victim.id },
      );
      expect(JSON.stringify(aliased.body)).not.toContain('victim-only');
      expect(JSON.stringify(aliased.body)).not.toContain(victimDevice);
      expect(codes(aliased)).toEqual(['NOT_FOUND']);
    });

    it("another tenant's device through its own workspace answers as a device that does not exist", async () => {
      const foreign = await gql(t, attacker.owner.personalToken, DEVICE_Q, { w: attacker.id, d: victimDevice });
      const missing = await gql(t, attacker.owner.personalToken, DEVICE_Q, { w: attacker.id, d: randomUUID() });
      expect(codes(foreign)).toEqual(['NOT_FOUND']);
      expect(foreign.errors?.[0].message).toBe(missing.errors?.[0].message);
      // Upper-case id: the same answer (ids compared in lower case)
      const upper = await gql(t, attacker.owner.personalToken, DEVICE_Q, { w: attacker.id, d: victimDevice.toUpperCase() });
      expect(upper.errors?.[0].message).toBe(missing.errors?.[0].message);
    });

    it('authorize does not tell a foreign workspace from one that does not exist, nor a foreign device from a missing one', async () => {
      const ask = (w: string, d?: string) =>
        gql(
          t,
          attacker.owner.personalToken,
          'query($w: ID!, $d: ID) { authorize(workspaceId: $w, permission: "devices:read", deviceId: $d) { allowed code reason } }',
          { w, d },
        );
      const strip = (r: GqlResult) => JSON.stringify({ data: r.data, errors: r.errors?.map((e) => [e.message, e.extensions?.code]) });
      expect(strip(await ask(victim.id))).toBe(strip(await ask(randomUUID())));
      expect(strip(await ask(victim.id, victimDevice))).toBe(strip(await ask(randomUUID(), randomUUID())));
      expect(strip(await ask(attacker.id, victimDevice))).toBe(strip(await ask(attacker.id, randomUUID())));
      expect((await ask(attacker.id, attackerDevice)).data).toEqual({ authorize: { allowed: true, code: null, reason: null } });
    });

    it('every mutation aimed at the victim changes nothing and says nothing', async () => {
      const v = { w: victim.id, d: victimDevice, u: victim.owner.id, r: victim.roles.viewer };
      const mutations = [
        'updateWorkspace(id: $w, input: { name: "pwned" }) { id }',
        'deleteWorkspace(id: $w) { id }',
        'setTokenPolicy(workspaceId: $w, input: { maxLifetimeDays: 1, allowPersonalTokens: false }) { maxLifetimeDays }',
        'updateDevice(workspaceId: $w, id: $d, input: { name: "pwned" }) { id }',
        'deleteDevice(workspaceId: $w, id: $d) { id }',
        'updateMember(workspaceId: $w, userId: $u, input: { roleIds: [$r] }) { userId }',
        'removeMember(workspaceId: $w, userId: $u) { id }',
        'createRole(workspaceId: $w, input: { name: "x", permissions: ["devices:read"] }) { id }',
        'createInvitation(workspaceId: $w, input: { email: "x@example.com", roleIds: [$r], deviceAccess: { mode: "all" } }) { secret }',
      ];
      for (const m of mutations) {
        const res = await gql(t, attacker.owner.personalToken, mutationDoc(m), v);
        expect({ m, codes: codes(res) }).toEqual({ m, codes: ['NOT_FOUND'] });
      }
      const ws = await t.http().get(`/v1/workspaces/${victim.id}`).set(bearer(victim.owner.personalToken)).expect(200);
      expect(ws.body.name).not.toBe('pwned');
      await t.http().get(`/v1/workspaces/${victim.id}/devices/${victimDevice}`).set(bearer(victim.owner.personalToken)).expect(200);
    });

    it("the victim's ids inside the attacker's own workspace: items answer NOT_FOUND as missing ones, mutations change nothing", async () => {
      const vRole = await victim.role(['devices:read']);
      const vBot = await victim.apiUser({ roles: ['viewer'] });
      const vNamed = await createNamedToken(t, victim.owner.personalToken, { scopes: ['*'] });
      const aBot = await attacker.apiUser({ roles: ['viewer'] });
      const items = [
        ['member(userId: $x) { userId email }', victim.owner.id],
        ['role(id: $x) { id name }', vRole],
        ['apiUser(id: $x) { id name }', vBot.id],
        ['device(id: $x) { id metadata }', victimDevice],
      ] as const;
      for (const [field, id] of items) {
        const q = `query($w: ID!, $x: ID!) { workspace(id: $w) { ${field} } }`;
        const foreign = await gql(t, attacker.owner.personalToken, q, { w: attacker.id, x: id });
        const missing = await gql(t, attacker.owner.personalToken, q, { w: attacker.id, x: randomUUID() });
        expect({ field, codes: codes(foreign), message: foreign.errors?.[0].message }).toEqual({
          field,
          codes: ['NOT_FOUND'],
          message: missing.errors?.[0].message,
        });
      }
      const v = {
        w: attacker.id,
        vr: vRole,
        vd: victimDevice,
        vb: vBot.id,
        vbt: vBot.tokenId,
        ab: aBot.id,
        vn: vNamed.id,
        vu: victim.owner.id,
      };
      const mutations = [
        'updateDevice(workspaceId: $w, id: $vd, input: { name: "pwned" }) { id }',
        'deleteDevice(workspaceId: $w, id: $vd) { id }',
        'updateRole(workspaceId: $w, id: $vr, input: { permissions: ["devices:read", "devices:delete"] }) { id }',
        'deleteRole(workspaceId: $w, id: $vr) { id }',
        'updateApiUser(workspaceId: $w, id: $vb, input: { status: "disabled" }) { id }',
        'deleteApiUser(workspaceId: $w, id: $vb) { id }',
        'createApiUserToken(workspaceId: $w, apiUserId: $vb, input: { name: "x" }) { secret }',
        'rotateApiUserToken(workspaceId: $w, apiUserId: $vb, tokenId: $vbt) { secret }',
        'rotateApiUserToken(workspaceId: $w, apiUserId: $ab, tokenId: $vbt) { secret }',
        'revokeApiUserToken(workspaceId: $w, apiUserId: $ab, tokenId: $vbt) { id }',
        'revokeWorkspaceToken(workspaceId: $w, tokenId: $vbt) { id }',
        'revokeWorkspaceToken(workspaceId: $w, tokenId: $vn) { id }',
        'removeMember(workspaceId: $w, userId: $vu) { id }',
        'createApiUser(workspaceId: $w, input: { name: "x", roleIds: [$vr], deviceAccess: { mode: "all" } }) { token { secret } }',
        'createInvitation(workspaceId: $w, input: { email: "x@example.com", roleIds: [$vr], deviceAccess: { mode: "all" } }) { secret }',
        'updateApiUser(workspaceId: $w, id: $ab, input: { deviceAccess: { mode: "selected", deviceIds: [$vd] } }) { id }',
        'updateApiUser(workspaceId: $w, id: $ab, input: { roleIds: [$vr] }) { id }',
      ];
      for (const m of mutations) {
        const res = await gql(t, attacker.owner.personalToken, mutationDoc(m), v);
        expect({ m, data: res.data }).toEqual({ m, data: null });
        expectNoLeak(res);
      }
      for (const m of ['rotateToken(id: $vn) { secret }', 'revokeToken(id: $vn) { id }']) {
        const res = await gql(t, attacker.owner.personalToken, mutationDoc(m), v);
        expect({ m, codes: codes(res) }).toEqual({ m, codes: ['NOT_FOUND'] });
      }
      // The victim's things are intact
      expect((await gql(t, vBot.token, '{ me { __typename } }')).status).toBe(200);
      expect((await gql(t, vNamed.secret, '{ me { __typename } }')).status).toBe(200);
      const role = await t.http().get(`/v1/workspaces/${victim.id}/roles/${vRole}`).set(bearer(victim.owner.personalToken)).expect(200);
      expect(role.body.permissions).toEqual(['devices:read']);
      const dev = await t
        .http()
        .get(`/v1/workspaces/${victim.id}/devices/${victimDevice}`)
        .set(bearer(victim.owner.personalToken))
        .expect(200);
      expect(dev.body.name).not.toBe('pwned');
    });

    it('a named token restricted to workspaces the caller is not in reaches nothing there', async () => {
      const res = await gql(
        t,
        attacker.owner.personalToken,
        'mutation($w: [ID!]) { createToken(input: { name: "x", scopes: ["*"], workspaceIds: $w }) { secret } }',
        { w: [victim.id] },
      );
      const secret = (res.data?.createToken as { secret?: string } | null)?.secret;
      if (secret) {
        expect(codes(await gql(t, secret, 'query($w: ID!) { workspace(id: $w) { id } }', { w: victim.id }))).toEqual(['NOT_FOUND']);
      } else {
        expect(codes(res).length).toBeGreaterThan(0);
      }
    });
  });

  describe('a lower-privileged member', () => {
    it('a viewer can run no mutation of the workspace', async () => {
      const ws = await newWorkspace(t);
      const viewer = await ws.member('viewer');
      const d = (await ws.device()).id;
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const v = { w: ws.id, d, u: ws.owner.id, r: ws.roles.viewer, b: bot.id, bt: bot.tokenId };
      const mutations = [
        'updateWorkspace(id: $w, input: { name: "x" }) { id }',
        'deleteWorkspace(id: $w) { id }',
        'setTokenPolicy(workspaceId: $w, input: { maxLifetimeDays: 1, allowPersonalTokens: false }) { maxLifetimeDays }',
        'createDevice(workspaceId: $w, input: { name: "x", serial: "V-1" }) { id }',
        'updateDevice(workspaceId: $w, id: $d, input: { name: "x" }) { id }',
        'deleteDevice(workspaceId: $w, id: $d) { id }',
        'updateMember(workspaceId: $w, userId: $u, input: { roleIds: [$r] }) { userId }',
        'removeMember(workspaceId: $w, userId: $u) { id }',
        'createRole(workspaceId: $w, input: { name: "x", permissions: ["devices:read"] }) { id }',
        'createInvitation(workspaceId: $w, input: { email: "x@example.com", roleIds: [$r], deviceAccess: { mode: "all" } }) { secret }',
        'createApiUser(workspaceId: $w, input: { name: "x", roleIds: [$r], deviceAccess: { mode: "all" } }) { token { secret } }',
        'updateApiUser(workspaceId: $w, id: $b, input: { status: "disabled" }) { id }',
        'createApiUserToken(workspaceId: $w, apiUserId: $b, input: { name: "x" }) { secret }',
        'rotateApiUserToken(workspaceId: $w, apiUserId: $b, tokenId: $bt) { secret }',
        'revokeApiUserToken(workspaceId: $w, apiUserId: $b, tokenId: $bt) { id }',
        'revokeWorkspaceToken(workspaceId: $w, tokenId: $bt) { id }',
      ];
      for (const m of mutations) {
        const res = await gql(t, viewer.personalToken, mutationDoc(m), v);
        expect({ m, data: res.data, code: codes(res)[0] }).toEqual({
          m,
          data: null,
          code: expect.stringMatching(/^(FORBIDDEN|LAST_OWNER)$/),
        });
      }
      // The API user's token still works: nothing was revoked or rotated.
      expect((await gql(t, bot.token, '{ me { __typename } }')).status).toBe(200);
    });

    it('a member cannot escalate: no admin role for itself, no role or API user above itself, no owner from an admin', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('member');
      const admin = await ws.member('admin');
      const selfPromote = await gql(
        t,
        member.personalToken,
        'mutation($w: ID!, $u: ID!, $r: [ID!]) { updateMember(workspaceId: $w, userId: $u, input: { roleIds: $r }) { userId } }',
        { w: ws.id, u: member.id, r: [ws.roles.admin] },
      );
      expect(selfPromote.data).toBeNull();
      const adminToOwner = await gql(
        t,
        admin.personalToken,
        'mutation($w: ID!, $u: ID!, $r: [ID!]) { updateMember(workspaceId: $w, userId: $u, input: { roleIds: $r }) { userId } }',
        { w: ws.id, u: admin.id, r: [ws.roles.owner] },
      );
      expect(adminToOwner.data).toBeNull();
      const adminPolicy = await gql(
        t,
        admin.personalToken,
        'mutation($w: ID!) { setTokenPolicy(workspaceId: $w, input: { maxLifetimeDays: 1, allowPersonalTokens: false }) { maxLifetimeDays } }',
        { w: ws.id },
      );
      expect(codes(adminPolicy)).toEqual(['FORBIDDEN']);
      const adminDelete = await gql(t, admin.personalToken, 'mutation($w: ID!) { deleteWorkspace(id: $w) { id } }', { w: ws.id });
      expect(codes(adminDelete)).toEqual(['FORBIDDEN']);
      // An admin invites someone as owner: refused
      const inviteOwner = await gql(
        t,
        admin.personalToken,
        'mutation($w: ID!, $r: [ID!]!) { createInvitation(workspaceId: $w, input: { email: "o@example.com", roleIds: $r, deviceAccess: { mode: "all" } }) { secret } }',
        { w: ws.id, r: [ws.roles.owner] },
      );
      expect(inviteOwner.data).toBeNull();
      // An admin cannot cut off the owner's token
      const cut = await gql(
        t,
        admin.personalToken,
        'mutation($w: ID!, $tok: ID!) { revokeWorkspaceToken(workspaceId: $w, tokenId: $tok) { id } }',
        { w: ws.id, tok: ws.owner.personalTokenId },
      );
      expect(cut.data).toBeNull();
      await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(ws.owner.personalToken)).expect(200);
    });

    it('a member with selected devices sees only those, listed, by id, through authorize and through updateDevice', async () => {
      const ws = await newWorkspace(t);
      const mine = (await ws.device()).id;
      const other = (await ws.device({ metadata: { hidden: 'yes' } })).id;
      const member = await ws.member('member', { devices: [mine] });
      const listed = await gql(t, member.personalToken, 'query($w: ID!) { workspace(id: $w) { devices(limit: 200) { items { id } } } }', {
        w: ws.id,
      });
      expect(listed.data).toEqual({ workspace: { devices: { items: [{ id: mine }] } } });
      const byId = await gql(t, member.personalToken, DEVICE_Q, { w: ws.id, d: other });
      const missing = await gql(t, member.personalToken, DEVICE_Q, { w: ws.id, d: randomUUID() });
      expect(codes(byId)).toEqual(['NOT_FOUND']);
      expect(byId.errors?.[0].message).toBe(missing.errors?.[0].message);
      const upd = await gql(
        t,
        member.personalToken,
        'mutation($w: ID!, $d: ID!) { updateDevice(workspaceId: $w, id: $d, input: { name: "x" }) { id } }',
        { w: ws.id, d: other },
      );
      expect(codes(upd)).toEqual(['NOT_FOUND']);
      // devices:create needs device access "all"
      const create = await gql(
        t,
        member.personalToken,
        'mutation($w: ID!) { createDevice(workspaceId: $w, input: { name: "x", serial: "SEL-1" }) { id } }',
        { w: ws.id },
      );
      expect(create.data).toBeNull();
      const auth = await gql(
        t,
        member.personalToken,
        'query($w: ID!, $d: ID!) { authorize(workspaceId: $w, permission: "devices:read", deviceId: $d) { allowed } }',
        { w: ws.id, d: other },
      );
      expect(auth.data).toEqual({ authorize: { allowed: false } });
      // The reason does not tell a device outside the access from one that does not exist
      const why = (d: string) =>
        gql(
          t,
          member.personalToken,
          'query($w: ID!, $d: ID!) { authorize(workspaceId: $w, permission: "devices:read", deviceId: $d) { allowed code reason } }',
          { w: ws.id, d },
        );
      expect(JSON.stringify((await why(other)).body.data)).toBe(JSON.stringify((await why(randomUUID())).body.data));
      // Nor does the serial filter reach past the access
      const serialOf = (await t.http().get(`/v1/workspaces/${ws.id}/devices/${other}`).set(bearer(ws.owner.personalToken)).expect(200)).body
        .serial;
      const bySerial = await gql(
        t,
        member.personalToken,
        'query($w: ID!, $s: String) { workspace(id: $w) { devices(serial: $s) { items { id } } } }',
        {
          w: ws.id,
          s: serialOf,
        },
      );
      expect(bySerial.data).toEqual({ workspace: { devices: { items: [] } } });
    });
  });

  describe('API users and tokens', () => {
    it('an API user reaches no account-wide field, and `me` opens nothing its roles do not grant', async () => {
      const ws = await newWorkspace(t);
      const onlyDevices = await ws.role(['devices:read']);
      const bot = await ws.apiUser({ roles: [{ id: onlyDevices }] });
      for (const q of [
        '{ tokens { items { id } } }',
        '{ invitations { items { id } } }',
        'mutation { createToken(input: { name: "x", scopes: ["*"] }) { secret } }',
        'mutation { createWorkspace(input: { name: "x" }) { id } }',
        'mutation { acceptInvitation(input: { token: "lki_x" }) { workspaceId } }',
      ]) {
        const res = await gql(t, bot.token, q);
        expect({ q, data: res.data ?? null, code: codes(res)[0] }).toEqual({
          q,
          data: null,
          code: expect.stringMatching(/FORBIDDEN|BAD_USER_INPUT/),
        });
      }
      // `me`'s workspace is a WorkspaceSummary (nothing nested); the lists are reached through `workspaces`.
      const viaMe = await gql(t, bot.token, '{ me { ... on ApiUser { id workspace { id } tokens { items { id } } } } }');
      expect(codes(viaMe)).toEqual(['FORBIDDEN']);
      const viaList = await gql(
        t,
        bot.token,
        '{ workspaces(limit: 1) { items { id members { items { email } } apiUsers { items { id tokens { items { id } } } } tokens { items { id } } auditEvents { items { id } } invitations { items { id } } } } }',
      );
      expect(JSON.stringify(viaList.body)).not.toMatch(/@example\.com/);
      expect(codes(viaList).length).toBeGreaterThan(0);
      expect(codes(viaList).every((c) => c === 'FORBIDDEN')).toBe(true);
    });

    it('a narrow-scoped token cannot mint, rotate or widen a broader token', async () => {
      const ws = await newWorkspace(t);
      const owner = ws.owner;
      const narrow = await createNamedToken(t, owner.personalToken, { scopes: ['account:manage', 'account:read', 'workspace:read'] });
      const wide = await createNamedToken(t, owner.personalToken, { scopes: ['*'] });
      const mint = await gql(t, narrow.secret, 'mutation { createToken(input: { name: "x", scopes: ["*"] }) { secret } }');
      expect(mint.data).toBeNull();
      const mintDevices = await gql(
        t,
        narrow.secret,
        'mutation { createToken(input: { name: "x", scopes: ["devices:delete"] }) { secret } }',
      );
      expect(mintDevices.data).toBeNull();
      const rotate = await gql(t, narrow.secret, 'mutation($id: ID!) { rotateToken(id: $id) { secret scopes } }', { id: wide.id });
      expect(rotate.data).toBeNull();
      // An owner's narrow token cannot make an API user token with scopes it lacks
      const bot = await ws.apiUser({ roles: ['admin'] });
      const narrowWs = await createNamedToken(t, owner.personalToken, { scopes: ['workspace:read', 'api_users:manage'] });
      const botToken = await gql(
        t,
        narrowWs.secret,
        'mutation($w: ID!, $b: ID!) { createApiUserToken(workspaceId: $w, apiUserId: $b, input: { name: "x", scopes: ["*"] }) { secret scopes } }',
        { w: ws.id, b: bot.id },
      );
      expect(botToken.data).toBeNull();
    });

    it('a workspace-restricted token uses no account-wide field', async () => {
      const ws = await newWorkspace(t);
      const restricted = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
      for (const q of [
        'mutation { createToken(input: { name: "x", scopes: ["*"] }) { secret } }',
        'mutation { createWorkspace(input: { name: "x" }) { id } }',
        `mutation { revokeToken(id: "${ws.owner.personalTokenId}") { id } }`,
        `mutation { rotateToken(id: "${ws.owner.personalTokenId}") { secret } }`,
        '{ tokens { items { id } } }',
      ]) {
        const res = await gql(t, restricted.secret, q);
        expect({ q, data: res.data ?? null, code: codes(res)[0] }).toEqual({ q, data: null, code: 'INSUFFICIENT_SCOPE' });
      }
      await t.http().get('/v1/me').set(bearer(ws.owner.personalToken)).expect(200);
    });

    it('a short-lived session cannot mint a token that outlives it', async () => {
      const ws = await newWorkspace(t);
      const exchanged = await t
        .http()
        .post('/v1/auth/token')
        .set(bearer(ws.owner.personalToken))
        .send({ expiresInSeconds: 60 })
        .expect(200);
      const session: string = exchanged.body.token.secret;
      const sessionExpiry = Date.parse(exchanged.body.token.expiresAt);
      const res = await gql(t, session, 'mutation { createToken(input: { name: "x", scopes: ["*"], expiresInDays: 30 }) { expiresAt } }');
      const made = res.data?.createToken as { expiresAt: string | null } | undefined;
      if (made) expect(made.expiresAt !== null && Date.parse(made.expiresAt) <= sessionExpiry).toBe(true);
      else expect(codes(res).length).toBeGreaterThan(0);
      const never = await gql(
        t,
        session,
        'mutation { createToken(input: { name: "x", scopes: ["*"], expiresInDays: null }) { expiresAt } }',
      );
      const madeNever = never.data?.createToken as { expiresAt: string | null } | undefined;
      if (madeNever) expect(madeNever.expiresAt !== null && Date.parse(madeNever.expiresAt) <= sessionExpiry).toBe(true);
      // An API user token from a short-lived session of the owner: none that outlives it either
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const botToken = await gql(
        t,
        session,
        'mutation($w: ID!, $b: ID!) { createApiUserToken(workspaceId: $w, apiUserId: $b, input: { name: "x", expiresInDays: null }) { expiresAt } }',
        { w: ws.id, b: bot.id },
      );
      const madeBot = botToken.data?.createApiUserToken as { expiresAt: string | null } | undefined;
      if (madeBot) expect(madeBot.expiresAt !== null && Date.parse(madeBot.expiresAt) <= sessionExpiry).toBe(true);
    });

    // Was a hole (security review): a token revoked by the first mutation of a request kept acting for
    // the rest of it, since a /graphql request is authenticated once. Now a request holds one mutation
    // (OneMutationPerRequest, graphql.module.ts): the pair is refused whole, nothing runs.
    it('a request cannot revoke its own token and then act on: one mutation per request', async () => {
      const ws = await newWorkspace(t);
      const stolen = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
      for (const [doc, variables] of [
        [
          'mutation($id: ID!) { a: revokeToken(id: $id) { id } b: createToken(input: { name: "heir", scopes: ["*"], expiresInDays: 366 }) { secret } }',
          { id: stolen.id },
        ],
        [
          'mutation($id: ID!, $w: ID!, $r: ID!) { a: revokeToken(id: $id) { id } b: createApiUser(workspaceId: $w, input: { name: "backdoor", roleIds: [$r], deviceAccess: { mode: "all" } }) { token { secret } } }',
          { id: stolen.id, w: ws.id, r: ws.roles.admin },
        ],
        ['mutation($id: ID!) { ...F } fragment F on Mutation { revokeToken(id: $id) { id } }', { id: stolen.id }],
      ] as const) {
        const res = await gql(t, stolen.secret, doc, variables);
        expect(res.status).toBe(400);
        expect(res.data ?? null).toBeNull();
        expect(JSON.stringify(res.body)).toMatch(/One mutation per request/);
      }
      // Nothing ran: the token is not revoked, no heir and no backdoor exist.
      await t.http().get('/v1/me/tokens').set(bearer(stolen.secret)).expect(200);
      const names = (await t.http().get('/v1/me/tokens?limit=200').set(bearer(ws.owner.personalToken)).expect(200)).body.items.map(
        (x: { name: string | null }) => x.name,
      );
      expect(names).not.toContain('heir');
      const bots = (await t.http().get(`/v1/workspaces/${ws.id}/api-users`).set(bearer(ws.owner.personalToken)).expect(200)).body.items;
      expect(bots).toEqual([]);
      // One mutation alone still works.
      const one = await gql(t, stolen.secret, 'mutation($id: ID!) { revokeToken(id: $id) { id } }', { id: stolen.id });
      expect(one.data?.revokeToken).toEqual({ id: stolen.id });
    });

    it('a token cut off from a workspace by its admin reaches it through no path: by id, via the list, via authorize', async () => {
      const ws = await newWorkspace(t);
      const other = await newWorkspace(t);
      const member = await ws.member('admin');
      await other.member('viewer', { user: member });
      await t.http().delete(`/v1/workspaces/${ws.id}/tokens/${member.personalTokenId}`).set(bearer(ws.owner.personalToken)).expect(204);
      const byId = await gql(t, member.personalToken, 'query($w: ID!) { workspace(id: $w) { id devices { items { id } } } }', { w: ws.id });
      expect(byId.data).toBeNull();
      expect(codes(byId)[0]).toMatch(/TOKEN_INVALID|NOT_FOUND/);
      const viaList = await gql(t, member.personalToken, '{ workspaces { items { id members { items { email } } } } }');
      expect(JSON.stringify(viaList.body)).not.toContain(ws.owner.email);
      const auth = await gql(
        t,
        member.personalToken,
        'query($w: ID!) { authorize(workspaceId: $w, permission: "workspace:read") { allowed } }',
        { w: ws.id },
      );
      expect((auth.data?.authorize as { allowed: boolean } | undefined)?.allowed ?? false).toBe(false);
      const write = await gql(
        t,
        member.personalToken,
        'mutation($w: ID!) { createDevice(workspaceId: $w, input: { name: "x", serial: "CUT-1" }) { id } }',
        { w: ws.id },
      );
      expect(write.data).toBeNull();
      // Still works in the other workspace
      expect((await gql(t, member.personalToken, 'query($w: ID!) { workspace(id: $w) { id } }', { w: other.id })).data).toEqual({
        workspace: { id: other.id },
      });
    });

    it('the token policy holds on nested fields reached through the workspaces list', async () => {
      const ws = await newWorkspace(t);
      const member = await ws.member('admin');
      await t
        .http()
        .put(`/v1/workspaces/${ws.id}/token-policy`)
        .set(bearer(ws.owner.personalToken))
        .send({ maxLifetimeDays: null, allowPersonalTokens: false })
        .expect(200);
      const res = await gql(t, member.personalToken, '{ workspaces { items { id members { items { email } } } } }');
      expect(JSON.stringify(res.body)).not.toContain(ws.owner.email);
      const direct = await gql(t, member.personalToken, 'query($w: ID!) { workspace(id: $w) { id } }', { w: ws.id });
      expect(codes(direct)).toEqual(['TOKEN_POLICY']);
    });
  });

  describe('the HTTP edges of /graphql', () => {
    it('GET runs no mutation, also when the document names one by operationName', async () => {
      const serial = `GET-${randomUUID().slice(0, 8)}`;
      const doc = `query Q { me { __typename } } mutation M { createDevice(workspaceId: "${attacker.id}", input: { name: "x", serial: "${serial}" }) { id } }`;
      for (const qs of [
        { query: `mutation { createDevice(workspaceId: "${attacker.id}", input: { name: "x", serial: "${serial}" }) { id } }` },
        { query: doc, operationName: 'M' },
      ]) {
        const res = await t.http().get('/graphql').query(qs).set(bearer(attacker.owner.personalToken));
        expect(res.status).toBe(405);
      }
      const list = await t.http().get(`/v1/workspaces/${attacker.id}/devices`).query({ serial }).set(bearer(attacker.owner.personalToken));
      expect(list.body.items).toEqual([]);
    });

    // Was a hole (security review): Fastify exposed a HEAD twin of Mercurius' GET /graphql route, and
    // Mercurius refuses a mutation only when the method is GET, so HEAD ran it. /graphql has no HEAD now.
    it('HEAD runs no mutation', async () => {
      const serial = `HEAD-${randomUUID().slice(0, 8)}`;
      const q = `mutation { createDevice(workspaceId: "${attacker.id}", input: { name: "x", serial: "${serial}" }) { id } }`;
      const head = await t.http().head('/graphql').query({ query: q }).set(bearer(attacker.owner.personalToken));
      const list = await t.http().get(`/v1/workspaces/${attacker.id}/devices`).query({ serial }).set(bearer(attacker.owner.personalToken));
      expect(list.body.items).toEqual([]);
      expect(head.status).toBe(405);
    });

    it('deeply nested introspection is refused, without a token too (graphql-js max introspection depth)', async () => {
      let inner = 'name';
      for (let i = 0; i < 4; i++) inner = `name fields { name type { name ofType { name ofType { ${inner} } } } }`;
      const res = await gql(t, null, `{ __schema { types { ${inner} } } }`);
      expect(res.status).toBe(400);
      expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    });

    it('CSRF-style bodies (text/plain, form, multipart) run nothing', async () => {
      const serial = `CSRF-${randomUUID().slice(0, 8)}`;
      const body = JSON.stringify({
        query: `mutation { createDevice(workspaceId: "${attacker.id}", input: { name: "x", serial: "${serial}" }) { id } }`,
      });
      const plain = await t.http().post('/graphql').set(bearer(attacker.owner.personalToken)).set('Content-Type', 'text/plain').send(body);
      expect(plain.status).toBeGreaterThanOrEqual(400);
      const form = await t
        .http()
        .post('/graphql')
        .set(bearer(attacker.owner.personalToken))
        .type('form')
        .send({ query: JSON.parse(body).query });
      expect(form.status).toBe(415);
      expect(form.headers['content-type']).toMatch(/problem\+json/);
      const multipart = await t.http().post('/graphql').set(bearer(attacker.owner.personalToken)).field('query', JSON.parse(body).query);
      expect(multipart.status).toBeGreaterThanOrEqual(400);
      const list = await t.http().get(`/v1/workspaces/${attacker.id}/devices`).query({ serial }).set(bearer(attacker.owner.personalToken));
      expect(list.body.items).toEqual([]);
    });

    it('application/graphql bodies are held to the 32 KiB document limit and need the token as JSON does', async () => {
      const big = `{ permissions { permissions { name } } } # ${'x'.repeat(33 * 1024)}`;
      const res = await t.http().post('/graphql').set('Content-Type', 'application/graphql').send(big);
      expect(res.status).toBe(400);
      const anon = await t.http().post('/graphql').set('Content-Type', 'application/graphql').send('{ workspaces { items { id } } }');
      expect(JSON.stringify(anon.body)).toContain('TOKEN_MISSING');
    });

    it('a body over 256 KiB is 413 problem+json, with or without a token; a bad token is 401 problem+json', async () => {
      const huge = { query: '{ me { __typename } }', variables: { x: 'y'.repeat(300 * 1024) } };
      const res = await t.http().post('/graphql').set(bearer(attacker.owner.personalToken)).send(huge);
      expectProblem(res, 413, 'payload_too_large');
      const bad = await t
        .http()
        .post('/graphql')
        .set('Authorization', 'Bearer lkp_notavalidtoken')
        .send({ query: '{ me { __typename } }' });
      expectProblem(bad, 401, 'token_invalid');
      expect(bad.headers['www-authenticate']).toMatch(/invalid_token/);
      const basic = await t
        .http()
        .post('/graphql')
        .set('Authorization', 'Basic Zm9vOmJhcg==')
        .send({ query: '{ permissions { permissions { name } } }' });
      expect(basic.status).toBe(401);
    });

    it('/graphql/ , /GRAPHQL and /v1/graphql are not unguarded twins', async () => {
      for (const path of ['/graphql/', '/GRAPHQL', '/v1/graphql', '/graphql;x']) {
        const res = await t.http().post(path).send({ query: '{ workspaces { items { id } } }' });
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
    });

    it('GraphiQL is not served when off', async () => {
      for (const path of ['/graphiql', '/graphiql.html', '/graphiql/main.js']) {
        expect((await t.http().get(path)).status).toBe(404);
      }
    });
  });

  describe('limits', () => {
    it('aliases hidden in fragments count against the 15-alias limit', async () => {
      const aliases = Array.from({ length: 8 }, (_, i) => `a${i}: permissions { permissions { name } }`).join(' ');
      const doc = `query { ...F ...G } fragment F on Query { ${aliases} } fragment G on Query { ${aliases.replace(/a(\d)/g, 'b$1')} }`;
      const res = await gql(t, null, doc);
      expect(res.status).toBe(400);
    });

    it('one fragment spread many times under aliases is not a way past the cost limit', async () => {
      const frag =
        'fragment D on Workspace { members(limit: 200) { items { userId email name roles { id name permissions } deviceAccess { mode deviceIds } } } devices(limit: 200) { items { id name serial metadata } } apiUsers(limit: 200) { items { id name tokens(limit: 200) { items { id hint scopes } } } } }';
      const spreads = Array.from({ length: 15 }, (_, i) => `w${i}: workspace(id: $w) { ...D }`).join(' ');
      const res = await gql(t, attacker.owner.personalToken, `query($w: ID!) { ${spreads} } ${frag}`, { w: attacker.id });
      expect(res.status).toBe(400);
      expect(codes(res)).toContain('GRAPHQL_VALIDATION_FAILED');
    });

    it('the schema has no cycle to nest through, and inline fragments nest nothing past it', async () => {
      // `me`'s workspace is a summary: no way back from an API user to a workspace's lists.
      const deep =
        '{ workspaces { items { ... on Workspace { ... on Workspace { apiUsers { items { ... on ApiUser { tokens { items { ... on Token { id } } } } } } } } } } }';
      const res = await gql(t, attacker.owner.personalToken, deep);
      // Inline fragments count toward the depth limit (this one is refused at 400), never a 500.
      expect([200, 400]).toContain(res.status);
      expectNoLeak(res);
      const cycle = await gql(t, attacker.owner.personalToken, '{ me { ... on ApiUser { workspace { apiUsers { items { id } } } } } }');
      expect(cycle.status).toBe(400);
    });

    it('directives past 10 are refused, even in fragments', async () => {
      const dirs = Array.from({ length: 6 }, () => '@include(if: true)').join(' ');
      const doc = `query { ...F ...G } fragment F on Query { permissions ${dirs} { permissions { name } } } fragment G on Query { permissions ${dirs} { permissions { name } } }`;
      expect((await gql(t, null, doc)).status).toBe(400);
    });
  });

  describe('junk, huge and unicode input', () => {
    it('nulls where REST needs a value, huge ints, NUL bytes and odd unicode answer client errors, never a 500 or SQL', async () => {
      const ws = await newWorkspace(t);
      const d = (await ws.device()).id;
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const member = await ws.member('viewer');
      const owner = ws.owner.personalToken;
      const v = { w: ws.id, d, b: bot.id, bt: bot.tokenId, u: member.id };
      const docs = [
        'updateDevice(workspaceId: $w, id: $d, input: { name: null, serial: null, metadata: null }) { id }',
        'updateWorkspace(id: $w, input: { name: null, slug: null }) { id }',
        'updateApiUser(workspaceId: $w, id: $b, input: { status: null, roleIds: null, deviceAccess: null, name: null }) { id }',
        'updateMember(workspaceId: $w, userId: $u, input: { roleIds: null, deviceAccess: null }) { userId }',
        'updateMember(workspaceId: $w, userId: $u, input: { roleIds: [] }) { userId }',
        'updateMember(workspaceId: $w, userId: $u, input: { deviceAccess: { mode: "selected" } }) { userId }',
        'updateMember(workspaceId: $w, userId: $u, input: { deviceAccess: { mode: "selected", deviceIds: ["00000000-0000-0000-0000-000000000000"] } }) { userId }',
        'createApiUserToken(workspaceId: $w, apiUserId: $b, input: { scopes: null, name: null, expiresInDays: null }) { id }',
        'createApiUserToken(workspaceId: $w, apiUserId: $b, input: { scopes: [], expiresInDays: 2147483647 }) { id }',
        'rotateApiUserToken(workspaceId: $w, apiUserId: $b, tokenId: $bt, input: { graceSeconds: -1 }) { id }',
        'setTokenPolicy(workspaceId: $w, input: { maxLifetimeDays: -5, allowPersonalTokens: true }) { maxLifetimeDays }',
        'setTokenPolicy(workspaceId: $w, input: { maxLifetimeDays: 2147483647, allowPersonalTokens: true }) { maxLifetimeDays }',
        'createDevice(workspaceId: $w, input: { name: "nul\\u0000byte", serial: "NUL-1" }) { id }',
        'createDevice(workspaceId: $w, input: { name: "meta", serial: "NUL-2", metadata: { k: "v\\u0000" } }) { id }',
        'createDevice(workspaceId: $w, input: { name: "meta", serial: "NUL-3", metadata: { __proto__: { polluted: true } } }) { id }',
        'createDevice(workspaceId: $w, input: { name: "meta", serial: "NUL-4", metadata: { constructor: { prototype: { polluted: true } } } }) { id }',
        'createDevice(workspaceId: $w, input: { name: "\\ud800", serial: "SURR-1" }) { id }',
        'createDevice(workspaceId: $w, input: { name: "x", serial: "BIG", metadata: { n: 1e400 } }) { id }',
        'createRole(workspaceId: $w, input: { name: "\\u202egnp.exe", permissions: ["devices:read", "devices:read"] }) { id }',
        'createRole(workspaceId: $w, input: { name: "x", permissions: ["*"] }) { id }',
        'createInvitation(workspaceId: $w, input: { email: "ａ@example.com", roleIds: [], deviceAccess: { mode: "all" } }) { secret }',
      ];
      for (const m of docs) {
        const res = await gql(t, owner, mutationDoc(m), v);
        expect({ m, status: res.status, codes: codes(res).filter((c) => c === 'INTERNAL') }).toEqual({
          m,
          status: expect.any(Number),
          codes: [],
        });
        expectNoLeak(res);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const queries = [
        ['query($w: ID!) { workspace(id: $w) { devices(limit: 0) { items { id } } } }', { w: ws.id }],
        ['query($w: ID!) { workspace(id: $w) { devices(limit: 99999999999) { items { id } } } }', { w: ws.id }],
        ['query($w: ID!) { workspace(id: $w) { devices(cursor: "\\u0000\'; DROP TABLE devices;--") { items { id } } } }', { w: ws.id }],
        ['query($w: ID!) { workspace(id: $w) { devices(serial: "\\u0000") { items { id } } } }', { w: ws.id }],
        ['query($w: ID!) { workspace(id: $w) { auditEvents(action: "\\u0000", actorId: "not-a-uuid") { items { id } } } }', { w: ws.id }],
        ['query($w: ID!) { workspace(id: $w) { auditEvents(cursor: "eyJ4IjoxfQ") { items { id } } } }', { w: ws.id }],
        ['query($w: ID!) { workspace(id: $w) { id } }', { w: '１１１１１１１１-1111-1111-1111-111111111111' }],
        ['query($w: ID!) { workspace(id: $w) { id } }', { w: "' OR 1=1 --" }],
        ['query($w: ID!) { workspace(id: $w) { id } }', { w: { $ne: null } }],
        ['query($w: ID!) { workspace(id: $w) { id } }', { w: ['a', 'b'] }],
        ['query { authorize(workspaceId: "00000000-0000-0000-0000-000000000000", permission: "\\u0000") { allowed } }', {}],
        ['query { tokens(kind: "admin", limit: -1) { items { id } } }', {}],
        ['query($w: ID!) { workspace(id: $w) { tokens(cursor: "////") { items { id } } } }', { w: ws.id }],
      ] as const;
      for (const [q, vars] of queries) {
        const res = await gql(t, owner, q, vars as Record<string, unknown>);
        expect({ q, internal: codes(res).includes('INTERNAL') }).toEqual({ q, internal: false });
        expectNoLeak(res);
      }
      // The REST answer to the same device metadata key: refused, and GraphQL agrees
      const rest = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/devices`)
        .set(bearer(owner))
        .set('Content-Type', 'application/json')
        .send('{"name":"x","serial":"REST-PROTO","metadata":{"constructor":{"prototype":{"p":1}}}}');
      expect(rest.status).toBe(400);
      const gqlProto = await gql(
        t,
        owner,
        'mutation($w: ID!) { createDevice(workspaceId: $w, input: { name: "x", serial: "GQL-PROTO", metadata: { constructor: { prototype: { p: 1 } } } }) { id } }',
        { w: ws.id },
      );
      expect(gqlProto.data).toBeNull();
      expect(codes(gqlProto)[0]).toMatch(/^(BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED)$/);
    });

    it('an explicit null for an optional input object is not a 500', async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['viewer'] });
      const named = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
      const inv = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(ws.owner.personalToken))
        .send({ email: 'null-input@example.com', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201);
      const v = { w: ws.id, b: bot.id, bt: bot.tokenId, n: named.id, i: inv.body.invitation.id };
      for (const m of [
        'rotateToken(id: $n, input: null) { id }',
        'rotateApiUserToken(workspaceId: $w, apiUserId: $b, tokenId: $bt, input: null) { id }',
        'createApiUserToken(workspaceId: $w, apiUserId: $b, input: null) { id }',
        'resendInvitation(workspaceId: $w, id: $i, input: null) { secret }',
        'declineInvitation(id: $i, input: null) { id }',
      ]) {
        const res = await gql(t, ws.owner.personalToken, mutationDoc(m), v);
        expect({ m, status: res.status, internal: codes(res).includes('INTERNAL') }).toEqual({
          m,
          status: expect.any(Number),
          internal: false,
        });
        expectNoLeak(res);
      }
    });

    it('a createToken with workspaceIds: [] does not turn into an unrestricted token', async () => {
      const ws = await newWorkspace(t);
      const res = await gql(
        t,
        ws.owner.personalToken,
        'mutation { createToken(input: { name: "x", scopes: ["*"], workspaceIds: [] }) { secret workspaceIds } }',
      );
      const made = res.data?.createToken as { secret: string; workspaceIds: string[] | null } | undefined;
      if (made) {
        expect(made.workspaceIds).not.toBeNull();
        expect(codes(await gql(t, made.secret, 'query($w: ID!) { workspace(id: $w) { id } }', { w: ws.id }))).toEqual(['NOT_FOUND']);
      } else {
        expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      }
    });
  });

  describe('concurrency', () => {
    it('a token rotated concurrently many times yields one live successor at most (grace 0)', async () => {
      const ws = await newWorkspace(t);
      const named = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          gql(t, ws.owner.personalToken, 'mutation($id: ID!) { rotateToken(id: $id, input: { graceSeconds: 0 }) { secret } }', {
            id: named.id,
          }),
        ),
      );
      const secrets = results.map((r) => (r.data?.rotateToken as { secret?: string } | null)?.secret).filter((s): s is string => !!s);
      let live = 0;
      for (const s of secrets) if ((await gql(t, s, '{ me { __typename } }')).status === 200) live++;
      expect(live).toBeLessThanOrEqual(1);
      results.forEach((r) => expectNoLeak(r));
    });

    it('an API user disabled while its aliased queries run is refused by the next request', async () => {
      const ws = await newWorkspace(t);
      const bot = await ws.apiUser({ roles: ['admin'] });
      const spam = Array.from({ length: 5 }, () =>
        gql(t, bot.token, 'query($w: ID!) { workspace(id: $w) { devices { items { id } } } }', { w: ws.id }),
      );
      const disable = t
        .http()
        .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
        .set(bearer(ws.owner.personalToken))
        .send({ status: 'disabled' });
      await Promise.all([...spam, disable]);
      expect((await gql(t, bot.token, '{ me { __typename } }')).status).toBe(401);
      // Its self-made successor, mid-flight: none left alive
      const listed = await t
        .http()
        .get(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
        .set(bearer(ws.owner.personalToken))
        .expect(200);
      for (const tok of listed.body.items as Array<{ id: string }>) expect(tok.id).toBeDefined();
    });
  });

  describe('REST unchanged for non-GraphQL routes', () => {
    it('REST 404, 401 and 400 are problem+json with their headers as before', async () => {
      const nf = await t.http().get(`/v1/workspaces/${victim.id}`).set(bearer(attacker.owner.personalToken));
      expectProblem(nf, 404, 'not_found');
      const missing = await t.http().get(`/v1/workspaces/${randomUUID()}`).set(bearer(attacker.owner.personalToken));
      expect(missing.body.detail).toBe(nf.body.detail);
      const unauth = await t.http().get('/v1/me');
      expectProblem(unauth, 401, 'token_missing');
      const bad = await t.http().get('/v1/me').set('Authorization', 'Bearer lkp_bad');
      expectProblem(bad, 401, 'token_invalid');
      expect(bad.headers['www-authenticate']).toMatch(/invalid_token/);
      const big = await t
        .http()
        .post('/v1/workspaces')
        .set(bearer(attacker.owner.personalToken))
        .send({ name: 'x'.repeat(2 * 1024 * 1024) });
      expectProblem(big, 413, 'payload_too_large');
      const textPlain = await t
        .http()
        .post('/v1/workspaces')
        .set(bearer(attacker.owner.personalToken))
        .set('Content-Type', 'text/plain')
        .send('{"name":"x"}');
      expect([400, 415]).toContain(textPlain.status);
      expect(textPlain.headers['content-type']).toMatch(/problem\+json/);
    });
  });

  describe('amplification', () => {
    // Was a hole (security review, DoS amplification): through the `workspaces` list every workspace's
    // lists cost their own statements, about 200 × the per-workspace count for one request. Now one
    // request reads inside at most MAX_WORKSPACES_PER_REQUEST workspaces (graphql-access.ts); the
    // fields of the others answer BAD_USER_INPUT, and the statements stay bounded.
    it('a query over every workspace of the caller reads inside at most 10 of them, in a bounded number of statements', async () => {
      const owner = (await newWorkspace(t)).owner;
      for (let i = 0; i < 20; i++) await newWorkspace(t, owner);
      const wide = (workspaces: number, page: number) =>
        `{ workspaces(limit: ${workspaces}) { items { id access { permissions } tokenPolicy { maxLifetimeDays } roles { id } members(limit: ${page}) { items { userId } } devices(limit: ${page}) { items { id } } apiUsers(limit: ${page}) { items { id tokens(limit: ${page}) { items { id } } } } invitations(limit: ${page}) { items { id } } tokens(limit: ${page}) { items { id } } auditEvents(limit: ${page}) { items { id } } } } }`;
      // Every list at 200 is priced before it runs (query-cost.ts), and refused without reading a row.
      await gql(t, owner.personalToken, '{ me { __typename } }');
      let before = t.queries.total;
      const priced = await gql(t, owner.personalToken, wide(200, 200));
      expect(priced.status).toBe(400);
      expect(priced.errors?.[0].message).toMatch(/costs \d+/);
      expect(t.queries.total - before).toBe(0);
      // Cheap enough to pass the price, it still reads inside 10 workspaces only (graphql-access.ts).
      const q = wide(200, 2);
      await gql(t, owner.personalToken, q);
      before = t.queries.total;
      const res = await gql(t, owner.personalToken, q);
      const statements = t.queries.total - before;
      expect(codes(res)).toContain('BAD_USER_INPUT');
      expect(JSON.stringify(res.body)).toMatch(/at most 10 workspaces/);
      // 10 workspaces of every list, not 21 (nor 200): about what ten single-workspace dashboards take.
      expect(statements).toBeLessThanOrEqual(10 * 12 + 10);
      // Ten at a time answer whole.
      const ten = await gql(t, owner.personalToken, wide(10, 2));
      expect(ten.errors).toBeUndefined();
      expect((ten.data?.workspaces as { items: unknown[] }).items).toHaveLength(10);
    });
  });

  // Last: each starts a second app, whose bearer strategy replaces the first's in passport (global to the process).
  describe('with apps of their own', () => {
    // Was a hole (low, security review): with introspection off, graphql-js still named the schema's
    // fields in its "Did you mean …?" suggestions; graphql-errors.ts drops them now.
    it('introspection switched off leaks no field names through "Did you mean" suggestions', async () => {
      const off = await startTestApp({ LATCHKEY_GRAPHQL_INTROSPECTION: 'false' });
      try {
        const ws = await newWorkspace(off);
        const res = await gql(off, ws.owner.personalToken, '{ workspac(id: "x") { id } token { id } }');
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body)).not.toMatch(/Did you mean/i);
      } finally {
        await off.close();
      }
    });

    it('introspection switched off is refused however it is asked', async () => {
      const off = await startTestApp({ LATCHKEY_GRAPHQL_INTROSPECTION: 'false' });
      try {
        for (const doc of [
          '{ __schema { types { name } } }',
          '{ a: __schema { queryType { name } } }',
          '{ __type(name: "Workspace") { fields { name } } }',
          'query { ...F } fragment F on Query { __schema { types { name } } }',
          '{ permissions { __type(name: "Workspace") { name } } }',
        ]) {
          const res = await gql(off, null, doc);
          expect({ doc, status: res.status }).toEqual({ doc, status: 400 });
        }
        const get = await off.http().get('/graphql').query({ query: '{ __schema { types { name } } }' });
        expect(get.status).toBe(400);
      } finally {
        await off.close();
      }
    });

    // Was a gap (security review): one /graphql request counts once against the limit, so 15 aliased
    // mutations cost one unit. A request now holds one mutation: one write per unit, as REST.
    it('aliased mutations each count against the per-token rate limit', async () => {
      const limited = await startTestApp({ LATCHKEY_RATE_LIMIT_PER_TOKEN: '5' });
      try {
        const ws = await newWorkspace(limited);
        const many = Array.from(
          { length: 15 },
          (_, i) => `t${i}: createToken(input: { name: "n${i}", scopes: ["account:read"] }) { id }`,
        ).join(' ');
        const res = await gql(limited, ws.owner.personalToken, `mutation { ${many} }`);
        // Safe: the request is refused (429) or most of the aliases are.
        const made = Object.values(res.data ?? {}).filter((v) => v !== null).length;
        expect(made).toBeLessThanOrEqual(5);
      } finally {
        await limited.close();
      }
    });

    it('RateLimit fields are sent by REST and /graphql alike once limits are on, and a 429 carries Retry-After', async () => {
      const limited = await startTestApp({ LATCHKEY_RATE_LIMIT_PER_TOKEN: '3' });
      try {
        const ws = await newWorkspace(limited);
        const rest = await limited.http().get('/v1/me').set(bearer(ws.owner.personalToken));
        expect(rest.headers['ratelimit-policy']).toMatch(/"token";q=3;w=\d+/);
        let last = rest;
        for (let i = 0; i < 4; i++)
          last = await limited.http().post('/graphql').set(bearer(ws.owner.personalToken)).send({ query: '{ me { __typename } }' });
        expectProblem(last, 429, 'rate_limited');
        expect(last.headers['retry-after']).toMatch(/^\d+$/);
        // REST and GraphQL share the limit: REST is refused too
        expect((await limited.http().get('/v1/me').set(bearer(ws.owner.personalToken))).status).toBe(429);
      } finally {
        await limited.close();
      }
    });
  });
});
