// The HTTP stack's own floor: a plain Fastify server (the version Latchkey runs on, no Nest, no hooks,
// no plugins) answering GET /health/live with the constant Latchkey's liveness route answers.
// bench/hotpath.ts runs it in a process of its own, pinned to the service's core, and loads it with
// the same connections as the token check: what is left above it is the service's own cost.
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { apiSecurityHeaders } from '../src/common/security-headers';

const port = Number(process.argv[2]);
const app = Fastify({ logger: false });
app.get('/health/live', () => ({ status: 'ok' }));
// The same server answering a refusal the way the token check does (401, problem+json, a body of the
// same size, the same challenge): the floor for a refused check.
app.get('/refused', (_request, reply) => {
  void reply.code(401).header('WWW-Authenticate', 'Bearer realm="latchkey", error="invalid_token"').type('application/problem+json').send({
    type: 'https://latchkey.dev/problems/token-invalid',
    title: 'Token invalid',
    status: 401,
    detail: 'The token is not valid.',
    code: 'token_invalid',
    requestId: randomUUID(),
  });
});
// The same server giving the answer an allowed check gives: a 204 with the same headers (the API
// security set, a request id, the two rate-limit fields, the three Latchkey-* names). What the HTTP
// stack charges for the answer the product promises, without anything that decides it.
const apiHeaders = apiSecurityHeaders();
app.get('/answer-shaped', (request, reply) => {
  void reply
    .headers(apiHeaders)
    .header('x-request-id', randomUUID())
    .header('ratelimit-policy', '"token";q=100000000;w=60')
    .header('ratelimit', '"token";r=99999999;t=60')
    .header('latchkey-principal-id', '3f0c1f2e-7d33-4a57-b1b4-2ac0b6e0b1aa')
    .header('latchkey-principal-type', 'api_user')
    .header('latchkey-workspace-id', String((request.query as { workspaceId?: string }).workspaceId))
    .code(204)
    .send();
});
// An exit of its own, so a --cpu-prof run writes its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
app.listen({ port, host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
