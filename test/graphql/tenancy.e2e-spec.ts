// The tenancy rules through GraphQL: another tenant's principals of every kind (a user, an API user, a
// restricted token) get NOT_FOUND from every field and mutation of a workspace not theirs, by id and
// through nested fields, and nothing changes; escalation, token scopes and policy, and API-user device
// confinement answer as in REST.
import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { bearer, createNamedToken, markEmailVerified, PASSWORD, registerUser } from '../support/api';
import { newWorkspace, type ApiUser, type Member, type WorkspaceFixture } from '../support/fixtures';
import { tableContents } from '../support/table-contents';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from './gql';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Every field of a workspace, each list with its items' every field and nested lists. */
const WORKSPACE_FIELDS = `id name slug roles { id name } tokenPolicy { maxLifetimeDays allowPersonalTokens }
  members { items { userId email roles { id } deviceAccess { mode deviceIds } } nextCursor }
  devices { items { id serial metadata } nextCursor }
  apiUsers { items { id name roles { id } deviceAccess { mode } tokens { items { id hint } } } }
  invitations { items { id email status } }
  tokens { items { id hint owner { id } policy { accepted } rateLimit { limit } } }
  unusedTokens(days: 30) { items { id } }
  auditEvents { items { id action } }
  webhooks { items { id url deliveries { items { id payload } } } }
  teams(limit: 5) { items { id name roles { id } deviceAccess { mode } members { userId email } apiUsers { id name } } }`;

