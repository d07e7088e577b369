import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { gql } from './gql';

describe('graphql smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers', async () => {
    const ws = await newWorkspace(t);
    const d = await ws.device();
    const bot = await ws.apiUser({ roles: ['viewer'], devices: [d.id] });
    const r1 = await gql(t, null, '{ permissions { permissions { name } } }');
    console.log(JSON.stringify(r1.body).slice(0, 300));
    const r2 = await gql(t, ws.owner.personalToken, `query($id: ID!) { me { __typename ... on User { id email token { kind } } } workspace(id: $id) { id name tokenPolicy { allowPersonalTokens } members { items { email roles { name } deviceAccess { mode } } } devices { items { id serial metadata } } apiUsers { items { id name tokens { items { id hint } } } } roles { name } } }`, { id: ws.id });
    console.log(r2.status, JSON.stringify(r2.body).slice(0, 2000));
    const r3 = await gql(t, bot.token, `{ me { ... on ApiUser { workspace { id name } roles { name } } } }`, undefined, 'Token');
    console.log(r3.status, JSON.stringify(r3.body));
    const r4 = await gql(t, 'lkp_bad', `{ me { __typename } }`);
    console.log(r4.status, r4.headers['www-authenticate'], JSON.stringify(r4.body));
    const r5 = await gql(t, bot.token, `query($id: ID!) { workspace(id: $id) { devices { items { id } } members { items { email } } } }`, { id: ws.id });
    console.log(r5.status, JSON.stringify(r5.body));
  });
});
