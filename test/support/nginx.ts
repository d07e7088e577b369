// What the tests that run real nginx (Debian's package) share: finding the binary, and waiting for a
// started server to listen. A free port comes from harness/ports.ts.
import { execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';

export { freePort } from '../../harness/ports';

/** The nginx binary to run, or null where nginx is not installed (the tests then skip, saying so). */
export function nginxBinary(): string | null {
  for (const candidate of ['/usr/sbin/nginx', 'nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next
    }
  }
  return null;
}

/** Resolves once something accepts connections on 127.0.0.1:`port`; throws past the deadline. */
export async function waitForPort(port: number, deadline = Date.now() + 10_000): Promise<void> {
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}
