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
import { bearer, createNamedToken, registerUser } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

describe('security review of the refactor', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('access on GET /v1/workspaces/:wid says no more than the token may see', () => {
    it('does not show a token without devices:read the ids of the devices its holder reaches', async () => {
      const ws = await newWorkspace(t);
      const d1 = (await ws.device()).id;
      const member = await ws.member('member', { devices: [d1] });
      // A dashboard token: it may see the workspace, not its devices.
      const narrow = await createNamedToken(t, member.personalToken, { scopes: ['workspace:read'], workspaceIds: [ws.id], expiresInDays: 7 });
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
        await t.http().post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`).set(bearer(ws.owner.personalToken)).send({ scopes: ['workspace:read'] }).expect(201)
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
