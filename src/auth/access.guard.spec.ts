import { Controller, ExecutionContext, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { loadConfig } from '../config/app-config';
import { DomainError, ErrorCode } from '../common/errors';
import { Public } from './access.decorators';
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
}

function contextFor(handler: () => void): ExecutionContext {
  return {
    getHandler: () => handler,
    getClass: () => Sample,
    switchToHttp: () => ({ getRequest: () => ({ headers: {}, ip: '127.0.0.1' }), getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

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
});
