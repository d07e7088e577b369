// Where the harness runs things on a two-core machine: the service on core 0, the load on core 1, so
// the two never compete for one core (bench/ and reliability/ both measure that way).
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export const cores = (() => {
  try {
    return Number(execFileSync('nproc').toString().trim());
  } catch {
    return cpus().length;
  }
})();

const tasksetAvailable = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Whether pinned() pins: two cores or more and taskset there. */
export const canPin = tasksetAvailable && cores >= 2;
/** For reports. */
export const pinning = canPin ? 'server on core 0, load on core 1' : 'not pinned';

/** The command that runs `argv` on `core` alone where canPin, else `argv` as it is. taskset execs in place: the pid is argv's. */
export function pinned(core: number, argv: string[]): { command: string; args: string[]; pinned: boolean } {
  if (canPin) return { command: 'taskset', args: ['-c', String(core), ...argv], pinned: true };
  return { command: argv[0], args: argv.slice(1), pinned: false };
}
