import { Controller, ExecutionContext, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { loadConfig } from '../config/app-config';
import { DomainError, ErrorCode } from '../common/errors';
import { Authenticated, Public } from './access.decorators';
import { AccessGuard } from './access.guard';
import type { WorkspaceAccessResolver } from '../authorization/workspace-access';
import type { RateLimits } from '../rate-limits/rate-limits';
import type { PlatformAdmins } from '../accounts/platform-admins';

@Controller()
class Sample {
  @Get('open')
  @Public()
  open() {}

  @Get('forgotten')
  forgotten() {}

  @Get('account')
  @Authenticated({ scope: 'account:read' })
  account() {}

  @Get('workspaces/:wid/devices')
  @Authenticated({ permission: 'devices:read' })
  devices() {}

  @Get('auth/token')
  @Authenticated({ allowApiUsers: true, tokenExchangeForm: true })
  exchange() {}
}

function contextFor(handler: () => void, headers: Record<string, string> = {}): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => Sample,
    switchToHttp: () => ({ getRequest: () => ({ headers, ip: '127.0.0.1' }), getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

/** A GraphQL field resolver's context: (root, args, context, info), the principal in the context. */
function graphqlContextFor(handler: () => void, principal: unknown): ExecutionContext {
  return {
    getType: () => 'graphql',
    getHandler: () => handler,
    getClass: () => Sample,
    getArgByIndex: (index: number) => (index === 2 ? { principal } : undefined),
  } as unknown as ExecutionContext;
}

const token = { scopes: ['devices:read'], workspaceIds: null };

describe('AccessGuard', () => {
  const guard = new AccessGuard(
    new Reflector(),
    loadConfig({}),
    {} as WorkspaceAccessResolver,
    { consumePublic: async () => undefined } as unknown as RateLimits,
    {} as PlatformAdmins,
  );

  it('lets a @Public() route through without a token', async () => {
    await expect(guard.canActivate(contextFor(Sample.prototype.open))).resolves.toBe(true);
  });

  it('denies a route that declares no access rule (fail closed)', async () => {
    const attempt = guard.canActivate(contextFor(Sample.prototype.forgotten));
    await expect(attempt).rejects.toBeInstanceOf(DomainError);
    await expect(guard.canActivate(contextFor(Sample.prototype.forgotten))).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it.each([
    ['a form', 'application/x-www-form-urlencoded', true],
    ['a form with a charset', 'application/x-www-form-urlencoded; charset=utf-8', true],
    ['JSON', 'application/json', false],
    ['a look-alike type', 'application/x-www-form-urlencoded-not', false],
  ])('admits %s without a token only where the rule says tokenExchangeForm', async (_case, type, admitted) => {
    const exchange = guard.canActivate(contextFor(Sample.prototype.exchange, { 'content-type': type }));
    if (admitted) await expect(exchange).resolves.toBe(true);
    else await expect(exchange).rejects.toMatchObject({ code: ErrorCode.TokenMissing });
    // Elsewhere a form is no credential.
    await expect(guard.canActivate(contextFor(Sample.prototype.account, { 'content-type': type }))).rejects.toMatchObject({
      code: ErrorCode.TokenMissing,
    });
  });

  describe('on a GraphQL field', () => {
    it('denies a field that declares no rule, and one that needs a token without one', async () => {
      await expect(guard.canActivate(graphqlContextFor(Sample.prototype.forgotten, null))).rejects.toMatchObject({
        code: ErrorCode.Forbidden,
      });
      await expect(guard.canActivate(graphqlContextFor(Sample.prototype.account, null))).rejects.toMatchObject({
        code: ErrorCode.TokenMissing,
      });
      await expect(guard.canActivate(graphqlContextFor(Sample.prototype.open, null))).resolves.toBe(true);
    });

    it("holds the principal to the rule's scope and type, as on a route", async () => {
      const user = { type: 'user', id: 'u', token };
      await expect(guard.canActivate(graphqlContextFor(Sample.prototype.account, user))).rejects.toMatchObject({
        code: ErrorCode.InsufficientScope,
      });
      const apiUser = { type: 'api_user', id: 'a', workspaceId: 'w', token: { ...token, scopes: ['*'] } };
      await expect(guard.canActivate(graphqlContextFor(Sample.prototype.account, apiUser))).rejects.toMatchObject({
        code: ErrorCode.Forbidden,
      });
    });

    it('leaves a workspace rule to the resolver, which admits the caller there first (404 before 403)', async () => {
      const user = { type: 'user', id: 'u', token };
      await expect(guard.canActivate(graphqlContextFor(Sample.prototype.devices, user))).resolves.toBe(true);
    });
  });
});
