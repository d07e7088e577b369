// M3 (issue 12): how long another user's sign-in takes while 200 password changes (PATCH /me, two argon2
// each) arrive at once. Run it against a built checkout (this one unless given, e.g. an older worktree):
//   npm run bench:password-burst [-- path/to/checkout [label]]
// BURST_DATABASE_URL=postgres://… runs it on a fresh database on that PostgreSQL server instead of an
// embedded one. It starts that service (harness/, default argon2 cost, default limits but registration,
// which one address would hit), registers 201 users, measures 20 sign-ins of another user at rest, then
// sign-ins of that user, one after another, until the burst has been answered.
// Figures, not a verdict: the machine is shared.
import { resolve } from 'node:path';
import { ApiClient, ApiResponse } from '../harness/api-client';
import { freshDatabase, startLatchkey } from '../harness/fresh-database';
import { median, quantile } from '../harness/sample-stats';
import { ROOT } from './load';

const root = resolve(process.argv[2] ?? ROOT);
const label = process.argv[3] ?? root;
const BURST = 200;
const PASSWORD = 'correct horse battery staple';

const stats = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms, p90 ${quantile(xs, 0.9).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (${xs.length} sign-ins)`;

async function main(): Promise<void> {
  const serverUrl = process.env.BURST_DATABASE_URL;
  const database = await freshDatabase(serverUrl ? 'server' : 'embedded', { serverUrl, label: 'burst' });
  const service = await startLatchkey(
    root,
    database,
    {},
    { onOutput: (line, stream) => stream === 'stderr' && process.stderr.write(`${line}\n`) },
  );
  // Answers come slowly during the burst: that is what is measured, so no client timeout cuts it short.
  const api = new ApiClient(service.baseUrl, 600_000);
  try {
    const users: Array<{ email: string; token: string }> = [];
    for (let i = 0; i <= BURST; i++) {
      const email = `burst-${i}@example.com`;
      const registered = await api.expect(201, 'POST', '/v1/auth/register', { body: { email, password: PASSWORD, name: `Burst ${i}` } });
      users.push({ email, token: registered.personalToken.secret });
    }
    const other = users.pop()!;
    const signIn = () => api.post('/v1/auth/login', undefined, { email: other.email, password: PASSWORD });
    const rest: number[] = [];
    for (let i = 0; i < 20; i++) rest.push((await signIn()).ms);

    let done = false;
    const burst = Promise.all(
      users.map((u) => api.patch('/v1/me', u.token, { password: 'an entirely new passphrase', currentPassword: PASSWORD })),
    ).then((answers) => {
      done = true;
      return answers;
    });
    const during: number[] = [];
    const duringStatuses: Record<number, number> = {};
    const burstStarted = performance.now();
    while (!done) {
      const res = await signIn();
      during.push(res.ms);
      duringStatuses[res.status] = (duringStatuses[res.status] ?? 0) + 1;
    }
    const answers: ApiResponse[] = await burst;
    const burstMs = performance.now() - burstStarted;
    const statuses: Record<number, number> = {};
    for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    console.log(`== ${label} on ${serverUrl ? 'PostgreSQL' : 'the embedded database'}`);
    console.log(`another user's sign-in at rest:          ${stats(rest)}`);
    console.log(`another user's sign-in during the burst: ${stats(during)}; statuses ${JSON.stringify(duringStatuses)}`);
    console.log(`${BURST} concurrent PATCH /me answered in ${burstMs.toFixed(0)} ms: ${JSON.stringify(statuses)}`);
  } finally {
    await service.stop();
    await database.cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
