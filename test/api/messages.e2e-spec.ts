// Validation messages a person can read, through HTTP: one per field, no class-validator jargon, no
// workspace named by its UUID; and the sign-in lockout's wait in words (test/security/passwords.e2e-spec.ts).
import { bearer, createNamedToken, expectProblem, PASSWORD, registerUser } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const JARGON =
  /elements|should not exist|must be a string|integer number|boolean value|longer than or equal|shorter than or equal|conforming|null or undefined|property /;

describe('field messages', () => {
  it.each([
    [
      'an empty role list',
      { email: 'a@example.com', roleIds: [], deviceAccess: { mode: 'all' } },
      { field: 'roleIds', message: 'must not be empty' },
    ],
    ['a missing field', { email: 'a@example.com', deviceAccess: { mode: 'all' } }, { field: 'roleIds', message: 'is required' }],
    [
      'a bad address',
      { email: 'not-an-address', roleIds: ['x'], deviceAccess: { mode: 'all' } },
      { field: 'email', message: 'must be an address such as name@example.com' },
    ],
    [
      'an unknown field',
      { email: 'a@example.com', roleIds: [], deviceAccess: { mode: 'all' }, role: 'admin' },
      { field: 'role', message: 'is not a field this request takes' },
    ],
    [
      'a string for a list',
      { email: 'a@example.com', roleIds: 'admin', deviceAccess: { mode: 'all' } },
      { field: 'roleIds', message: 'must be a list' },
    ],
    [
      'a mode that is not one',
      { email: 'a@example.com', roleIds: [], deviceAccess: { mode: 'some' } },
      { field: 'deviceAccess.mode', message: 'must be one of: all, selected' },
    ],
    [
      'a day count out of range',
      { email: 'a@example.com', roleIds: [], deviceAccess: { mode: 'all' }, expiresInDays: 0 },
      { field: 'expiresInDays', message: 'must be at least 1' },
    ],
  ])('%s', async (_label, body, expected) => {
    const ws = await newWorkspace(t);
    const res = await t.http().post(`/v1/workspaces/${ws.id}/invitations`).set(bearer(ws.owner.personalToken)).send(body);
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.errors).toContainEqual(expected);
    for (const error of problem.errors as Array<{ message: string }>) expect(error.message).not.toMatch(JARGON);
  });

  it('a password too short says how long it must be', async () => {
    const res = await t.http().post('/v1/auth/register').send({ email: 'short@example.com', password: 'short', name: 'A' });
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.errors).toEqual([{ field: 'password', message: expect.stringMatching(/^must be at least \d+ characters long$/) }]);
  });

  it('a named token refused by a workspace policy names the workspace by its name, not its id', async () => {
    const ws = await newWorkspace(t, undefined, 'Plant Floor');
    const session = (await t.http().post('/v1/auth/login').send({ email: ws.owner.email, password: PASSWORD }).expect(200)).body.token
      .secret;
    await t
      .http()
      .put(`/v1/workspaces/${ws.id}/token-policy`)
      .set(bearer(session))
      .send({ maxLifetimeDays: 30, allowPersonalTokens: true })
      .expect(200);
    const res = await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(session))
      .send({ name: 'ci', scopes: ['*'], workspaceIds: [ws.id], expiresInDays: 90 });
    expectProblem(res, 403, 'token_policy');
    expect(res.body.detail).toBe('Workspace "Plant Floor" accepts only tokens that expire within 30 days.');
    expect(res.body.detail).not.toContain(ws.id);
    await createNamedToken(t, session, { scopes: ['*'], workspaceIds: [ws.id], expiresInDays: 30 });
  });

  it('problems keep their shape', async () => {
    const user = await registerUser(t);
    const res = await t.http().post('/v1/me/tokens').set(bearer(user.personalToken)).send({ name: '', scopes: [] });
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem).toMatchObject({
      type: expect.any(String),
      title: expect.any(String),
      status: 400,
      detail: 'The request is not valid.',
    });
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'must not be empty' },
        { field: 'scopes', message: 'must not be empty' },
      ]),
    );
  });
});
