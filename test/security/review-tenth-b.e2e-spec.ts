// Review 10b: failing tests for what the tenth look (part b) found in invitations left behind
// (audit log, sessions, personal tokens, platform admin and teams held). Each asserts the secure
// behaviour and fails on the code it was written against.
import { acceptAsVerified, bearer, expectProblem, registerUser } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const invitations = (wid: string, rest = '') => `/v1/workspaces/${wid}/invitations${rest}`;

/** A manager holding the viewer role's permissions and members:manage, nothing else. */
async function weakManager(ws: WorkspaceFixture) {
  const viewerPermissions = ws.permissionsOf.get(ws.roles.viewer) ?? [];
  return ws.member({ id: await ws.role([...viewerPermissions, 'members:manage']) });
}

async function ownerInvites(ws: WorkspaceFixture, roleId: string) {
  const invitee = await registerUser(t);
  const res = await t
    .http()
    .post(invitations(ws.id))
    .set(bearer(ws.owner.personalToken))
    .send({ email: invitee.email, roleIds: [roleId], deviceAccess: { mode: 'all' } })
    .expect(201);
  return { invitee, id: res.body.invitation.id as string, secret: res.body.secret as string };
}

describe('review 10b: invitations left behind', () => {
  it('I1: an invitation lapses when its inviter loses members:manage, even if it keeps the rights the invitation grants', async () => {
    const ws = await newWorkspace(t);
    const manager = await weakManager(ws);
    const invitee = await registerUser(t);
    const sent = await t
      .http()
      .post(invitations(ws.id))
      .set(bearer(manager.personalToken))
      .send({ email: invitee.email, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
      .expect(201);
    // The owner takes the right to invite away: the built-in member role holds every viewer permission, not members:manage.
    await t
      .http()
      .patch(`/v1/workspaces/${ws.id}/members/${manager.id}`)
      .set(bearer(ws.owner.personalToken))
      .send({ roleIds: [ws.roles.member] })
      .expect(200);
    const answer = await acceptAsVerified(t, invitee.personalToken, { token: sent.body.secret });
    expectProblem(answer, 409, 'conflict');
    const members = await t.http().get(`/v1/workspaces/${ws.id}/members?limit=200`).set(bearer(ws.owner.personalToken)).expect(200);
    expect(members.body.items.map((m: { userId: string }) => m.userId)).not.toContain(invitee.id);
  });

  it("I2: a manager cannot change an owner's invitation offering the owner role (or roles it does not hold) into a lesser one", async () => {
    const ws = await newWorkspace(t);
    const manager = await weakManager(ws);
    for (const role of [ws.roles.owner, ws.roles.admin]) {
      const offer = await ownerInvites(ws, role);
      const res = await t
        .http()
        .patch(invitations(ws.id, `/${offer.id}`))
        .set(bearer(manager.personalToken))
        .send({ roleIds: [ws.roles.viewer] });
      expectProblem(res, 403, 'forbidden');
      const listed = await t.http().get(invitations(ws.id)).set(bearer(ws.owner.personalToken)).expect(200);
      const row = listed.body.items.find((i: { id: string }) => i.id === offer.id);
      expect(row.roleIds).toEqual([role]);
      expect(row.invitedByUserId).toBe(ws.owner.id);
    }
  });

  it('I3: a manager who is not an owner cannot revoke an invitation offering the owner role (only owners touch owners)', async () => {
    const ws = await newWorkspace(t);
    const manager = await weakManager(ws);
    const offer = await ownerInvites(ws, ws.roles.owner);
    const res = await t
      .http()
      .delete(invitations(ws.id, `/${offer.id}`))
      .set(bearer(manager.personalToken));
    expectProblem(res, 403, 'forbidden');
    const listed = await t.http().get(invitations(ws.id)).set(bearer(ws.owner.personalToken)).expect(200);
    expect(listed.body.items.find((i: { id: string }) => i.id === offer.id).status).toBe('pending');
  });

  it('I2/I3 in the views: each invitation says whether the caller may act on it (the console offers Edit/Resend/Revoke by it; were offered on all, and refused)', async () => {
    const ws = await newWorkspace(t);
    const manager = await weakManager(ws);
    const ownersOffer = await ownerInvites(ws, ws.roles.owner);
    const viewersOffer = await ownerInvites(ws, ws.roles.viewer);
    const manageableIn = async (token: string) => {
      const listed = await t.http().get(invitations(ws.id)).set(bearer(token)).expect(200);
      // (The members' own accepted invitations are listed too.)
      const offers = listed.body.items.filter((i: { id: string }) => i.id === ownersOffer.id || i.id === viewersOffer.id);
      return Object.fromEntries(offers.map((i: { id: string; manageable: boolean }) => [i.id, i.manageable]));
    };
    expect(await manageableIn(manager.personalToken)).toEqual({ [ownersOffer.id]: false, [viewersOffer.id]: true });
    expect(await manageableIn(ws.owner.personalToken)).toEqual({ [ownersOffer.id]: true, [viewersOffer.id]: true });
    // A member who may read invitations but not send them may act on none.
    const reader = await ws.member({ id: await ws.role(['members:read']) });
    expect(await manageableIn(reader.personalToken)).toEqual({ [ownersOffer.id]: false, [viewersOffer.id]: false });
    // GraphQL says the same.
    const gql = await t
      .http()
      .post('/graphql')
      .set(bearer(manager.personalToken))
      .send({ query: 'query($w: ID!) { workspace(id: $w) { invitations { items { id manageable } } } }', variables: { w: ws.id } });
    const items = gql.body.data.workspace.invitations.items.filter(
      (i: { id: string }) => i.id === ownersOffer.id || i.id === viewersOffer.id,
    );
    expect(Object.fromEntries(items.map((i: { id: string; manageable: boolean }) => [i.id, i.manageable]))).toEqual({
      [ownersOffer.id]: false,
      [viewersOffer.id]: true,
    });
    // A no-op change answers the same.
    const same = await t
      .http()
      .patch(invitations(ws.id, `/${ownersOffer.id}`))
      .set(bearer(manager.personalToken))
      .send({});
    expect(same.status).toBe(200);
    expect(same.body.manageable).toBe(false);
  });
});
