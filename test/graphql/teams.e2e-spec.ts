// Teams through GraphQL: the same services and rules as REST (src/teams), the union of rights seen by
// authorize, escalation refused, and a team's member lists priced at what they may answer.
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from './gql';

describe('GraphQL teams', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const CREATE = `mutation($w: ID!, $r: [ID!]!, $a: DeviceAccessInput!) {
    createTeam(workspaceId: $w, input: { name: "Auditors", roleIds: $r, deviceAccess: $a }) { id name roles { id } deviceAccess { mode } manageable } }`;
  const ADD = 'mutation($w: ID!, $t: ID!, $u: ID!) { addTeamMember(workspaceId: $w, teamId: $t, userId: $u) { id members { userId } } }';
  const REMOVE = 'mutation($w: ID!, $t: ID!, $u: ID!) { removeTeamMember(workspaceId: $w, teamId: $t, userId: $u) { id } }';
  const AUTHORIZE = 'query($w: ID!) { authorize(workspaceId: $w, permission: "audit:read") { allowed } }';

  it('creates a team, puts a member in it, and authorize follows at once; then out again', async () => {
    const ws = await newWorkspace(t);
    const member = await ws.member('viewer');
    const auditor = await ws.role(['workspace:read', 'audit:read']);
    const created = await gql(t, ws.owner.personalToken, CREATE, { w: ws.id, r: [auditor], a: { mode: 'all' } });
    expect(created.errors).toBeUndefined();
    const team = created.data?.createTeam as { id: string };
    expect(created.data?.createTeam).toMatchObject({
      name: 'Auditors',
      roles: [{ id: auditor }],
      deviceAccess: { mode: 'all' },
      manageable: true,
    });
    expect((await gql(t, member.personalToken, AUTHORIZE, { w: ws.id })).data?.authorize).toEqual({ allowed: false });

    const added = await gql(t, ws.owner.personalToken, ADD, { w: ws.id, t: team.id, u: member.id });
    expect(added.data?.addTeamMember).toEqual({ id: team.id, members: [{ userId: member.id }] });
    expect((await gql(t, member.personalToken, AUTHORIZE, { w: ws.id })).data?.authorize).toEqual({ allowed: true });

    const listed = await gql(
      t,
      ws.owner.personalToken,
      'query($w: ID!) { workspace(id: $w) { teams(limit: 5) { items { id members { email } } } } }',
      {
        w: ws.id,
      },
    );
    expect(listed.data).toEqual({ workspace: { teams: { items: [{ id: team.id, members: [{ email: member.email }] }] } } });

    expect((await gql(t, ws.owner.personalToken, REMOVE, { w: ws.id, t: team.id, u: member.id })).data?.removeTeamMember).toEqual({
      id: member.id,
    });
    expect((await gql(t, member.personalToken, AUTHORIZE, { w: ws.id })).data?.authorize).toEqual({ allowed: false });
    const deleted = await gql(t, ws.owner.personalToken, 'mutation($w: ID!, $id: ID!) { deleteTeam(workspaceId: $w, id: $id) { id } }', {
      w: ws.id,
      id: team.id,
    });
    expect(deleted.data?.deleteTeam).toEqual({ id: team.id });
  });

  it('refuses an admin putting itself into a team holding what it lacks, and an owner-role team', async () => {
    const ws = await newWorkspace(t);
    const admin = await ws.member('admin');
    const deleter = await ws.role(['workspace:delete']);
    const team = (await gql(t, ws.owner.personalToken, CREATE, { w: ws.id, r: [deleter], a: { mode: 'all' } })).data?.createTeam as {
      id: string;
    };
    expect(codes(await gql(t, admin.personalToken, ADD, { w: ws.id, t: team.id, u: admin.id }))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(t, ws.owner.personalToken, CREATE, { w: ws.id, r: [ws.roles.owner], a: { mode: 'all' } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    const viewer = await ws.member('viewer');
    expect(codes(await gql(t, viewer.personalToken, CREATE, { w: ws.id, r: [], a: { mode: 'all' } }))).toEqual(['FORBIDDEN']);
  });

  it("prices a team's members at what they may answer: a page of 200 teams with members is refused", async () => {
    const ws = await newWorkspace(t);
    const res = await gql(
      t,
      ws.owner.personalToken,
      'query($w: ID!) { workspace(id: $w) { teams(limit: 200) { items { members { email } } } } }',
      {
        w: ws.id,
      },
    );
    expect(res.errors?.[0].message).toMatch(/cost/i);
  });
});
