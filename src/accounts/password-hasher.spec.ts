import { DomainError, ErrorCode } from '../common/errors';
import { PasswordWork } from './password-hasher';

/** Work that ends when told to. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, work: () => opened };
}

describe('PasswordWork', () => {
  it('runs at most `concurrency` at once, refuses past `maxWaiting` per kind with 503 and Retry-After, and serves sign-ins first', async () => {
    const work = new PasswordWork(1, 2);
    const order: string[] = [];
    const first = gate();
    const running = work.run('other', first.work);
    const others = [work.run('other', async () => void order.push('other 1')), work.run('other', async () => void order.push('other 2'))];
    const refused = await work.run('other', async () => undefined).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe(ErrorCode.Unavailable);
    expect((refused as DomainError).extras.retryAfterSeconds).toBe(1);
    // The other kind waits apart: its queue is not full.
    const signIn = work.run('sign-in', async () => void order.push('sign-in'));
    first.open();
    await Promise.all([running, signIn, ...others]);
    expect(order).toEqual(['sign-in', 'other 1', 'other 2']);
  });

  it('frees its slot when the work fails', async () => {
    const work = new PasswordWork(1, 0);
    await expect(work.run('other', async () => Promise.reject(new Error('argon2 failed')))).rejects.toThrow('argon2 failed');
    await expect(work.run('other', async () => 'ok')).resolves.toBe('ok');
  });
});
