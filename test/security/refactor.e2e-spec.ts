// Security review of the architecture refactor (one workspace-write runner, WorkspaceCaller, modules
// reorganised, `access` and token policy verdicts): what an attacker could try against the new seams,
// through HTTP, plus the one wiring fact no route shows (a stateful provider made twice).
import { ModulesContainer } from '@nestjs/core';
import { PasswordHasher } from '../../src/accounts/password-hasher';
import { PasswordLimits } from '../../src/accounts/password-limits';
import { LoginThrottle } from '../../src/accounts/login-throttle';
import { CurrentPassword } from '../../src/accounts/current-password';
import { PlatformAdmins } from '../../src/accounts/platform-admins';
import { AuditLog } from '../../src/audit/audit-log';
import { LastUsedRecorder } from '../../src/auth/last-used.recorder';
import { TokenAuthenticator } from '../../src/auth/token-authenticator';
import { WorkspaceAccessResolver } from '../../src/authorization/workspace-access';
import { WorkspaceWrites } from '../../src/authorization/workspace-writes';
import { Invalidation } from '../../src/cache/invalidation';
import { ChecksService } from '../../src/checks/checks.service';
import { MetricsListener } from '../../src/metrics/metrics-listener';
import { MetricsService } from '../../src/metrics/metrics.service';
import { RateLimits } from '../../src/rate-limits/rate-limits';
import { RedisConnection } from '../../src/rate-limits/redis-connection';
import { PERMISSIONS } from '../../src/authorization/permissions';
import { bearer, createNamedToken, expectProblem, registerUser } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { fillPath, routeTable } from '../support/route-table';
import { TableWatch } from '../support/table-contents';
import { startTestApp, TestApp } from '../support/test-app';

