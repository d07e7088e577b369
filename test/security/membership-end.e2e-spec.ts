// What ends with a membership (review 13b's design question, decided): a member removed, or leaving,
// and later invited back, gets the access the new invitation grants through the tokens that follow
// their memberships, not the tokens made for that workspace before, nor the invitations they had sent.
import { bearer, createNamedToken, markEmailVerified, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const MEMBERS_READ = 'members:read';

/** The status of an authorize check for `secret` in the workspace (204 allowed; 401 for a token cut off from it). */
async function check(secret: string, workspaceId: string): Promise<number> {
  const res = await t.http().get('/v1/authorize').set(bearer(secret)).query({ workspaceId, permission: MEMBERS_READ });
  return res.status;
}

/** A member of `ws` and of a second workspace, with a token for each case: restricted to ws, to both, and unrestricted. */
async function memberWithTokens(ws: WorkspaceFixture) {
  const other = await newWorkspace(t);
  const member = await ws.member('admin');
  await other.member('member', { user: member });
  const onlyHere = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
  const hereAndThere = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: [ws.id, other.id] });
  const anywhere = await createNamedToken(t, member.personalToken, { scopes: ['*'], workspaceIds: null });
  // Warm the caches: each is allowed before the membership ends.
  for (const token of [onlyHere, hereAndThere, anywhere]) expect(await check(token.secret, ws.id)).toBe(204);
  return { member, other, onlyHere, hereAndThere, anywhere };
}

async function auditDetails(ws: WorkspaceFixture, action: string): Promise<Record<string, unknown>> {
  const res = await t.http().get(`/v1/workspaces/${ws.id}/audit-events`).set(bearer(ws.owner.personalToken)).query({ action }).expect(200);
  return res.body.items[0].details;
}

describe('a membership ends: what was made for the workspace does not come back with a new one', () => {
  it.each(['removed', 'left'] as const)(
    'member %s: tokens restricted to the workspace are revoked or cut off from it, and stay so after a new invitation; unrestricted ones follow the membership',
    async (how) => {
      const ws = await newWorkspace(t);
      const { member, other, onlyHere, hereAndThere, anywhere } = await memberWithTokens(ws);
      if (how === 'removed') {
        await t.http().delete(`/v1/workspaces/${ws.id}/members/${member.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      } else {
        await t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(member.personalToken)).expect(204);
      }
      expect(await auditDetails(ws, how === 'removed' ? 'member.removed' : 'member.left')).toEqual({
        tokensRevoked: 1,
        tokensCutOff: 1,
        invitationsRevoked: 0,
      });
      await ws.member('admin', { user: member });

      expect({
        onlyHere: await check(onlyHere.secret, ws.id),
        hereAndThere: await check(hereAndThere.secret, ws.id),
        hereAndThereElsewhere: await check(hereAndThere.secret, other.id),
        anywhere: await check(anywhere.secret, ws.id),
        personal: await check(member.personalToken, ws.id),
      }).toEqual({ onlyHere: 401, hereAndThere: 401, hereAndThereElsewhere: 204, anywhere: 204, personal: 204 });

      // The member's own list says what happened to each: the one made for this workspace alone is revoked,
      // the one naming two is cut off from this one, the unrestricted one untouched.
      const listed = await t.http().get('/v1/me/tokens').set(bearer(member.personalToken)).expect(200);
      const stateOf = (id: string) => {
        const token = listed.body.items.find((item: { id: string }) => item.id === id);
        return token ? { revoked: token.revokedAt !== null, workspaceIds: token.workspaceIds } : 'not listed';
      };
      expect([stateOf(onlyHere.id), stateOf(hereAndThere.id), stateOf(anywhere.id)]).toEqual([
        'not listed',
        { revoked: false, workspaceIds: [ws.id, other.id] },
        { revoked: false, workspaceIds: null },
      ]);
    },
  );

  it('a token another member holds is untouched by someone else’s removal', async () => {
    const ws = await newWorkspace(t);
    const stays = await ws.member('admin');
    const token = await createNamedToken(t, stays.personalToken, { scopes: ['*'], workspaceIds: [ws.id] });
    const goes = await ws.member('member');
    await t.http().delete(`/v1/workspaces/${ws.id}/members/${goes.id}`).set(bearer(ws.owner.personalToken)).expect(204);
    expect(await check(token.secret, ws.id)).toBe(204);
  });

  it.each(['removed', 'left'] as const)(
    'member %s: the invitations they sent and nobody answered are revoked, and stay so after they are invited back',
    async (how) => {
      const ws = await newWorkspace(t);
      const inviter = await ws.member('admin');
      const invitee = await registerUser(t, uniqueEmail('invitee'));
      const sent = await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(inviter.personalToken))
        .send({ email: invitee.email, roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } })
        .expect(201);
      if (how === 'removed') {
        await t.http().delete(`/v1/workspaces/${ws.id}/members/${inviter.id}`).set(bearer(ws.owner.personalToken)).expect(204);
      } else {
        await t.http().post(`/v1/workspaces/${ws.id}/leave`).set(bearer(inviter.personalToken)).expect(204);
      }
      expect(await auditDetails(ws, how === 'removed' ? 'member.removed' : 'member.left')).toEqual({
        tokensRevoked: 0,
        tokensCutOff: 0,
        invitationsRevoked: 1,
      });
      await ws.member('admin', { user: inviter });

      const listed = await t.http().get(`/v1/workspaces/${ws.id}/invitations`).set(bearer(ws.owner.personalToken)).expect(200);
      const invitation = listed.body.items.find((i: { id: string }) => i.id === sent.body.invitation.id);
      expect(invitation.status).toBe('revoked');
      await markEmailVerified(t, invitee.id);
      const accept = await t.http().post('/v1/invitations/accept').set(bearer(invitee.personalToken)).send({ token: sent.body.secret });
      expect({ status: accept.status, detail: accept.body.detail }).toEqual({ status: 409, detail: 'The invitation is revoked.' });
      const members = await t.http().get(`/v1/workspaces/${ws.id}/members`).set(bearer(ws.owner.personalToken)).expect(200);
      expect(members.body.items.map((m: { id: string }) => m.id)).not.toContain(invitee.id);
    },
  );
});
