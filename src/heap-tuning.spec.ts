import { runInNewContext } from 'node:vm';
import { collectStartUpGarbage, memoryReducerAdvice, namedOnCommandLine } from './heap-tuning';

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
});
