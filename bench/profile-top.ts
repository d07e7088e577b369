// node build/bench/profile-top.js <file.cpuprofile> [--top 30] [--last-seconds 10] [--requests N | --cpu-per-request µs]
// A .cpuprofile (node --cpu-prof) as text: the functions with the most self time, and self time by
// where the code lives (Latchkey's src/, each node_modules package, node itself, GC, idle). With
// --last-seconds only the profile's last seconds count (the run of interest, when a bench measured
// something else first); with --requests the times are also given per request, in µs; with
// --cpu-per-request (the bench's CPU µs per request of the profiled run) each share of the busy time
// is given as that share of it, which does not depend on counting the requests inside the window.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
const option = (name: string): number | null => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : null;
};

/** Where a function's code lives: src/<domain>, a node_modules package, node:internal, or V8's own (GC, idle, program). */
export function placeOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName.replace(/[()]/g, '')})`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node (internal)';
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `src/${url.slice(dist + '/dist/'.length).split('/')[0]}`;
  return url;
}

export function summarise(
  profile: Profile,
  options: { top: number; lastSeconds: number | null; requests: number | null; cpuPerRequest?: number | null },
): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  // Sample i was taken at startTime + the sum of the deltas up to i (µs); its weight is the next delta.
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const from = options.lastSeconds === null ? -Infinity : profile.endTime - options.lastSeconds * 1e6;
  for (let i = 0; i < profile.samples.length; i++) {
    if (times[i] < from) continue;
    const weight = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + weight);
    const place = placeOf(url, functionName);
    places.set(place, (places.get(place) ?? 0) + weight);
    total += weight;
  }
  const busy = total - (places.get('(idle)') ?? 0);
  const line = (name: string, us: number) =>
    `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms` +
    (options.requests ? `  ${(us / options.requests).toFixed(2).padStart(6)} µs/req` : '') +
    (options.cpuPerRequest ? `  ${((us / busy) * options.cpuPerRequest).toFixed(2).padStart(6)} µs/req` : '') +
    `  ${name}`;
  const out = [
    `busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled (idle left out of the percentages)`,
    '',
    'self time by place:',
  ];
  for (const [place, us] of [...places].sort((a, b) => b[1] - a[1])) if (place !== '(idle)') out.push(line(place, us));
  out.push('', `top ${options.top} functions by self time:`);
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, options.top))
    if (!name.startsWith('(idle)')) out.push(line(name, us));
  return out.join('\n');
}

if (require.main === module) {
  const file = args.find((a) => a.endsWith('.cpuprofile'));
  if (!file) throw new Error('usage: profile-top.js <file.cpuprofile> [--top 30] [--last-seconds S] [--requests N]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  console.log(
    summarise(profile, {
      top: option('top') ?? 30,
      lastSeconds: option('last-seconds'),
      requests: option('requests'),
      cpuPerRequest: option('cpu-per-request'),
    }),
  );
}
