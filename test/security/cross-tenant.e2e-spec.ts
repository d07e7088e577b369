// The cross-tenant matrix, generated from the route table: for every route under a workspace,
// principals of another workspace get 404, and no row anywhere changes. A new route joins the
// matrix by existing; nobody has to edit this file.
import {
  bearer,
  builtInRoles,
  createNamedToken,
  createWorkspace,
  expectProblem,
  login,
  markEmailVerified,
  registerUser,
} from '../support/api';
import { fillPath, IdKind, routeTable } from '../support/route-table';
import { tableContents } from '../support/table-contents';
import { startTestApp, TestApp } from '../support/test-app';

/** Routes whose body has required fields: a valid one, so that the answer is about the ids, not the body. */
const VALID_BODIES: Record<string, object> = {
  'POST /v1/workspaces/:wid/api-users/:id/trust-rules': {
    issuer: 'https://token.actions.githubusercontent.com',
    audience: 'https://latchkey.example.com',
    claims: { repository: 'outsider/repo' },
  },
};
const bodyFor = (route: { method: string; path: string }) => VALID_BODIES[`${route.method} ${route.path}`] ?? {};

describe('cross-tenant isolation', () => {
  let t: TestApp;
  let victim: { workspaceId: string; ids: Partial<Record<IdKind, string>> };
  let outsiders: Array<[string, string]>;
  let outsiderWorkspaceId: string;

  const rowCounts = () => tableContents(t.dataSource);

  /** A real id of the victim's workspace for each kind of path parameter, under `workspaceId`. */
  const fill = (path: string, workspaceId: string) => fillPath(path, { ...victim.ids, workspace: workspaceId });

  beforeAll(async () => {
    t = await startTestApp();
    const owner = await registerUser(t);
    const ws = await createWorkspace(t, owner.personalToken, 'Victim');
    const roles = await builtInRoles(t, owner.personalToken, ws.id);
    const role = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/roles`)
      .set(bearer(owner.personalToken))
      .send({ name: 'Custom', permissions: ['devices:read'] })
      .expect(201);
    const device = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/devices`)
      .set(bearer(owner.personalToken))
      .send({ name: 'd', serial: 'V-1' })
      .expect(201);
    const member = await registerUser(t);
    const invite = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(owner.personalToken))
      .send({ email: member.email, roleIds: [roles.member], deviceAccess: { mode: 'all' } })
      .expect(201);
    await markEmailVerified(t, member.id);
    await t.http().post('/v1/invitations/accept').set(bearer(member.personalToken)).send({ token: invite.body.secret }).expect(200);
    const pending = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/invitations`)
      .set(bearer(owner.personalToken))
      .send({ email: 'pending@example.com', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const bot = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set(bearer(owner.personalToken))
      .send({ name: 'Bot', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    // Delivered to nowhere: no worker runs in test apps, and nothing drains the outbox here.
    const hook = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(owner.personalToken))
      .send({ url: 'https://hooks.example.com/victim', events: ['device.created'] })
      .expect(201);
    const delivery = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks/${hook.body.endpoint.id}/test`)
      .set(bearer(owner.personalToken))
      .expect(202);
    const team = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/teams`)
      .set(bearer(owner.personalToken))
      .send({ name: 'Victims', roleIds: [roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    const trustRule = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.body.apiUser.id}/trust-rules`)
      .set(bearer(owner.personalToken))
      .send({
        issuer: 'https://token.actions.githubusercontent.com',
        audience: 'https://latchkey.example.com',
        claims: { repository: 'acme/x' },
      })
      .expect(201);
    victim = {
      workspaceId: ws.id,
      ids: {
        role: role.body.id,
        device: device.body.id,
        member: member.id,
        invitation: pending.body.invitation.id,
        workspaceToken: member.personalTokenId,
        apiUser: bot.body.apiUser.id,
        apiUserToken: bot.body.token.id,
        webhook: hook.body.endpoint.id,
        webhookDelivery: delivery.body.id,
        team: team.body.id,
        trustRule: trustRule.body.id,
      },
    };

    // The outsider owns a workspace of their own: full rights there, none in the victim's.
    const outsider = await registerUser(t);
    outsiderWorkspaceId = (await createWorkspace(t, outsider.personalToken, 'Outsider')).id;
    const named = await createNamedToken(t, outsider.personalToken, { scopes: ['*'], expiresInDays: 30 });
    const restricted = await createNamedToken(t, outsider.personalToken, { scopes: ['*'], workspaceIds: [outsiderWorkspaceId] });
    const session = await login(t, outsider.email);
    const exchanged = (await t.http().post('/v1/auth/token').set(bearer(outsider.personalToken)).expect(200)).body.token.secret;
    const outsiderRoles = await builtInRoles(t, outsider.personalToken, outsiderWorkspaceId);
    const outsiderBot = await t
      .http()
      .post(`/v1/workspaces/${outsiderWorkspaceId}/api-users`)
      .set(bearer(outsider.personalToken))
      .send({ name: 'Admin bot', roleIds: [outsiderRoles.admin], deviceAccess: { mode: 'all' } })
      .expect(201);
    const botSession = (await t.http().post('/v1/auth/token').set(bearer(outsiderBot.body.token.secret)).expect(200)).body.token.secret;
    outsiders = [
      ['API-user token', outsiderBot.body.token.secret],
      ['API-user exchanged session', botSession],
      ['personal token', outsider.personalToken],
      ['named token', named.secret],
      ['restricted named token', restricted.secret],
      ['login session', session],
      ['exchanged session', exchanged],
    ];
  });
  afterAll(() => t.close());

  const workspaceRoutes = () => routeTable(t.app).filter((r) => r.path.startsWith('/v1/workspaces/:wid'));

  it('covers every workspace route', () => {
    expect(workspaceRoutes().length).toBeGreaterThanOrEqual(36);
  });

  it('answers 404 on every workspace route to every kind of outsider token, and changes nothing', async () => {
    const before = await rowCounts();
    const answers: string[] = [];
    for (const route of workspaceRoutes()) {
      for (const [label, secret] of outsiders) {
        const res = await t
          .http()
          [route.method.toLowerCase() as 'get'](fill(route.path, victim.workspaceId))
          .set(bearer(secret))
          .send(bodyFor(route));
        answers.push(`${route.method} ${route.path} as ${label}: ${res.status} ${res.body.code}`);
      }
    }
    expect(answers.filter((a) => !a.endsWith(': 404 not_found'))).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });

  it("answers 404 when the victim's ids are used under the outsider's own workspace", async () => {
    const before = await rowCounts();
    const [, secret] = outsiders.find(([label]) => label === 'personal token') as [string, string];
    const answers: string[] = [];
    for (const route of workspaceRoutes().filter((r) => (r.path.match(/:/g) ?? []).length > 1)) {
      const res = await t
        .http()
        [route.method.toLowerCase() as 'get'](fill(route.path, outsiderWorkspaceId))
        .set(bearer(secret))
        .send(bodyFor(route));
      answers.push(`${route.method} ${route.path}: ${res.status} ${res.body.code}`);
    }
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((a) => !a.endsWith(': 404 not_found'))).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });

  it("does not let an outsider decline another workspace's invitation", async () => {
    const [, userToken] = outsiders.find(([label]) => label === 'personal token') as [string, string];
    expectProblem(await t.http().post(`/v1/invitations/${victim.ids.invitation}/decline`).set(bearer(userToken)), 404, 'not_found');
  });
});
