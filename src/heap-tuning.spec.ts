import { operatorNamed } from './heap-tuning';

describe('heap tuning', () => {
  it("leaves a flag to an operator who names it on node's command line", () => {
    expect(operatorNamed('allocation-site-pretenuring', ['--allocation-site-pretenuring'])).toBe(true);
    expect(operatorNamed('allocation-site-pretenuring', ['--trace-gc', '--no-allocation_site_pretenuring'])).toBe(true);
  });

  it('sets it otherwise, and a longer flag that starts with the same words is not the flag', () => {
    expect(operatorNamed('allocation-site-pretenuring', [])).toBe(false);
    expect(operatorNamed('allocation-site-pretenuring', ['--enable-source-maps', '--max-old-space-size=512'])).toBe(false);
    expect(operatorNamed('memory-reducer', ['--memory-reducer-for-small-heaps'])).toBe(false);
  });
});
