// The HTTP stack's own floor: a plain Fastify server (the version Latchkey runs on, no Nest, no hooks,
// no plugins) answering GET /health/live with the constant Latchkey's liveness route answers.
// bench/hotpath.ts runs it in a process of its own, pinned to the service's core, and loads it with
// the same connections as the token check: what is left above it is the service's own cost.
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const app = Fastify({ logger: false });
app.get('/health/live', () => ({ status: 'ok' }));
// An exit of its own, so a --cpu-prof run writes its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
app.listen({ port, host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