describe('GraphQL tenancy', () => {
  let t: TestApp;
  let victim: WorkspaceFixture;
  let victimIds: {
    device: string;
    device2: string;
    member: Member;
    bot: ApiUser;
    role: string;
    invitation: string;
    session: string;
    webhook: string;
    delivery: string;
    team: string;
    trustRule: string;
  };
  let outsiders: Array<[string, string]>;
  let own: WorkspaceFixture;

  beforeAll(async () => {
    // The outbox worker off: the victim's webhook deliveries stay queued, nothing leaves the test.
    t = await startTestApp({ LATCHKEY_OUTBOX_WORKER: 'off' });
    victim = await newWorkspace(t);
    const device = (await victim.device()).id;
    const device2 = (await victim.device()).id;
    const member = await victim.member('member');
    const bot = await victim.apiUser({ roles: ['viewer'], devices: [device] });
    const role = await victim.role(['devices:read']);
    const invited = await t
      .http()
      .post(`/v1/workspaces/${victim.id}/invitations`)
      .set(bearer(victim.owner.personalToken))
      .send({ email: 'pending@example.com', roleIds: [victim.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const signedIn = await t.http().post('/v1/auth/login').send({ email: victim.owner.email, password: PASSWORD }).expect(200);
    const hook = await t
      .http()
      .post(`/v1/workspaces/${victim.id}/webhooks`)
      .set(bearer(victim.owner.personalToken))
      .send({ url: 'https://hooks.example.com/victim', events: ['device.created'] })
      .expect(201);
    await victim.device();
    const deliveries = await t
      .http()
      .get(`/v1/workspaces/${victim.id}/webhooks/${hook.body.endpoint.id}/deliveries`)
      .set(bearer(victim.owner.personalToken))
      .expect(200);
    const team = await t
      .http()
      .post(`/v1/workspaces/${victim.id}/teams`)
      .set(bearer(victim.owner.personalToken))
      .send({ name: 'Victims', roleIds: [victim.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    await t
      .http()
      .put(`/v1/workspaces/${victim.id}/teams/${team.body.id}/members/${member.id}`)
      .set(bearer(victim.owner.personalToken))
      .expect(200);
    const trustRule = await t
      .http()
      .post(`/v1/workspaces/${victim.id}/api-users/${bot.id}/trust-rules`)
      .set(bearer(victim.owner.personalToken))
      .send({
        issuer: 'https://token.actions.githubusercontent.com',
        audience: 'https://latchkey.example.com',
        claims: { repository: 'victim/repo' },
      })
      .expect(201);
    victimIds = {
      team: team.body.id,
      device,
      device2,
      member,
      bot,
      role,
      invitation: invited.body.invitation.id,
      session: signedIn.body.token.id,
      webhook: hook.body.endpoint.id,
      delivery: deliveries.body.items[0].id,
      trustRule: trustRule.body.id,
    };

    own = await newWorkspace(t);
    await own.device();
    const outsiderBot = await own.apiUser({ roles: ['admin'] });
    const restricted = await createNamedToken(t, own.owner.personalToken, { scopes: ['*'], workspaceIds: [own.id] });
    outsiders = [
      ['a user of another workspace', own.owner.personalToken],
      ['an API user of another workspace', outsiderBot.token],
      ['a token restricted to another workspace', restricted.secret],
    ];
  });
  afterAll(() => t.close());

  describe.each([0, 1, 2])('outsider %#', (which) => {
    const outsider = () => outsiders[which][1];

    it('gets NOT_FOUND for the workspace by id, with every field asked for', async () => {
      const res = await gql(t, outsider(), `query($id: ID!) { workspace(id: $id) { ${WORKSPACE_FIELDS} } }`, { id: victim.id });
      expect(res.status).toBe(200);
      expect(res.data).toBeNull();
      expect(codes(res)).toEqual(['NOT_FOUND']);
      // "Not yours" reads as "does not exist".
      const unknown = await gql(t, outsider(), `query($id: ID!) { workspace(id: $id) { id } }`, { id: UNKNOWN_ID });
      expect(unknown.errors?.[0].message).toBe(res.errors?.[0].message);
    });

    it("gets NOT_FOUND for the victim's items through its own workspace's fields", async () => {
      const items: Array<[string, string]> = [
        ['device(id: $id) { id }', victimIds.device],
        ['member(userId: $id) { userId }', victimIds.member.id],
        ['apiUser(id: $id) { id tokens { items { id } } }', victimIds.bot.id],
        ['apiUser(id: $id) { id trustRules { id } }', victimIds.bot.id],
        ['role(id: $id) { id }', victimIds.role],
        ['webhook(id: $id) { id deliveries { items { id } } }', victimIds.webhook],
        ['team(id: $id) { id members { email } }', victimIds.team],
        ['tokenUsage(tokenId: $id) { tokenId buckets { hour } }', victimIds.bot.tokenId],
        ['apiUser(id: $id) { id tokenUsage(tokenId: $id) { tokenId } }', victimIds.bot.id],
      ];
      for (const [field, id] of items) {
        const res = await gql(t, outsider(), `query($own: ID!, $id: ID!) { workspace(id: $own) { ${field} } }`, { own: own.id, id });
        // Item fields are non-null: the miss nulls the workspace, and the whole answer.
        expect({ field, data: res.data, codes: codes(res) }).toEqual({ field, data: null, codes: ['NOT_FOUND'] });
      }
    });

    it('sees nothing of the victim in its lists, me and authorize', async () => {
      const res = await gql(t, outsider(), `{ workspaces { items { id } } me { __typename ... on ApiUser { workspace { id } } } }`);
      expect(JSON.stringify(res.data)).not.toContain(victim.id);
      const asked = await gql(
        t,
        outsider(),
        `query($w: ID!, $d: ID) { authorize(workspaceId: $w, permission: "devices:read", deviceId: $d) { allowed code } }`,
        { w: victim.id, d: victimIds.device },
      );
      expect(asked.data?.authorize).toEqual({ allowed: false, code: 'forbidden' });
    });

    it('changes nothing with any mutation aimed at the victim', async () => {
      const before = await tableContents(t.dataSource);
      for (const [name, query, variables] of victimMutations()) {
        const res = await gql(t, outsider(), query, variables);
        expect({ name, codes: codes(res) }).toEqual({ name, codes: [expect.stringMatching(/^(NOT_FOUND|FORBIDDEN|INSUFFICIENT_SCOPE)$/)] });
        // A 403 only where REST answers 403 before looking: account routes (own tokens) that an API user or a
        // workspace-restricted token may not use at all, and platform administration, whatever the id.
        if (codes(res)[0] !== 'NOT_FOUND')
          expect([
            'revokeToken',
            'rotateToken',
            'updateToken',
            'disableToken',
            'enableToken',
            'revokeSession',
            'declineInvitation',
            'deactivateUser',
            'reactivateUser',
          ]).toContain(name);
      }
      expect(await tableContents(t.dataSource)).toEqual(before);
    });
  });

  /** One document per mutation of the schema, aimed at the victim's workspace and rows. */
  function victimMutations(): Array<[string, string, Record<string, unknown>]> {
    const w = victim.id;
    const access = { mode: 'all' };
    return [
      ['updateWorkspace', 'mutation($w: ID!) { updateWorkspace(id: $w, input: { name: "pwned" }) { id } }', { w }],
      ['deleteWorkspace', 'mutation($w: ID!) { deleteWorkspace(id: $w) { id } }', { w }],
      ['leaveWorkspace', 'mutation($w: ID!) { leaveWorkspace(id: $w) { id } }', { w }],
      [
        'setTokenPolicy',
        'mutation($w: ID!) { setTokenPolicy(workspaceId: $w, input: { maxLifetimeDays: 1, allowPersonalTokens: false }) { allowPersonalTokens } }',
        { w },
      ],
      [
        'createRole',
        'mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "x", permissions: ["devices:read"] }) { id } }',
        { w },
      ],
      [
        'updateRole',
        'mutation($w: ID!, $id: ID!) { updateRole(workspaceId: $w, id: $id, input: { name: "y" }) { id } }',
        { w, id: victimIds.role },
      ],
      ['deleteRole', 'mutation($w: ID!, $id: ID!) { deleteRole(workspaceId: $w, id: $id) { id } }', { w, id: victimIds.role }],
      [
        'updateMember',
        'mutation($w: ID!, $u: ID!, $r: [ID!]) { updateMember(workspaceId: $w, userId: $u, input: { roleIds: $r }) { userId } }',
        { w, u: victimIds.member.id, r: [victim.roles.owner] },
      ],
      ['removeMember', 'mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) { id } }', { w, u: victimIds.member.id }],
      [
        'createInvitation',
        'mutation($w: ID!, $r: [ID!]!, $a: DeviceAccessInput!) { createInvitation(workspaceId: $w, input: { email: "x@example.com", roleIds: $r, deviceAccess: $a }) { secret } }',
        { w, r: [victim.roles.viewer], a: access },
      ],
      [
        'updateInvitation',
        'mutation($w: ID!, $id: ID!, $r: [ID!]) { updateInvitation(workspaceId: $w, id: $id, input: { roleIds: $r }) { id } }',
        { w, id: victimIds.invitation, r: [victim.roles.admin] },
      ],
      [
        'revokeInvitation',
        'mutation($w: ID!, $id: ID!) { revokeInvitation(workspaceId: $w, id: $id) { id } }',
        { w, id: victimIds.invitation },
      ],
      [
        'resendInvitation',
        'mutation($w: ID!, $id: ID!) { resendInvitation(workspaceId: $w, id: $id) { secret } }',
        { w, id: victimIds.invitation },
      ],
      // Not the caller's invitation: not found (an API user or a restricted token may not decline at all).
      ['declineInvitation', 'mutation($id: ID!) { declineInvitation(id: $id) { id } }', { id: victimIds.invitation }],
      ['createDevice', 'mutation($w: ID!) { createDevice(workspaceId: $w, input: { name: "x", serial: "X-1" }) { id } }', { w }],
      [
        'createDevices',
        'mutation($w: ID!) { createDevices(workspaceId: $w, input: { devices: [{ name: "x", serial: "X-2" }] }) { id } }',
        { w },
      ],
      [
        'updateDevice',
        'mutation($w: ID!, $id: ID!) { updateDevice(workspaceId: $w, id: $id, input: { name: "y" }) { id } }',
        { w, id: victimIds.device },
      ],
      ['deleteDevice', 'mutation($w: ID!, $id: ID!) { deleteDevice(workspaceId: $w, id: $id) { id } }', { w, id: victimIds.device }],
      [
        'createApiUser',
        'mutation($w: ID!, $r: [ID!]!, $a: DeviceAccessInput!) { createApiUser(workspaceId: $w, input: { name: "x", roleIds: $r, deviceAccess: $a }) { token { secret } } }',
        { w, r: [victim.roles.viewer], a: access },
      ],
      [
        'updateApiUser',
        'mutation($w: ID!, $id: ID!) { updateApiUser(workspaceId: $w, id: $id, input: { status: "disabled" }) { id } }',
        { w, id: victimIds.bot.id },
      ],
      ['deleteApiUser', 'mutation($w: ID!, $id: ID!) { deleteApiUser(workspaceId: $w, id: $id) { id } }', { w, id: victimIds.bot.id }],
      [
        'createApiUserToken',
        'mutation($w: ID!, $id: ID!) { createApiUserToken(workspaceId: $w, apiUserId: $id) { secret } }',
        { w, id: victimIds.bot.id },
      ],
      [
        'revokeApiUserToken',
        'mutation($w: ID!, $id: ID!, $t: ID!) { revokeApiUserToken(workspaceId: $w, apiUserId: $id, tokenId: $t) { id } }',
        { w, id: victimIds.bot.id, t: victimIds.bot.tokenId },
      ],
      [
        'rotateApiUserToken',
        'mutation($w: ID!, $id: ID!, $t: ID!) { rotateApiUserToken(workspaceId: $w, apiUserId: $id, tokenId: $t) { secret } }',
        { w, id: victimIds.bot.id, t: victimIds.bot.tokenId },
      ],
      [
        'updateApiUserToken',
        'mutation($w: ID!, $id: ID!, $t: ID!) { updateApiUserToken(workspaceId: $w, apiUserId: $id, tokenId: $t, input: { rateLimit: null, enabled: false, description: "x" }) { id } }',
        { w, id: victimIds.bot.id, t: victimIds.bot.tokenId },
      ],
      [
        'createTrustRule',
        'mutation($w: ID!, $id: ID!) { createTrustRule(workspaceId: $w, apiUserId: $id, input: { issuer: "https://evil.example.com", audience: "x", subject: "evil" }) { id } }',
        { w, id: victimIds.bot.id },
      ],
      [
        'deleteTrustRule',
        'mutation($w: ID!, $id: ID!, $r: ID!) { deleteTrustRule(workspaceId: $w, apiUserId: $id, id: $r) { id } }',
        { w, id: victimIds.bot.id, r: victimIds.trustRule },
      ],
      [
        'revokeWorkspaceToken',
        'mutation($w: ID!, $t: ID!) { revokeWorkspaceToken(workspaceId: $w, tokenId: $t) { id } }',
        { w, t: victimIds.bot.tokenId },
      ],
      [
        'createWebhook',
        'mutation($w: ID!) { createWebhook(workspaceId: $w, input: { url: "https://evil.example.com/x", events: ["member.added"] }) { secret } }',
        { w },
      ],
      [
        'updateWebhook',
        'mutation($w: ID!, $id: ID!) { updateWebhook(workspaceId: $w, id: $id, input: { url: "https://evil.example.com/x" }) { id } }',
        { w, id: victimIds.webhook },
      ],
      ['deleteWebhook', 'mutation($w: ID!, $id: ID!) { deleteWebhook(workspaceId: $w, id: $id) { id } }', { w, id: victimIds.webhook }],
      [
        'rotateWebhookSecret',
        'mutation($w: ID!, $id: ID!) { rotateWebhookSecret(workspaceId: $w, id: $id) { secret } }',
        { w, id: victimIds.webhook },
      ],
      ['sendTestWebhook', 'mutation($w: ID!, $id: ID!) { sendTestWebhook(workspaceId: $w, id: $id) { id } }', { w, id: victimIds.webhook }],
      [
        'redeliverWebhook',
        'mutation($w: ID!, $id: ID!, $d: ID!) { redeliverWebhook(workspaceId: $w, id: $id, deliveryId: $d) { id } }',
        { w, id: victimIds.webhook, d: victimIds.delivery },
      ],
      [
        'createTeam',
        'mutation($w: ID!, $a: DeviceAccessInput!) { createTeam(workspaceId: $w, input: { name: "x", roleIds: [], deviceAccess: $a }) { id } }',
        { w, a: access },
      ],
      [
        'updateTeam',
        'mutation($w: ID!, $id: ID!) { updateTeam(workspaceId: $w, id: $id, input: { name: "x" }) { id } }',
        { w, id: victimIds.team },
      ],
      ['deleteTeam', 'mutation($w: ID!, $id: ID!) { deleteTeam(workspaceId: $w, id: $id) { id } }', { w, id: victimIds.team }],
      [
        'addTeamMember',
        'mutation($w: ID!, $t: ID!, $u: ID!) { addTeamMember(workspaceId: $w, teamId: $t, userId: $u) { id } }',
        { w, t: victimIds.team, u: victim.owner.id },
      ],
      [
        'removeTeamMember',
        'mutation($w: ID!, $t: ID!, $u: ID!) { removeTeamMember(workspaceId: $w, teamId: $t, userId: $u) { id } }',
        { w, t: victimIds.team, u: victimIds.member.id },
      ],
      [
        'addTeamApiUser',
        'mutation($w: ID!, $t: ID!, $a: ID!) { addTeamApiUser(workspaceId: $w, teamId: $t, apiUserId: $a) { id } }',
        { w, t: victimIds.team, a: victimIds.bot.id },
      ],
      [
        'removeTeamApiUser',
        'mutation($w: ID!, $t: ID!, $a: ID!) { removeTeamApiUser(workspaceId: $w, teamId: $t, apiUserId: $a) { id } }',
        { w, t: victimIds.team, a: victimIds.bot.id },
      ],
      // My tokens: the victim's token ids are "not found" among the caller's own.
      ['revokeToken', 'mutation($t: ID!) { revokeToken(id: $t) { id } }', { t: victim.owner.personalTokenId }],
      ['rotateToken', 'mutation($t: ID!) { rotateToken(id: $t) { secret } }', { t: victim.owner.personalTokenId }],
      [
        'updateToken',
        'mutation($t: ID!) { updateToken(id: $t, input: { description: "x", rateLimit: { limit: 1, windowSeconds: 1 } }) { id } }',
        { t: victim.owner.personalTokenId },
      ],
      ['disableToken', 'mutation($t: ID!) { disableToken(id: $t) { id } }', { t: victim.owner.personalTokenId }],
      ['enableToken', 'mutation($t: ID!) { enableToken(id: $t) { id } }', { t: victim.owner.personalTokenId }],
      // My sessions: the victim's session ids are "not found" among the caller's own.
      ['revokeSession', 'mutation($s: ID!) { revokeSession(id: $s) { id } }', { s: victimIds.session }],
      // Platform administration: refused to anyone not a platform admin, whatever the id.
      ['deactivateUser', 'mutation($u: ID!) { deactivateUser(id: $u) { id } }', { u: victim.owner.id }],
      ['reactivateUser', 'mutation($u: ID!) { reactivateUser(id: $u) { id } }', { u: victim.owner.id }],
    ];
  }

  it('the sweep names every mutation of the schema that takes an id (a new mutation must join it)', async () => {
    const res = await t.http().post('/graphql').send({ query: getIntrospectionQuery() }).expect(200);
    const schema = buildClientSchema(res.body.data as IntrospectionQuery);
    const mutations = Object.values(schema.getMutationType()?.getFields() ?? {})
      .filter((field) => field.args.some((arg) => /(^id|Id)$/.test(arg.name)))
      .map((field) => field.name)
      .sort();
    expect(
      victimMutations()
        .map(([name]) => name)
        .sort(),
    ).toEqual(mutations);
  });

  describe('within the workspace', () => {
    it('an admin cannot grant owner, to another or to itself', async () => {
      const admin = await victim.member('admin');
      const grant = (userId: string) =>
        gql(
          t,
          admin.personalToken,
          'mutation($w: ID!, $u: ID!, $r: [ID!]) { updateMember(workspaceId: $w, userId: $u, input: { roleIds: $r }) { userId } }',
          {
            w: victim.id,
            u: userId,
            r: [victim.roles.owner],
          },
        );
      expect(codes(await grant(victimIds.member.id))).toEqual(['FORBIDDEN']);
      expect(codes(await grant(admin.id))).toEqual(['FORBIDDEN']);
      const roles = await gql(
        t,
        admin.personalToken,
        'query($w: ID!, $u: ID!) { workspace(id: $w) { member(userId: $u) { roles { name } } } }',
        {
          w: victim.id,
          u: admin.id,
        },
      );
      expect(roles.data).toEqual({ workspace: { member: { roles: [{ name: 'admin' }] } } });
    });

    it('a member cannot make a custom role with permissions it lacks, nor an API user above itself', async () => {
      const role = await gql(
        t,
        victimIds.member.personalToken,
        'mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "big", permissions: ["tokens:manage"] }) { id } }',
        {
          w: victim.id,
        },
      );
      expect(codes(role)).toEqual(['FORBIDDEN']);
    });

    it('a token without devices:read cannot read devices; with it, it can', async () => {
      const narrow = await createNamedToken(t, victim.owner.personalToken, { scopes: ['workspace:read'] });
      const res = await gql(t, narrow.secret, 'query($w: ID!) { workspace(id: $w) { name devices { items { id } } } }', { w: victim.id });
      expect(codes(res)).toEqual(['INSUFFICIENT_SCOPE']);
      expect(res.errors?.[0].path).toEqual(['workspace', 'devices']);
      const wide = await createNamedToken(t, victim.owner.personalToken, { scopes: ['workspace:read', 'devices:read'] });
      const ok = await gql(t, wide.secret, 'query($w: ID!) { workspace(id: $w) { devices { items { id } } } }', { w: victim.id });
      expect(ok.errors).toBeUndefined();
    });

    it('a token cannot mint a token wider than itself', async () => {
      const narrow = await createNamedToken(t, victim.owner.personalToken, { scopes: ['account:manage'] });
      const res = await gql(t, narrow.secret, 'mutation { createToken(input: { name: "wider", scopes: ["*"] }) { secret } }');
      expect(codes(res)[0]).toMatch(/^(FORBIDDEN|INSUFFICIENT_SCOPE)$/);
    });

    it('the token policy refuses personal tokens with TOKEN_POLICY, in that workspace only', async () => {
      const ws = await newWorkspace(t);
      const set = await gql(
        t,
        ws.owner.personalToken,
        'mutation($w: ID!) { setTokenPolicy(workspaceId: $w, input: { maxLifetimeDays: null, allowPersonalTokens: false }) { allowPersonalTokens } }',
        {
          w: ws.id,
        },
      );
      expect(set.data).toEqual({ setTokenPolicy: { allowPersonalTokens: false } });
      const refused = await gql(t, ws.owner.personalToken, 'query($w: ID!) { workspace(id: $w) { id } }', { w: ws.id });
      expect(codes(refused)).toEqual(['TOKEN_POLICY']);
    });

    it('an API user sees only the devices of its access, and cannot reach the others by id or by mutation', async () => {
      const list = await gql(t, victimIds.bot.token, 'query($w: ID!) { workspace(id: $w) { devices { items { id } } } }', { w: victim.id });
      expect(list.data).toEqual({ workspace: { devices: { items: [{ id: victimIds.device }] } } });
      const other = await gql(t, victimIds.bot.token, 'query($w: ID!, $d: ID!) { workspace(id: $w) { device(id: $d) { id } } }', {
        w: victim.id,
        d: victimIds.device2,
      });
      expect(codes(other)).toEqual(['NOT_FOUND']);
      const writer = await victim.apiUser({ roles: ['member'], devices: [victimIds.device] });
      const update = await gql(
        t,
        writer.token,
        'mutation($w: ID!, $d: ID!) { updateDevice(workspaceId: $w, id: $d, input: { name: "x" }) { id } }',
        {
          w: victim.id,
          d: victimIds.device2,
        },
      );
      expect(codes(update)).toEqual(['NOT_FOUND']);
      const allowed = await gql(
        t,
        victimIds.bot.token,
        'query($w: ID!, $d: ID!) { authorize(workspaceId: $w, permission: "devices:read", deviceId: $d) { allowed } }',
        {
          w: victim.id,
          d: victimIds.device2,
        },
      );
      expect(allowed.data).toEqual({ authorize: { allowed: false } });
    });

    it('a mutation answers the changed object, and a made secret once', async () => {
      const made = await gql(
        t,
        victim.owner.personalToken,
        'mutation($w: ID!, $id: ID!) { createApiUserToken(workspaceId: $w, apiUserId: $id, input: { name: "ci" }) { id secret hint } }',
        {
          w: victim.id,
          id: victimIds.bot.id,
        },
      );
      const token = made.data?.createApiUserToken as { id: string; secret: string };
      expect(token.secret).toMatch(/^lka_/);
      const listed = await gql(
        t,
        victim.owner.personalToken,
        'query($w: ID!, $id: ID!) { workspace(id: $w) { apiUser(id: $id) { tokens { items { id } } } } }',
        {
          w: victim.id,
          id: victimIds.bot.id,
        },
      );
      expect(JSON.stringify(listed.data)).toContain(token.id);
      const device = await gql(
        t,
        victim.owner.personalToken,
        'mutation($w: ID!) { createDevice(workspaceId: $w, input: { name: "n", serial: "S-9", metadata: { a: 1 } }) { id name metadata } }',
        {
          w: victim.id,
        },
      );
      expect(device.data?.createDevice).toMatchObject({ name: 'n', metadata: { a: 1 } });
    });
  });

  it('an invitation made through GraphQL is accepted through GraphQL with its secret, shown once', async () => {
    const invitee = await registerUser(t);
    const made = await gql(
      t,
      victim.owner.personalToken,
      'mutation($w: ID!, $e: String!, $r: [ID!]!) { createInvitation(workspaceId: $w, input: { email: $e, roleIds: $r, deviceAccess: { mode: "all" } }) { invitation { id status } secret } }',
      { w: victim.id, e: invitee.email, r: [victim.roles.viewer] },
    );
    const { invitation, secret } = made.data?.createInvitation as { invitation: { id: string; status: string }; secret: string };
    expect(invitation.status).toBe('pending');
    const listed = await gql(t, victim.owner.personalToken, 'query($w: ID!) { workspace(id: $w) { invitations { items { id hint } } } }', {
      w: victim.id,
    });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    // Accepting needs the invited address verified, as the mailed link does.
    await markEmailVerified(t, invitee.id);
    const accepted = await gql(
      t,
      invitee.personalToken,
      'mutation($s: String!) { acceptInvitation(input: { token: $s }) { workspaceId member { roles { name } } } }',
      {
        s: secret,
      },
    );
    expect(accepted.data).toEqual({ acceptInvitation: { workspaceId: victim.id, member: { roles: [{ name: 'viewer' }] } } });
    const access = await gql(t, invitee.personalToken, 'query($w: ID!) { workspace(id: $w) { access { isOwner permissions } } }', {
      w: victim.id,
    });
    expect(access.data).toEqual({
      workspace: {
        access: { isOwner: false, permissions: ['devices:read', 'measurements:read', 'members:read', 'roles:read', 'workspace:read'] },
      },
    });
  });

  describe('authentication', () => {
    it('answers a bad token with 401 and WWW-Authenticate, like REST', async () => {
      const res = await gql(t, 'lkp_00000000000000000000000000000000xxxxxx', '{ me { __typename } }');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('takes Token as Bearer (Datacake clients)', async () => {
      const res = await gql(t, victimIds.bot.token, '{ me { ... on ApiUser { workspace { id name } } } }', undefined, 'Token');
      expect(res.data).toEqual({ me: { workspace: { id: victim.id, name: victim.name } } });
    });

    it('without a token answers the public fields only', async () => {
      const open = await gql(t, null, '{ permissions { permissions { name } } }');
      expect(open.errors).toBeUndefined();
      const closed = await gql(t, null, 'query($w: ID!) { workspace(id: $w) { id } }', { w: victim.id });
      expect(codes(closed)).toEqual(['TOKEN_MISSING']);
      const me = await gql(t, null, '{ me { __typename } }');
      expect(codes(me)).toEqual(['TOKEN_MISSING']);
    });

    it('a revoked token is refused at once', async () => {
      const user = await registerUser(t);
      const named = await createNamedToken(t, user.personalToken, { scopes: ['*'] });
      await gql(t, user.personalToken, 'mutation($t: ID!) { revokeToken(id: $t) { id } }', { t: named.id });
      expect((await gql(t, named.secret, '{ me { __typename } }')).status).toBe(401);
    });
  });
});
