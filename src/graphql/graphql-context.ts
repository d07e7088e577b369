// What every resolver of one /graphql request shares: the request, the principal its token proved
// (null without a token: only public fields answer), and the request's loaders and admissions.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import type { WorkspaceCaller } from '../authorization/workspace-caller';

export interface GraphqlContext {
  req: FastifyRequest;
  reply: FastifyReply;
  principal: Principal | null;
  /** Admissions made in this request, by workspace and rule: a nested field asked 200 times admits once. */
  admitted: Map<string, Promise<WorkspaceCaller>>;
  /** Per-request batch loaders (src/graphql/loaders.ts), made on first use. */
  loaders: Map<string, unknown>;
}
