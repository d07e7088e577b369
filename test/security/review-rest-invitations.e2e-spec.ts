// Independent review of the invitation routes: the empty change (which answers before any grant is
// checked) by those who may not change, the other secrets of Latchkey on the public preview, and a
// preview that must name nothing beyond what the link offers.
import { bearer, createNamedToken, expectProblem, registerUser, uniqueEmail } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

async function invite(ws: WorkspaceFixture, email = uniqueEmail('invitee')): Promise<{ id: string; secret: string; email: string }> {
  const res = await t
    .http()
    .post(`/v1/workspaces/${ws.id}/invitations`)
    .set(bearer(ws.owner.personalToken))
    .send({ email, roleIds: [ws.roles.member], deviceAccess: { mode: 'all' } })
    .expect(201);
  return { id: res.body.invitation.id, secret: res.body.secret, email };
}
const patch = (wid: string, id: string, body: object, by: string) =>
  t.http().patch(`/v1/workspaces/${wid}/invitations/${id}`).set(bearer(by)).send(body);

describe('review: invitations', () => {
  it('an empty change is refused like any other to a viewer, an API user, a narrow token and another workspace', async () => {
    const ws = await newWorkspace(t);
    const other = await newWorkspace(t);
    const inv = await invite(ws);
    const viewer = await ws.member('viewer');
    const bot = await ws.apiUser({ roles: ['viewer'] });
    const narrow = await createNamedToken(t, ws.owner.personalToken, { scopes: ['members:read'] });
    expectProblem(await patch(ws.id, inv.id, {}, viewer.personalToken), 403, 'forbidden');
    expectProblem(await patch(ws.id, inv.id, {}, bot.token), 403, 'forbidden');
    expectProblem(await patch(ws.id, inv.id, {}, narrow.secret), 403, 'insufficient_scope');
    // Another workspace's owner: through their workspace, and through this one.
    expectProblem(await patch(other.id, inv.id, {}, other.owner.personalToken), 404, 'not_found');
    expect((await patch(ws.id, inv.id, {}, other.owner.personalToken)).status).toBe(404);
  });

  it("the preview answers Latchkey's other secrets as unknown, and names no address, id of a person, or secret", async () => {
    const ws = await newWorkspace(t);
    const inv = await invite(ws, uniqueEmail('private.person'));
    const stranger = await registerUser(t);
    for (const token of [stranger.personalToken, inv.secret.replace(/^lki_/, 'lkv_'), inv.secret.replace(/^lki_/, 'lkr_'), inv.id]) {
      expectProblem(await t.http().post('/v1/invitations/preview').send({ token }), 404, 'not_found');
    }
    // The secret in a query string is not read.
    expect((await t.http().post(`/v1/invitations/preview?token=${inv.secret}`).send({})).status).toBe(400);
    const res = await t.http().post('/v1/invitations/preview').send({ token: inv.secret }).expect(200);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(inv.email);
    expect(text).not.toContain(inv.email.split('@')[0]);
    expect(text).not.toContain(ws.owner.email);
    expect(text).not.toContain(ws.owner.id);
    expect(text).not.toContain(inv.secret);
    expect(text).not.toContain(inv.id);
  });
});
