import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { Actor, actorOf } from './audit-log';
import { clientAddress } from '../common/client-address';

/** Who is acting and from where, for the audit log. */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
  return actorOf(request.user ?? null, clientAddress(request));
});
