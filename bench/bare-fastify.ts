// The HTTP stack's own floor: a plain Fastify server (the version Latchkey runs on, no Nest, no hooks,
// no plugins) answering GET /health/live with the constant Latchkey's liveness route answers.
// bench/hotpath.ts runs it in a process of its own, pinned to the service's core, and loads it with
// the same connections as the token check: what is left above it is the service's own cost.
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';

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
// An exit of its own, so a --cpu-prof run writes its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
app.listen({ port, host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
