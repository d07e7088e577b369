// V8 settings the service needs under load, set before anything else is loaded (main.ts imports this
// first) so no allocation site has been judged yet.
//
// Allocation-site pretenuring off. V8 moves an allocation site into the old generation when most of
// what it allocated survived a young collection, and it seldom moves it back. At start (Nest's boot,
// the warm-up, the first seconds of load while code is still being compiled) the request objects of
// node's HTTP server, Fastify and the token check are alive at a young collection often enough to be
// judged long-lived; from then on each request left about 300 bytes of garbage in the old
// generation, which filled it every few seconds and forced a full collection with pauses of 10-25 ms
// (docs/performance.md, "GC pauses"). Without pretenuring they die young, for about a millisecond of
// scavenge each time, and the old generation grows only by what really lives on. An operator who
// names the flag (`node --allocation-site-pretenuring`, or in NODE_OPTIONS) keeps their choice.
import { setFlagsFromString } from 'node:v8';

const PRETENURING = /--(no-)?allocation[-_]site[-_]pretenuring\b/;

export function operatorChosePretenuring(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((arg) => PRETENURING.test(arg)) || PRETENURING.test(nodeOptions ?? '');
}

if (!operatorChosePretenuring(process.execArgv, process.env.NODE_OPTIONS)) setFlagsFromString('--no-allocation-site-pretenuring');
