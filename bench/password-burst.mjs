// Audit finding M3 (docs/security.md): how long another user's sign-in takes while 200 password changes (PATCH /me, two argon2
// each) arrive at once. Plain Node, no build of its own: run it against a built service,
//   node bench/password-burst.mjs [path/to/dist/main.js] [label]
// BURST_DATABASE_URL=postgres://… runs it on that (empty) PostgreSQL database instead of an embedded one.
// It starts that service on an embedded database in a temporary folder (default argon2 cost, default
// limits but registration, which one address would hit), registers 201 users, measures 20 sign-ins of
// another user at rest, then sign-ins of that user, one after another, until the burst has been answered.
// Figures, not a verdict: the machine is shared.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const main = resolve(process.argv[2] ?? 'dist/main.js');
const label = process.argv[3] ?? main;
const BURST = 200;
const PASSWORD = 'correct horse battery staple';

const port = await new Promise((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => ok(p));
  });
});
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-burst-'));
const child = spawn(process.execPath, [main], {
  env: {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    LATCHKEY_DATA_DIR: dataDir,
    ...(process.env.BURST_DATABASE_URL ? { DATABASE_URL: process.env.BURST_DATABASE_URL } : {}),
    LATCHKEY_LOG_LEVEL: 'warn',
    LATCHKEY_LOG_REQUESTS: 'false',
    LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP: '0',
    LATCHKEY_RATE_LIMIT_PER_TOKEN: '0',
    LATCHKEY_REGISTRATIONS_PER_IP: '0',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});

const call = async (method, path, body, token) => {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body && JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, retryAfter: res.headers.get('retry-after') };
};
const timed = async (fn) => {
  const started = performance.now();
  const result = await fn();
  return { ...result, ms: performance.now() - started };
};
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms (${s.length} sign-ins)`;
};

try {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/health/ready`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const users = [];
  for (let i = 0; i <= BURST; i++) {
    const res = await call('POST', '/v1/auth/register', { email: `burst-${i}@example.com`, password: PASSWORD, name: `Burst ${i}` });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
    users.push({ email: `burst-${i}@example.com`, token: res.body.personalToken.secret });
  }
  const other = users.pop();
  const signIn = () => timed(() => call('POST', '/v1/auth/login', { email: other.email, password: PASSWORD }));
  const rest = [];
  for (let i = 0; i < 20; i++) rest.push((await signIn()).ms);

  let done = false;
  const burst = Promise.all(users.map((u) => call('PATCH', '/v1/me', { password: 'an entirely new passphrase', currentPassword: PASSWORD }, u.token))).then((r) => {
    done = true;
    return r;
  });
  const during = [];
  const duringStatuses = {};
  const burstStarted = performance.now();
  while (!done) {
    const res = await signIn();
    during.push(res.ms);
    duringStatuses[res.status] = (duringStatuses[res.status] ?? 0) + 1;
  }
  const answers = await burst;
  const burstMs = performance.now() - burstStarted;
  const statuses = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  console.log(`== ${label} on ${process.env.BURST_DATABASE_URL ? 'PostgreSQL' : 'the embedded database'}`);
  console.log(`another user's sign-in at rest:          ${stats(rest)}`);
  console.log(`another user's sign-in during the burst: ${stats(during)}; statuses ${JSON.stringify(duringStatuses)}`);
  console.log(`${BURST} concurrent PATCH /me answered in ${burstMs.toFixed(0)} ms: ${JSON.stringify(statuses)}`);
} finally {
  child.kill();
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
