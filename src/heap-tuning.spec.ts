import { transformFileSync } from '@swc/core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { collectStartUpGarbage, keepTickObjectShape, memoryReducerAdvice, namedOnCommandLine, tickObjectShapeKept } from './heap-tuning';

/**
 * What the stores of nextTick's object literal have learnt (MONOMORPHIC, MEGAMORPHIC, …), read from V8's
 * own print of the function in a fresh node, after 32 full collections made from each kind of job in
 * turn (an immediate, a tick, a timer, a microtask; some find a next-tick object alive, some none), with
 * or without this module loaded first.
 */
function nextTickLiteralStores(moduleFile: string | null): string[] {
  const script = `
    if (${JSON.stringify(moduleFile)} !== null) require(${JSON.stringify(moduleFile)});
    const tick = () => new Promise((resolve) => process.nextTick(resolve));
    const collectIn = [
      (resolve) => setImmediate(() => { gc(); resolve(); }),
      (resolve) => process.nextTick(() => { gc(); resolve(); }),
      (resolve) => setTimeout(() => { gc(); resolve(); }, 1),
      (resolve) => queueMicrotask(() => { gc(); resolve(); }),
    ];
    (async () => {
      for (let round = 0; round < 32; round++) {
        for (let i = 0; i < 500; i++) await tick();
        await new Promise(collectIn[round % collectIn.length]);
      }
      eval('%DebugPrint(process.nextTick)');
    })();`;
  // Node's own flags only: no preload or coverage option of the caller's reaches the fresh node.
  const printed = execFileSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 30_000,
  });
  return [...printed.matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((match) => match[1]);
}

describe('heap tuning', () => {
  it("leaves a flag to an operator who names it on node's command line", () => {
    expect(namedOnCommandLine('allocation-site-pretenuring', ['--allocation-site-pretenuring'])).toBe(true);
    expect(namedOnCommandLine('allocation-site-pretenuring', ['--trace-gc', '--no-allocation_site_pretenuring'])).toBe(true);
  });

  it('sets it otherwise, and a longer flag that starts with the same words is not the flag', () => {
    expect(namedOnCommandLine('allocation-site-pretenuring', [])).toBe(false);
    expect(namedOnCommandLine('allocation-site-pretenuring', ['--enable-source-maps', '--max-old-space-size=512'])).toBe(false);
    expect(namedOnCommandLine('memory-reducer', ['--memory-reducer-for-small-heaps'])).toBe(false);
  });

  it('advises the start command when the memory reducer is not named, and not when it is', () => {
    expect(memoryReducerAdvice(['--enable-source-maps'])).toMatch(/--no-memory-reducer/);
    expect(memoryReducerAdvice(['--no-memory-reducer'])).toBeNull();
    expect(memoryReducerAdvice(['--memory-reducer'])).toBeNull();
  });

  it('collects what nothing holds any more, and leaves `gc` to no context made after it', async () => {
    const held = (() => new WeakRef({ garbage: 'x'.repeat(1000) }))();
    // A WeakRef's target is kept until the end of the job that made it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(collectStartUpGarbage()).toBeGreaterThanOrEqual(0);
    expect(held.deref()).toBeUndefined();
    expect(runInNewContext('typeof gc')).toBe('undefined');
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
  });

  it("leaves an operator's own choice of the collector's flags alone, and never throws", () => {
    expect(collectStartUpGarbage(['--expose-gc-as=collect'])).toBeNull();
    expect(collectStartUpGarbage(['--no-expose-gc'])).toBeNull();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });

  it('keeps one next-tick object from the first tick after its import on, and a second call changes nothing', async () => {
    await new Promise((resolve) => process.nextTick(resolve));
    expect(tickObjectShapeKept()).toBe(true);
    keepTickObjectShape();
    expect(tickObjectShapeKept()).toBe(true);
  });

  describe("nextTick's object literal after full collections", () => {
    let folder: string;
    let compiled: string;
    beforeAll(() => {
      folder = mkdtempSync(join(tmpdir(), 'latchkey-heap-tuning-'));
      compiled = join(folder, 'heap-tuning.js');
      const { code } = transformFileSync(join(__dirname, 'heap-tuning.ts'), {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      writeFileSync(compiled, code);
    });
    afterAll(() => {
      if (folder) rmSync(folder, { recursive: true, force: true });
    });

    it('without the kept object, its stores give up (what this guards against, on the node that runs the tests)', () => {
      expect(nextTickLiteralStores(null)).toContain('MEGAMORPHIC');
    });

    it('with it, every store keeps the one hidden class it learnt', () => {
      const stores = nextTickLiteralStores(compiled);
      expect(stores.length).toBeGreaterThan(0);
      expect(new Set(stores)).toEqual(new Set(['MONOMORPHIC']));
    });
  });
});
