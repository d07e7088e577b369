// The one place where a request leaves Nest's pipeline: the token check, /v1/authorize and the
// forwarded paths below it (docs/architecture.md, "The token check outside Nest's pipeline").
//
// Every other service calls it on every request, and Nest's router (guards consumer, interceptors
// and pipes with nothing to do here, the async wrappers between them, its exception zone) cost more
// CPU than the check itself (docs/performance.md). So Fastify calls the handler below directly: the
// route is still declared in ChecksController (its rule, OpenAPI, the route table), and Nest still
// registers it; only its handler is swapped when Fastify registers the route (an onRoute hook).
// What Nest would have run for it runs here, by the same code:
//   - the global guard's admission for a rule without a workspace (AccessGuard.admitWithoutWorkspace:
//     passport's bearer strategy, the rate limits and their fields, the expiry header, the rule);
//   - the controller's body (answerTokenCheck, token-check-answer.ts, which ChecksController.authorize also calls);
//   - the exception filter's problem+json answer (ProblemDetailsFilter.answer).
// What Fastify runs around every route runs here too, untouched: the security headers and the request
// id (onRequest), the request log when enabled (middleware), the metrics and the usage counts
// (onResponse). A cached token and access row are answered without a promise.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AccessGuard, type AuthenticatedRule } from '../auth/access.guard';
import { ACCESS_RULE, type AccessRule } from '../auth/access.decorators';
import { AuthModule } from '../auth/auth.module';
import type { Principal } from '../auth/principal';
import { DomainError } from '../common/errors';
import type { ProblemDetailsFilter } from '../common/problem-details.filter';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ChecksController } from './checks.controller';
import { ChecksService } from './checks.service';
import { answerTokenCheck } from './token-check-answer';

/** The token check's routes as Fastify registers them (the global prefix included). */
export const TOKEN_CHECK_ROUTES: ReadonlySet<string> = new Set(['/v1/authorize', '/v1/authorize/*']);

type CheckRequest = FastifyRequest & { user?: Principal };

/** Swaps the handler of the token check's routes as Fastify registers them; call before app.init(). */
export function serveTokenCheckOutsideNest(app: NestFastifyApplication, fastify: FastifyInstance, filter: ProblemDetailsFilter): void {
  const rule = Reflect.getMetadata(ACCESS_RULE, ChecksController.prototype.authorize) as AccessRule | undefined;
  if (rule?.kind !== 'authenticated') throw new Error('the token check route declares no authenticated rule');
  let handler: ((request: CheckRequest, reply: FastifyReply) => void | Promise<void>) | null = null;
  // The providers exist only once the application is initialised, which registers the routes: the
  // handler is made at the first registration.
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (!TOKEN_CHECK_ROUTES.has(route.url)) return;
    handler ??= tokenCheckHandler(app, rule, filter);
    route.handler = handler as RouteOptions['handler'];
  });
}

function tokenCheckHandler(
  app: NestFastifyApplication,
  rule: AuthenticatedRule,
  filter: ProblemDetailsFilter,
): (request: CheckRequest, reply: FastifyReply) => void | Promise<void> {
  const guard = app.select(AuthModule).get(AccessGuard);
  const checks = app.get(ChecksService);
  const forwardAuth = app.get<AppConfig>(APP_CONFIG).forwardAuth;
  const refuse = (error: unknown, request: FastifyRequest, reply: FastifyReply) => filter.answer(error, request, reply);
  const decide = (admitted: Principal | 'platform', request: CheckRequest, reply: FastifyReply): void | Promise<void> => {
    // The rule takes no platform key: a principal it is.
    const answered = answerTokenCheck(checks, forwardAuth, admitted as Principal, request, reply);
    if (answered instanceof Promise)
      return answered.then(
        () => void reply.send(),
        (error: unknown) => refuse(error, request, reply),
      );
    reply.send();
  };
  return (request, reply) => {
    try {
      const admitted = guard.admitWithoutWorkspace(request, reply, rule);
      // A refused token comes back as a value: answered without a throw.
      if (admitted instanceof DomainError) return refuse(admitted, request, reply);
      if (admitted instanceof Promise) {
        return admitted.then((principal) => decide(principal, request, reply)).catch((error: unknown) => refuse(error, request, reply));
      }
      return decide(admitted, request, reply);
    } catch (error) {
      refuse(error, request, reply);
    }
  };
}
