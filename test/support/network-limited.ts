// An admin API user its owner limited to some networks, seen through a test app started with
// LATCHKEY_TRUST_PROXY=1 (the test client is the one proxy in front: the client address is the last
// X-Forwarded-For entry). For the attacks on network-bound grantors (reviews 12b and 13a).
import { bearer, expectProblem } from './api';
import { newWorkspace } from './fixtures';
import type { TestApp } from './test-app';

export const OUTSIDE = '198.51.100.7';
export const INSIDE = '203.0.113.9';
export const INSIDE_LIST = ['203.0.113.0/24'];

/** The workspace, the API user (the API user's own list is INSIDE_LIST; its first token has none), and `from(ip, secret?)`. */
export async function limitedAdminBot(t: TestApp) {
  const ws = await newWorkspace(t);
  const bot = await ws.apiUser({ roles: ['admin'] });
  await t
    .http()
    .patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`)
    .set(bearer(ws.owner.personalToken))
    .send({ allowedCidrs: INSIDE_LIST })
    .expect(200);
  const from = (ip: string, secret = bot.token) => t.http().get('/v1/whoami').set('X-Forwarded-For', ip).set(bearer(secret));
  await from(INSIDE).expect(200);
  expectProblem(await from(OUTSIDE), 403, 'network_not_allowed');
  return { ws, bot, from };
}