describe('security review of the refactor', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  // The guard admits a caller under the route's rule and the write runner re-checks that same rule under
  // the lock: with the permission no longer named in each service, every route must still hold its own.
  it("refuses every workspace route to a member holding all but the route's permission, and to a token scoped to all but it", async () => {
    const ws = await newWorkspace(t);
    const device = await ws.device();
    const target = await ws.member('viewer');
    const invitation = (
      await t
        .http()
        .post(`/v1/workspaces/${ws.id}/invitations`)
        .set(bearer(ws.owner.personalToken))
        .send({ email: `pending-${ws.id}@example.com`, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } })
        .expect(201)
    ).body.invitation.id;
    const bot = await ws.apiUser({ roles: ['viewer'] });
    // Nothing drains the outbox here: the public name is never called.
    const hook = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks`)
      .set(bearer(ws.owner.personalToken))
      .send({ url: 'https://hooks.example.com/refactor', events: ['device.created'] })
      .expect(201);
    const delivery = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/webhooks/${hook.body.endpoint.id}/test`)
      .set(bearer(ws.owner.personalToken))
      .expect(202);
    const trustRule = await t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/trust-rules`)
      .set(bearer(ws.owner.personalToken))
      .send({
        issuer: 'https://token.actions.githubusercontent.com',
        audience: 'https://latchkey.example.com',
        claims: { repository: 'acme/x' },
      })
      .expect(201);
    const ids = {
      workspace: ws.id,
      role: await ws.role(['devices:read']),
      device: device.id,
      member: target.id,
      invitation,
      apiUser: bot.id,
      apiUserToken: bot.tokenId,
      workspaceToken: target.personalTokenId,
      webhook: hook.body.endpoint.id,
      webhookDelivery: delivery.body.id,
      team: (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/teams`)
          .set(bearer(ws.owner.personalToken))
          .send({ name: 'Refactor', roleIds: [], deviceAccess: { mode: 'all' } })
          .expect(201)
      ).body.id,
      trustRule: trustRule.body.id,
    };
    const allButOne = new Map<string, { member: string; token: string }>();
    for (const permission of PERMISSIONS) {
      const rest = PERMISSIONS.filter((p) => p !== permission);
      const member = await ws.member({ id: await ws.role(rest) });
      const token = await createNamedToken(t, ws.owner.personalToken, { scopes: rest, workspaceIds: [ws.id], expiresInDays: 7 });
      allButOne.set(permission, { member: member.personalToken, token: token.secret });
    }
    const everything = await ws.member({ id: await ws.role([...PERMISSIONS]) });

    const routes = routeTable(t.app).filter(
      (r) => r.path.startsWith('/v1/workspaces/:wid') && r.rule?.kind === 'authenticated' && r.rule.permission,
    );
    expect(routes.length).toBeGreaterThanOrEqual(35);
    const watch = await TableWatch.start(t.dataSource);
    const answers: string[] = [];
    const send = (method: string, path: string, secret: string) =>
      t.http()[method.toLowerCase() as 'get'](fillPath(path, ids)).set(bearer(secret)).send({});
    for (const { method, path, rule } of routes) {
      if (rule?.kind !== 'authenticated' || !rule.permission) continue;
      const { member, token } = allButOne.get(rule.permission) as { member: string; token: string };
      answers.push(`${method} ${path} as a member without ${rule.permission}: ${(await send(method, path, member)).status}`);
      const scoped = await send(method, path, token);
      answers.push(`${method} ${path} as the owner's token without ${rule.permission}: ${scoped.status} ${scoped.body.code}`);
      if (rule.ownerOnly) expectProblem(await send(method, path, everything.personalToken), 403, 'forbidden');
    }
    expect(answers.filter((a) => !/: 403( insufficient_scope)?$/.test(a))).toEqual([]);
    expect(await watch.changes()).toEqual([]);
  }, 120_000);

  describe('access on GET /v1/workspaces/:wid says no more than the token may see', () => {
    it('does not show a token without devices:read the ids of the devices its holder reaches', async () => {
      const ws = await newWorkspace(t);
      const d1 = (await ws.device()).id;
      const member = await ws.member('member', { devices: [d1] });
      // A dashboard token: it may see the workspace, not its devices.
      const narrow = await createNamedToken(t, member.personalToken, {
        scopes: ['workspace:read'],
        workspaceIds: [ws.id],
        expiresInDays: 7,
      });
      await t.http().get(`/v1/workspaces/${ws.id}/devices`).set(bearer(narrow.secret)).expect(403);

      const res = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(narrow.secret)).expect(200);
      expect(res.body.access.permissions).toEqual(['workspace:read']);
      expect(res.body.access.deviceAccess.mode).toBe('selected');
      expect(JSON.stringify(res.body)).not.toContain(d1);
    });

    it("does not show an API user's narrow token the ids of its devices either", async () => {
      const ws = await newWorkspace(t);
      const d1 = (await ws.device()).id;
      const bot = await ws.apiUser({ roles: ['viewer'], devices: [d1] });
      const narrow = (
        await t
          .http()
          .post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`)
          .set(bearer(ws.owner.personalToken))
          .send({ scopes: ['workspace:read'] })
          .expect(201)
      ).body.secret;
      const res = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(narrow)).expect(200);
      expect(JSON.stringify(res.body)).not.toContain(d1);
      // Its default token (scope *) holds devices:read: it is shown them.
      const full = await t.http().get(`/v1/workspaces/${ws.id}`).set(bearer(bot.token)).expect(200);
      expect(full.body.access.deviceAccess).toEqual({ mode: 'selected', deviceIds: [d1] });
    });
  });

  it("judges a token on GET /v1/workspaces/:wid/tokens by this workspace's policy alone, not by another's the member is in", async () => {
    const member = await registerUser(t);
    const strict = await newWorkspace(t);
    const open = await newWorkspace(t);
    await strict.member('viewer', { user: member });
    await open.member('viewer', { user: member });
    await t
      .http()
      .put(`/v1/workspaces/${strict.id}/token-policy`)
      .set(bearer(strict.owner.personalToken))
      .send({ maxLifetimeDays: 30, allowPersonalTokens: false })
      .expect(200);

    const rows = (await t.http().get(`/v1/workspaces/${open.id}/tokens`).set(bearer(open.owner.personalToken)).expect(200)).body.items;
    const row = rows.find((r: { id: string }) => r.id === member.personalTokenId);
    expect(row.policy).toEqual({ accepted: true });
    expect(JSON.stringify(rows)).not.toContain(strict.id);
  });

  it('makes each stateful provider once: one argon2 queue, one set of limits, one cache per kind, one listener set', () => {
    const stateful = [
      PasswordHasher,
      PasswordLimits,
      LoginThrottle,
      CurrentPassword,
      PlatformAdmins,
      RateLimits,
      RedisConnection,
      TokenAuthenticator,
      LastUsedRecorder,
      WorkspaceAccessResolver,
      WorkspaceWrites,
      ChecksService,
      Invalidation,
      AuditLog,
      MetricsService,
      MetricsListener,
    ];
    const declared = new Map<unknown, number>(stateful.map((type) => [type, 0]));
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const wrapper of module.providers.values()) {
        if (declared.has(wrapper.metatype)) declared.set(wrapper.metatype, (declared.get(wrapper.metatype) ?? 0) + 1);
      }
    }
    expect(stateful.filter((type) => declared.get(type) !== 1).map((type) => `${type.name}: ${declared.get(type)}`)).toEqual([]);
  });
});
