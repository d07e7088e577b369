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
//
// One full collection at the end of the start (collectStartUpGarbage), before the service listens.
//
// One of node's next-tick objects kept for the life of the process (keepTickObjectShape), so V8 never
// collects their hidden classes; asked for here, at the first import, before any full collection.
import { executionAsyncResource } from 'node:async_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const PRETENURING = 'allocation-site-pretenuring';

/** Whether node's command line names the flag (with or without `no-`, with dashes or underscores). */
export function namedOnCommandLine(flag: string, execArgv: readonly string[]): boolean {
  const named = new RegExp(`^--(no-)?${flag.replace(/-/g, '[-_]')}(=|$)`);
  return execArgv.some((arg) => named.test(arg));
}

if (!namedOnCommandLine(PRETENURING, process.execArgv)) setFlagsFromString(`--no-${PRETENURING}`);

let keptTickObject: object | null = null;

/**
 * Keeps one of the objects node's process.nextTick() makes alive for the life of the process. Node's
 * HTTP server calls nextTick about nine times per request (a request's stream ending, its socket's
 * write done, the response finished). Each call makes an object literal whose keys are computed
 * (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }`), built one property at a
 * time, each step a hidden class that hangs off the one before only weakly. When a full collection
 * finds no such object alive (all ticks run, as between two events at start), V8 collects those
 * classes, and the next call makes new ones. A store of such a literal knows one class or none: once
 * it meets a second, it goes megamorphic for good, and from then on, in nextTick's optimised code,
 * every property is a lookup in the runtime. Profiled, nextTick then cost 3-4 µs per check instead of
 * 0.1-0.3 (docs/performance.md, "The token check", seventh round). One object that never dies keeps
 * the classes, so the stores keep the one they learnt.
 *
 * The object is the tick's own: inside its callback, executionAsyncResource() is the tick object being
 * run. No async hook is involved (enabling one, even for a moment, installs V8's promise hooks and
 * turns off its fast paths for promises for the life of the process). Until the tick runs, the object
 * waits in node's queue, alive, so no collection can take its classes in between. Called at this
 * module's import, the first of main.ts; a second call keeps the first object.
 */
export function keepTickObjectShape(): void {
  if (keptTickObject !== null) return;
  const keep = (): void => {
    const resource = executionAsyncResource() as { callback?: unknown };
    // Only the tick object of this very call: its callback is this function.
    if (keptTickObject === null && resource.callback === keep) keptTickObject = resource;
  };
  process.nextTick(keep);
}

/** Whether a next-tick object is kept (from the first tick after this module's import on). */
export function tickObjectShapeKept(): boolean {
  return keptTickObject !== null;
}

keepTickObjectShape();

/**
 * What to tell an operator who started the service without naming the memory reducer (a launcher of
 * their own that runs `node dist/main.js`), or null.
 */
export function memoryReducerAdvice(execArgv: readonly string[]): string | null {
  return namedOnCommandLine('memory-reducer', execArgv)
    ? null
    : 'started without --no-memory-reducer: under steady load, expect full collections pausing requests for 10-20 ms (README, "Node\'s heap")';
}

/**
 * One full collection, called by main.ts once the start is done and before the service listens: what the
 * start left in the young generation (modules, Nest's graph, the caches' tables, the warm-up's reads, the
 * tokens learnt without Redis) is moved out now, when a pause keeps nobody waiting, instead of being
 * copied by the young collections of the first second of traffic, whose pauses it lengthens. Over 14
 * restarts each, loaded at once by 50 connections, the first second's longest young collection passed
 * 10 ms after 6 starts without it (up to 14.2 ms), after 4 with it (up to 11.5 ms), and the second
 * longest fell from 8-10 ms to 5-8 ms (docs/performance.md, "At scale"). It takes 70-100 ms here.
 *
 * V8 gives the collector (`gc`) only to contexts made while --expose-gc is set; the flag is set for one
 * new context and cleared again, so no code the service loads ever sees `gc` (the way jest's leak
 * detector reaches it). An operator's own --expose-gc is used as it is and left set. A tuning step
 * must never stop the start: if V8 does not hand the collector over, nothing is collected and null is
 * returned; otherwise how long it took, in ms.
 */
export function collectStartUpGarbage(execArgv: readonly string[] = process.execArgv): number | null {
  const started = performance.now();
  const own = (globalThis as { gc?: unknown }).gc;
  try {
    if (typeof own === 'function') (own as () => void)();
    // --no-expose-gc, or --expose-gc-as=<name>: the operator's choice, left as it is.
    else if (namedOnCommandLine('expose-gc', execArgv) || namedOnCommandLine('expose-gc-as', execArgv)) return null;
    else {
      setFlagsFromString('--expose-gc');
      try {
        (runInNewContext('gc') as () => void)();
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
    }
  } catch {
    return null;
  }
  return performance.now() - started;
}
