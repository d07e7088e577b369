import { operatorChosePretenuring } from './heap-tuning';

describe('heap tuning', () => {
  it('leaves pretenuring to an operator who names it, on the command line or in NODE_OPTIONS', () => {
    expect(operatorChosePretenuring(['--allocation-site-pretenuring'], undefined)).toBe(true);
    expect(operatorChosePretenuring(['--no-allocation_site_pretenuring'], undefined)).toBe(true);
    expect(operatorChosePretenuring([], '--max-old-space-size=512 --allocation-site-pretenuring')).toBe(true);
  });

  it('turns it off otherwise', () => {
    expect(operatorChosePretenuring([], undefined)).toBe(false);
    expect(operatorChosePretenuring(['--enable-source-maps', '--trace-gc'], '--max-old-space-size=512')).toBe(false);
  });
});
