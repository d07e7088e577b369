// V8 settings the service needs under load (docs/performance.md, "At scale", GC). Each was found by a
// bench run with full collections of 10-25 ms every few seconds or minutes.
//
// Allocation-site pretenuring, turned off here, before anything else is loaded (main.ts imports this
// first) so no allocation site has been judged yet. V8 moves an allocation site into the old
// generation when most of what it allocated survived a young collection, and seldom moves it back. At
// start (Nest's boot, the warm-up, the first seconds of load while code is still being compiled) the
// request objects of node's HTTP server, Fastify and the token check are alive at a young collection
// often enough to be judged long-lived; from then on each request left about 300 bytes of garbage in
// the old generation, which filled it every few seconds. Without pretenuring they die young, and the
// old generation grows only by what lives on. An operator who names the flag on node's command line
// (`node --allocation-site-pretenuring dist/main.js`) keeps their choice.
//
// The memory reducer cannot be turned off from here (V8 makes it when the process starts), so the
// start commands carry `--no-memory-reducer` (package.json, Dockerfile, harness/latchkey-process.ts):
// under steady load it still judged the service idle enough to shrink the heap (a full collection
// about 100 s in), then set the next limit so close to the live heap that full collections followed
// every few seconds to a minute.
import { setFlagsFromString } from 'node:v8';

const PRETENURING = 'allocation-site-pretenuring';

/** Whether node's command line names the flag (with or without `no-`, with dashes or underscores). */
export function namedOnCommandLine(flag: string, execArgv: readonly string[]): boolean {
  const named = new RegExp(`^--(no-)?${flag.replace(/-/g, '[-_]')}(=|$)`);
  return execArgv.some((arg) => named.test(arg));
}

if (!namedOnCommandLine(PRETENURING, process.execArgv)) setFlagsFromString(`--no-${PRETENURING}`);

/**
 * What to tell an operator who started the service without naming the memory reducer (a launcher of
 * their own that runs `node dist/main.js`), or null.
 */
export function memoryReducerAdvice(execArgv: readonly string[]): string | null {
  return namedOnCommandLine('memory-reducer', execArgv)
    ? null
    : 'started without --no-memory-reducer: under steady load, expect full collections pausing requests for 10-20 ms (README, "Node\'s heap")';
}
