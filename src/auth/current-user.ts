import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors';
import type { Principal, UserPrincipal } from './principal';

/** The calling user, on routes that only users may call (the guard already refuses API users there). */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): UserPrincipal => {
  const principal = ctx.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (principal?.type !== 'user') throw new DomainError(ErrorCode.Forbidden, 'Only users may do this.');
  return principal;
});
