// What /v1/authorize answers once its caller is admitted: the question read from the request, decided,
// and the 204 with the headers that name who asked and where. ChecksController.authorize and the
// handler Fastify calls directly (token-check-route.ts) both answer through it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import type { WorkspaceAccess } from '../authorization/workspace-access';
import { type ForwardAuthSettings, readAuthorizeQuestion } from './authorize-question';
import type { ChecksService } from './checks.service';

/** At once (no promise) when the access row and the device are cached; the 204 is left to the caller to send. */
export function answerTokenCheck(
  checks: ChecksService,
  forwardAuth: ForwardAuthSettings,
  principal: Principal,
  request: FastifyRequest,
  reply: FastifyReply,
): void | Promise<void> {
  const access = checks.authorize(principal, readAuthorizeQuestion(request, forwardAuth));
  if (access instanceof Promise) return access.then((decided) => allowed(reply, principal, decided));
  allowed(reply, principal, access);
}

function allowed(reply: FastifyReply, principal: Principal, access: WorkspaceAccess): void {
  // Lower case, as Fastify stores and sends every name: nothing to convert on each check.
  reply.header('latchkey-principal-id', principal.id);
  reply.header('latchkey-principal-type', principal.type);
  reply.header('latchkey-workspace-id', access.workspaceId);
  reply.code(204);
}
