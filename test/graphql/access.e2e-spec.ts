// More of REST's access behaviour, through GraphQL: restricted tokens, removal and disabling taking
// effect at once, roles that do not grant a list, and no escalation through API users.
import { bearer, createNamedToken } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from './gql';

describe('GraphQL access', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('a token restricted to one of its user’s workspaces sees nothing of the other, listed, by id or by mutation', async () => {
    const a = await newWorkspace(t);
    const b = await newWorkspace(t, a.owner);
    const restricted = await createNamedToken(t, a.owner.personalToken, { scopes: ['*'], workspaceIds: [a.id] });
    const listed = await gql(t, restricted.secret, '{ workspaces { items { id } } }');
    expect(listed.data).toEqual({ workspaces: { items: [{ id: a.id }] } });
    expect(codes(await gql(t, restricted.secret, 'query($w: ID!) { workspace(id: $w) { id } }', { w: b.id }))).toEqual(['NOT_FOUND']);
    const write = await gql(
      t,
      restricted.secret,
      'mutation($w: ID!) { createDevice(workspaceId: $w, input: { name: "x", serial: "R-1" }) { id } }',
      {
        w: b.id,
      },
    );
    expect(codes(write)).toEqual(['NOT_FOUND']);
  });

  it('a removed member gets NOT_FOUND at once; a disabled API user’s token is refused at once', async () => {
    const ws = await newWorkspace(t);
    const member = await ws.member('viewer');
    const read = () => gql(t, member.personalToken, 'query($w: ID!) { workspace(id: $w) { id } }', { w: ws.id });
    expect((await read()).errors).toBeUndefined();
    const removed = await gql(
      t,
      ws.owner.personalToken,
      'mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) { id } }',
      {
        w: ws.id,
        u: member.id,
      },
    );
    expect(removed.data).toEqual({ removeMember: { id: member.id } });
    expect(codes(await read())).toEqual(['NOT_FOUND']);

    const bot = await ws.apiUser({ roles: ['viewer'] });
    expect((await gql(t, bot.token, '{ me { __typename } }')).status).toBe(200);
    await gql(
      t,
      ws.owner.personalToken,
      'mutation($w: ID!, $id: ID!) { updateApiUser(workspaceId: $w, id: $id, input: { status: "disabled" }) { status } }',
      {
        w: ws.id,
        id: bot.id,
      },
    );
    expect((await gql(t, bot.token, '{ me { __typename } }')).status).toBe(401);
  });

  it('a viewer reads the workspace but not its token governance or audit log, each refused on its own field', async () => {
    const ws = await newWorkspace(t);
    const viewer = await ws.member('viewer');
    const res = await gql(
      t,
      viewer.personalToken,
      'query($w: ID!) { workspace(id: $w) { name tokens { items { id } } auditEvents { items { id } } } }',
      {
        w: ws.id,
      },
    );
    expect(res.data).toBeNull();
    expect(codes(res)[0]).toBe('FORBIDDEN');
    const apiUsers = await gql(t, viewer.personalToken, 'query($w: ID!) { workspace(id: $w) { apiUsers { items { id } } } }', { w: ws.id });
    expect(codes(apiUsers)).toEqual(['FORBIDDEN']);
  });

  it('an API user that manages API users cannot make one above itself, nor give it the owner role', async () => {
    const ws = await newWorkspace(t);
    const manager = await ws.role(['api_users:manage', 'api_users:read', 'devices:read']);
    const bot = await ws.apiUser({ roles: [{ id: manager }] });
    const create = (roleIds: string[]) =>
      gql(
        t,
        bot.token,
        'mutation($w: ID!, $r: [ID!]!) { createApiUser(workspaceId: $w, input: { name: "child", roleIds: $r, deviceAccess: { mode: "all" } }) { apiUser { id } } }',
        {
          w: ws.id,
          r: roleIds,
        },
      );
    expect(codes(await create([ws.roles.admin]))).toEqual(['FORBIDDEN']);
    expect(codes(await create([ws.roles.owner]))[0]).toMatch(/^(FORBIDDEN|BAD_USER_INPUT)$/);
    const listed = await t.http().get(`/v1/workspaces/${ws.id}/api-users`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(listed.body.items).toHaveLength(1);
  });

  it('the last owner cannot be demoted: LAST_OWNER', async () => {
    const ws = await newWorkspace(t);
    const res = await gql(
      t,
      ws.owner.personalToken,
      'mutation($w: ID!, $u: ID!, $r: [ID!]) { updateMember(workspaceId: $w, userId: $u, input: { roleIds: $r }) { userId } }',
      {
        w: ws.id,
        u: ws.owner.id,
        r: [ws.roles.admin],
      },
    );
    expect(codes(res)).toEqual(['LAST_OWNER']);
  });

  it('a request holds one mutation: a member cannot leave and act on in one request, nothing of it runs', async () => {
    const ws = await newWorkspace(t);
    const admin = await ws.member('admin');
    const res = await gql(
      t,
      admin.personalToken,
      'mutation($w: ID!) { first: createDevice(workspaceId: $w, input: { name: "a", serial: "SEQ-1" }) { id } leave: leaveWorkspace(id: $w) { id } after: createDevice(workspaceId: $w, input: { name: "b", serial: "SEQ-2" }) { id } }',
      { w: ws.id },
    );
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const devices = await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(devices.body.items).toEqual([]);
    // Still a member: the leave did not run either.
    await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(admin.personalToken)).expect(200);
  });
});
