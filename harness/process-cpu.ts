// CPU time from /proc, for the benches: one process's, and the whole machine's busy time.
import { readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat after "pid (comm) " (0-based: the state is 0); throws where there is no /proc. */
const statFields = (pid: number | undefined): string[] => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');

/** CPU seconds the process has used so far (utime + stime from /proc), or NaN where there is no /proc. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = statFields(pid);
    // utime and stime are fields 11 and 12, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds every core of the machine has been busy so far (all of /proc/stat's first line but idle and iowait). */
export function machineBusySeconds(): number {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = ticks;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds of a process and its children (nginx's workers, the pgbouncer under runuser). */
export function treeCpuSeconds(pid: number | undefined): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // no /proc, or gone
  }
  return children.reduce((sum, child) => sum + treeCpuSeconds(child), cpuSeconds(pid));
}

/**
 * How long the process has run, in ms, from /proc (to the kernel's 10 ms tick), or NaN where there is
 * no /proc. V8's trace lines (--trace-gc) carry the ms since its heap was set up, a few tens of ms after
 * the process started: this puts them on the same clock, to within that.
 */
export function processAgeMs(pid: number | undefined): number {
  try {
    const fields = statFields(pid);
    // starttime is field 19 (stat's 22nd), in clock ticks since boot (100 a second, as cpuSeconds reads them).
    const uptimeSeconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Math.round(uptimeSeconds * 1000 - Number(fields[19]) * 10);
  } catch {
    return NaN;
  }
}
