// Changing what a team hands out, or deleting the team, acts on everyone in it: the caller holds every
// right they hold (assertCanActOn, docs/security.md), as for taking one of them out of the team and as
// for changing a role its holders hold. Through REST and GraphQL, which share the service.
import { randomUUID } from 'node:crypto';
import { codes, gql } from '../graphql/gql';
import { bearer, expectProblem } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

describe('security: changing or deleting a team acts on everyone in it', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const teams = (wid: string, rest = '') => `/v1/workspaces/${wid}/teams${rest}`;

  /**
   * The finding's workspace: a victim holding audit:read and tokens:read on d1 by its own role, and the
   * member role on every device through team T; an attacker with teams:manage, the member role's
   * permissions and every device, but neither audit:read nor tokens:read.
   */
  async function setup() {
    const ws = await newWorkspace(t);
    const [d1, d2] = [(await ws.device()).id, (await ws.device()).id];
    const victim = await ws.member({ id: await ws.role(['workspace:read', 'audit:read', 'tokens:read']) }, { devices: [d1] });
    const memberPermissions = ws.permissionsOf.get(ws.roles.member) ?? [];
    const attacker = await ws.member({ id: await ws.role([...memberPermissions, 'teams:read', 'teams:manage']) });
    const team = await t
      .http()
      .post(teams(ws.id))
      .set(bearer(ws.owner.personalToken))
      .send({ name: `T ${randomUUID().slice(0, 8)}`, roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } })
      .expect(201);
    await t
      .http()
      .put(teams(ws.id, `/${team.body.id}/members/${victim.id}`))
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    return { ws, d1, d2, victim, attacker, teamId: team.body.id as string };
  }

  const getTeam = (ws: WorkspaceFixture, teamId: string) =>
    t
      .http()
      .get(teams(ws.id, `/${teamId}`))
      .set(bearer(ws.owner.personalToken));

  /** The victim may read devices on d2 only through the team. */
  const victimReadsD2 = (ws: WorkspaceFixture, secret: string, d2: string) =>
    t.http().get('/v1/authorize').query({ workspaceId: ws.id, permission: 'devices:read', deviceId: d2 }).set(bearer(secret));

  const NARROWED = { roleIds: [], deviceAccess: { mode: 'selected', deviceIds: [] } };

  it('refuses narrowing the roles and devices of a team holding a stronger principal (403), and changes nothing', async () => {
    const { ws, d2, victim, attacker, teamId } = await setup();
    // Taking the victim out was refused already: the setup is the finding's.
    const out = await t
      .http()
      .delete(teams(ws.id, `/${teamId}/members/${victim.id}`))
      .set(bearer(attacker.personalToken));
    expect(expectProblem(out, 403, 'forbidden').detail).toMatch(/audit:read, tokens:read/);
    const before = (await getTeam(ws, teamId).expect(200)).body;

    for (const body of [NARROWED, { roleIds: [] }, { deviceAccess: { mode: 'selected', deviceIds: [] } }]) {
      const res = await t
        .http()
        .patch(teams(ws.id, `/${teamId}`))
        .set(bearer(attacker.personalToken))
        .send(body);
      expect(expectProblem(res, 403, 'forbidden').detail).toMatch(/audit:read, tokens:read/);
    }
    expect((await getTeam(ws, teamId).expect(200)).body).toEqual(before);
    await victimReadsD2(ws, victim.personalToken, d2).expect(204);
  });

  it('refuses deleting a team holding a stronger principal (403), and the team stays', async () => {
    const { ws, d2, victim, attacker, teamId } = await setup();
    const res = await t
      .http()
      .delete(teams(ws.id, `/${teamId}`))
      .set(bearer(attacker.personalToken));
    expect(expectProblem(res, 403, 'forbidden').detail).toMatch(/audit:read, tokens:read/);
    expect((await getTeam(ws, teamId).expect(200)).body.members).toEqual([expect.objectContaining({ userId: victim.id })]);
    await victimReadsD2(ws, victim.personalToken, d2).expect(204);
  });

  it('counts API users in the team as well', async () => {
    const { ws, attacker } = await setup();
    const bot = await ws.apiUser({ roles: [{ id: await ws.role(['workspace:read', 'audit:read']) }] });
    const team = await t
      .http()
      .post(teams(ws.id))
      .set(bearer(attacker.personalToken))
      .send({ name: 'Bots', roleIds: [], deviceAccess: { mode: 'all' } })
      .expect(201);
    await t
      .http()
      .put(teams(ws.id, `/${team.body.id}/api-users/${bot.id}`))
      .set(bearer(ws.owner.personalToken))
      .expect(200);
    const patched = await t
      .http()
      .patch(teams(ws.id, `/${team.body.id}`))
      .set(bearer(attacker.personalToken))
      .send({ deviceAccess: { mode: 'selected', deviceIds: [] } });
    expect(expectProblem(patched, 403, 'forbidden').detail).toMatch(/audit:read/);
    expectProblem(
      await t
        .http()
        .delete(teams(ws.id, `/${team.body.id}`))
        .set(bearer(attacker.personalToken)),
      403,
      'forbidden',
    );
  });

  it('refuses the same through the GraphQL updateTeam and deleteTeam mutations', async () => {
    const { ws, attacker, teamId } = await setup();
    const update = await gql(
      t,
      attacker.personalToken,
      'mutation($w: ID!, $id: ID!) { updateTeam(workspaceId: $w, id: $id, input: { roleIds: [], deviceAccess: { mode: "selected", deviceIds: [] } }) { id } }',
      { w: ws.id, id: teamId },
    );
    expect(codes(update)).toEqual(['FORBIDDEN']);
    const deleted = await gql(t, attacker.personalToken, 'mutation($w: ID!, $id: ID!) { deleteTeam(workspaceId: $w, id: $id) { id } }', {
      w: ws.id,
      id: teamId,
    });
    expect(codes(deleted)).toEqual(['FORBIDDEN']);
    const team = (await getTeam(ws, teamId).expect(200)).body;
    expect(team).toMatchObject({ roles: [{ id: ws.roles.member }], deviceAccess: { mode: 'all' } });
  });

  it('lets an owner narrow and delete the same team, and the victim loses what it handed out', async () => {
    const { ws, d2, victim, teamId } = await setup();
    const owner = bearer(ws.owner.personalToken);
    const patched = await t
      .http()
      .patch(teams(ws.id, `/${teamId}`))
      .set(owner)
      .send(NARROWED)
      .expect(200);
    expect(patched.body).toMatchObject({ roles: [], deviceAccess: { mode: 'selected', deviceIds: [] } });
    expectProblem(await victimReadsD2(ws, victim.personalToken, d2), 403, 'forbidden');
    await t
      .http()
      .delete(teams(ws.id, `/${teamId}`))
      .set(owner)
      .expect(204);
    expectProblem(await getTeam(ws, teamId), 404, 'not_found');
  });

  it('lets the weaker manager rename the team or send its grant unchanged, as a role is renamed', async () => {
    const { ws, attacker, teamId } = await setup();
    const renamed = await t
      .http()
      .patch(teams(ws.id, `/${teamId}`))
      .set(bearer(attacker.personalToken))
      .send({ name: 'Renamed', description: 'only words' })
      .expect(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed', description: 'only words', roles: [{ id: ws.roles.member }] });
    await t
      .http()
      .patch(teams(ws.id, `/${teamId}`))
      .set(bearer(attacker.personalToken))
      .send({ roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } })
      .expect(200);
  });

  it('lets any manager who may grant it change and delete a team with no one in it, or only principals it may act on', async () => {
    const { ws, attacker } = await setup();
    const manage = bearer(attacker.personalToken);
    const empty = await t
      .http()
      .post(teams(ws.id))
      .set(bearer(ws.owner.personalToken))
      .send({ name: 'Empty', roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    await t
      .http()
      .patch(teams(ws.id, `/${empty.body.id}`))
      .set(manage)
      .send(NARROWED)
      .expect(200);
    await t
      .http()
      .delete(teams(ws.id, `/${empty.body.id}`))
      .set(manage)
      .expect(204);

    // A weaker member, and an owner (who holds everything whatever its teams, so a team change takes nothing from it).
    const weak = await ws.member('viewer');
    const team = await t
      .http()
      .post(teams(ws.id))
      .set(manage)
      .send({ name: 'Mixed', roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } })
      .expect(201);
    for (const userId of [weak.id, ws.owner.id]) {
      await t
        .http()
        .put(teams(ws.id, `/${team.body.id}/members/${userId}`))
        .set(bearer(ws.owner.personalToken))
        .expect(200);
    }
    await t
      .http()
      .patch(teams(ws.id, `/${team.body.id}`))
      .set(manage)
      .send(NARROWED)
      .expect(200);
    await t
      .http()
      .delete(teams(ws.id, `/${team.body.id}`))
      .set(manage)
      .expect(204);
  });
});
