// Token bindings, details and the off switch through GraphQL: the same services and rules as REST.
import { bearer, createNamedToken, expectProblem, registerUser } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { codes, gql } from './gql';

describe('GraphQL: token bindings and details', () => {
  let t: TestApp;
  let ws: WorkspaceFixture;
  let d1: string;
  let d2: string;

  beforeAll(async () => {
    t = await startTestApp();
    ws = await newWorkspace(t);
    [d1, d2] = [(await ws.device()).id, (await ws.device()).id];
  }, 60_000);
  afterAll(() => t?.close());

  const FIELDS = 'id enabled disabledAt deviceIds allowedCidrs description metadata';

  it('createToken takes deviceIds, allowedCidrs, description and metadata; the binding applies on REST', async () => {
    const res = await gql(
      t,
      ws.owner.personalToken,
      `mutation($input: CreateNamedTokenInput!) { createToken(input: $input) { secret ${FIELDS} } }`,
      { input: { name: 'g', scopes: ['*'], deviceIds: [d1], allowedCidrs: ['127.0.0.1'], description: 'ü', metadata: { a: 1 } } },
    );
    expect(res.errors).toBeUndefined();
    const token = res.data?.createToken as Record<string, unknown>;
    expect(token).toMatchObject({ enabled: true, deviceIds: [d1], allowedCidrs: ['127.0.0.1/32'], description: 'ü', metadata: { a: 1 } });
    await t
      .http()
      .get(`/v1/authorize?workspaceId=${ws.id}&permission=devices:read&deviceId=${d1}`)
      .set(bearer(token.secret as string))
      .expect(204);
    expectProblem(
      await t
        .http()
        .get(`/v1/authorize?workspaceId=${ws.id}&permission=devices:read&deviceId=${d2}`)
        .set(bearer(token.secret as string)),
      403,
      'forbidden',
    );
    const me = await gql(t, token.secret as string, '{ me { ... on User { token { deviceIds allowedCidrs } } } }');
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: { token: { deviceIds: [d1], allowedCidrs: ['127.0.0.1/32'] } } });
  });

  it('disableToken / enableToken / updateToken, with the same validation as REST', async () => {
    const token = await createNamedToken(t, ws.owner.personalToken, { scopes: ['*'] });
    const off = await gql(t, ws.owner.personalToken, `mutation($id: ID!) { disableToken(id: $id) { ${FIELDS} } }`, { id: token.id });
    expect(off.data?.disableToken).toMatchObject({ enabled: false });
    expectProblem(await t.http().get('/v1/whoami').set(bearer(token.secret)), 401, 'token_invalid');
    const on = await gql(t, ws.owner.personalToken, `mutation($id: ID!) { enableToken(id: $id) { ${FIELDS} } }`, { id: token.id });
    expect(on.data?.enableToken).toMatchObject({ enabled: true });
    await t.http().get('/v1/whoami').set(bearer(token.secret)).expect(200);
    const bad = await gql(
      t,
      ws.owner.personalToken,
      `mutation($id: ID!, $input: UpdateTokenInput!) { updateToken(id: $id, input: $input) { id } }`,
      {
        id: token.id,
        input: { metadata: { big: 'x'.repeat(5000) }, allowedCidrs: ['junk'] },
      },
    );
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    // Another user's token: not found, as on REST.
    const stranger = await registerUser(t);
    const foreign = await gql(t, stranger.personalToken, `mutation($id: ID!) { disableToken(id: $id) { id } }`, { id: token.id });
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    await t.http().get('/v1/whoami').set(bearer(token.secret)).expect(200);
  });

  it('updateApiUserToken: by whoever manages the API user; a viewer and another tenant are refused', async () => {
    const bot = await ws.apiUser({ roles: ['viewer'], devices: [d1, d2] });
    const mutation = `mutation($w: ID!, $a: ID!, $t: ID!, $input: UpdateTokenInput!) {
      updateApiUserToken(workspaceId: $w, apiUserId: $a, tokenId: $t, input: $input) { ${FIELDS} } }`;
    const vars = { w: ws.id, a: bot.id, t: bot.tokenId, input: { deviceIds: [d2], description: 'bound' } };
    const viewer = await ws.member('viewer');
    expect(codes(await gql(t, viewer.personalToken, mutation, vars))).toEqual(['FORBIDDEN']);
    const other = await newWorkspace(t);
    expect(codes(await gql(t, other.owner.personalToken, mutation, vars))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(t, other.owner.personalToken, mutation, { ...vars, w: other.id }))).toEqual(['NOT_FOUND']);
    const res = await gql(t, ws.owner.personalToken, mutation, vars);
    expect(res.data?.updateApiUserToken).toMatchObject({ deviceIds: [d2], description: 'bound' });
    expectProblem(
      await t.http().get(`/v1/authorize?workspaceId=${ws.id}&permission=devices:read&deviceId=${d1}`).set(bearer(bot.token)),
      403,
      'forbidden',
    );
  });
});
