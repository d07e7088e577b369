// Small helpers for the e2e specs: register users, read secrets, build headers.
import { randomBytes } from 'node:crypto';
import type request from 'supertest';
import { hashToken } from '../../src/auth/token-format';
import { METRICS_KEY, type TestApp } from './test-app';

export const PASSWORD = 'correct horse battery staple';

export interface RegisteredUser {
  id: string;
  email: string;
  password: string;
  personalToken: string;
  personalTokenId: string;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.com`;
}

export function bearer(secret: string): { Authorization: string } {
  return { Authorization: `Bearer ${secret}` };
}

export async function registerUser(t: TestApp, email = uniqueEmail(), name = 'Test User'): Promise<RegisteredUser> {
  const res = await t.http().post('/v1/auth/register').send({ email, password: PASSWORD, name }).expect(201);
  return {
    id: res.body.user.id,
    email,
    password: PASSWORD,
    personalToken: res.body.personalToken.secret,
    personalTokenId: res.body.personalToken.id,
  };
}

export async function login(t: TestApp, email: string, password = PASSWORD): Promise<string> {
  const res = await t.http().post('/v1/auth/login').send({ email, password }).expect(200);
  return res.body.token.secret;
}

export async function createNamedToken(
  t: TestApp,
  secret: string,
  body: { name?: string; scopes: string[]; workspaceIds?: string[] | null; expiresInDays?: number | null },
): Promise<{ id: string; secret: string; body: Record<string, unknown> }> {
  const res = await t
    .http()
    .post('/v1/me/tokens')
    .set(bearer(secret))
    .send({ name: 'named', ...body })
    .expect(201);
  return { id: res.body.id, secret: res.body.secret, body: res.body };
}

/** Every problem+json answer has the same shape; this checks it and returns the body. */
export function expectProblem(
  res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
  status: number,
  code: string,
) {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, title: expect.any(String), detail: expect.any(String), requestId: expect.any(String) });
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
  return res.body;
}

export async function createWorkspace(
  t: TestApp,
  secret: string,
  name = 'Workspace',
): Promise<{ id: string; slug: string; ownerRoleId: string }> {
  const res = await t.http().post('/v1/workspaces').set(bearer(secret)).send({ name }).expect(201);
  return { id: res.body.id, slug: res.body.slug, ownerRoleId: res.body.roles[0].id };
}

/** The ids of the built-in roles of a workspace, by name. */
export async function builtInRoles(
  t: TestApp,
  secret: string,
  workspaceId: string,
): Promise<Record<'owner' | 'admin' | 'member' | 'viewer', string>> {
  const res = await t.http().get(`/v1/workspaces/${workspaceId}/roles`).set(bearer(secret)).expect(200);
  const byName = Object.fromEntries(
    res.body.items.filter((r: { builtIn: boolean }) => r.builtIn).map((r: { name: string; id: string }) => [r.name, r.id]),
  );
  return byName as Record<'owner' | 'admin' | 'member' | 'viewer', string>;
}

/**
 * Invites `who` into the workspace with these roles and has them accept; returns the invitation id.
 * Accepting needs a verified address: `who`'s is marked verified first (test/api/mail.e2e-spec.ts
 * follows the real link).
 */
export async function inviteAndAccept(
  t: TestApp,
  ownerSecret: string,
  workspaceId: string,
  who: RegisteredUser,
  roleIds: string[],
  deviceAccess: object = { mode: 'all' },
): Promise<string> {
  const invitation = await t
    .http()
    .post(`/v1/workspaces/${workspaceId}/invitations`)
    .set(bearer(ownerSecret))
    .send({ email: who.email, roleIds, deviceAccess })
    .expect(201);
  await markEmailVerified(t, who.id);
  await t.http().post('/v1/invitations/accept').set(bearer(who.personalToken)).send({ token: invitation.body.secret }).expect(200);
  return invitation.body.invitation.id;
}

/** latchkey_db_unavailable_total for one reason, read from a /metrics scrape. */
export function databaseUnavailableCount(metrics: string, reason: 'unreachable' | 'pool_exhausted'): number {
  const match = new RegExp(`^latchkey_db_unavailable_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(metrics);
  if (!match) throw new Error(`no latchkey_db_unavailable_total{reason="${reason}"} in the metrics`);
  return Number(match[1]);
}

/**
 * POST /v1/invitations/accept as the holder of `bearerSecret`, whose address is marked verified first
 * (accepting needs it; test/api/mail.e2e-spec.ts verifies through the mailed link).
 */
export async function acceptAsVerified(t: TestApp, bearerSecret: string, body: object): Promise<request.Response> {
  await t.dataSource.query(
    `UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = (SELECT user_id FROM tokens WHERE token_hash = $1)`,
    [hashToken(bearerSecret)],
  );
  return t.http().post('/v1/invitations/accept').set(bearer(bearerSecret)).send(body);
}

/** Awaits an answer and checks its status, as supertest's .expect(status) does on a request not yet sent. */
export async function expectStatus(answer: Promise<request.Response>, status: number): Promise<request.Response> {
  const res = await answer;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

/** Marks the user's email address verified, as following the mailed link does: what admin-by-email, invitations and /me/invitations need. */
export async function markEmailVerified(t: TestApp, userId: string): Promise<void> {
  await t.dataSource.query(`UPDATE users SET email_verified_at = now() WHERE id = $1`, [userId]);
}

/** A /metrics scrape with the test apps' metrics key; its text. */
export async function scrapeMetrics(t: TestApp): Promise<string> {
  return (await t.http().get('/metrics').set(bearer(METRICS_KEY)).expect(200)).text;
}

/** A metric's value without labels in a scrape, or null when the scrape has no sample of it. */
export function metricValue(metrics: string, name: string): number | null {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? null : Number(line.split(' ')[1]);
}

/** Whether `condition` holds within `timeoutMs`, asked every 50 ms. */
export async function eventually(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
