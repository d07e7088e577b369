import { memoryReducerAdvice, namedOnCommandLine } from './heap-tuning';

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
});
