// Sign-in tells nothing about which emails have accounts: a wrong password for an existing email and
// any password for an unknown one get the same status, body, headers and (within 10%) the same time;
// so does the lockout after the same number of failures. Sequential requests, alternating order.
import { join } from 'node:path';
import type { PartOptions, PartResult, ReliabilityPart } from './part';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, postgresAvailable, startLatchkey } from '../harness/fresh-database';
import type { LatchkeyProcess } from '../harness/latchkey-process';
import { mannWhitney, median, quantile, round } from '../harness/sample-stats';

/** Pass when the medians of the two kinds of failed login differ by less than this fraction. */
const MAX_MEDIAN_DIFFERENCE = 0.1;
const MAX_FAILURES = 10; // the default lockout
/** Failed attempts per email in the timing phase, below the lockout. */
const ATTEMPTS_PER_EMAIL = 8;
const PASSWORD = 'timing password 0001';
const WRONG = (i: number) => `wrong password ${String(i).padStart(4, '0')}`; // as long as PASSWORD

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  ms: number;
}

// Per request or per moment: never compared.
const VARYING_HEADERS = new Set(['date', 'x-request-id', 'retry-after']);

async function login(baseUrl: string, email: string, password: string): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  const body = JSON.parse(text) as Record<string, unknown>;
  delete body.requestId;
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name] = VARYING_HEADERS.has(name) ? '*' : value;
  });
  return { status: res.status, body, headers, ms };
}

/** A description of how two answers differ, or null when they are the same but for per-request fields. */
function difference(a: Answer, b: Answer): string | null {
  if (a.status !== b.status) return `status ${a.status} vs ${b.status}`;
  if (JSON.stringify(a.body) !== JSON.stringify(b.body)) return `body ${JSON.stringify(a.body)} vs ${JSON.stringify(b.body)}`;
  const names = [...new Set([...Object.keys(a.headers), ...Object.keys(b.headers)])].sort();
  for (const name of names) if (a.headers[name] !== b.headers[name]) return `header ${name}: ${a.headers[name]} vs ${b.headers[name]}`;
  return null;
}

const email = (kind: 'known' | 'ghost', i: number) => `${kind}-user-${String(i).padStart(3, '0')}@example.com`;

export const loginTiming: ReliabilityPart = {
  id: 'login-timing',
  async run(options: PartOptions): Promise<PartResult> {
    const title = 'Login answers alike for existing and unknown emails';
    const pairs = options.short ? 40 : 300;
    const users = Math.ceil(pairs / ATTEMPTS_PER_EMAIL);
    const kind = (await postgresAvailable()) ? 'server' : 'embedded';
    const database = await freshDatabase(kind, { label: 'login_timing' });
    let service: LatchkeyProcess | null = null;
    try {
      service = await startLatchkey(
        options.root,
        database,
        { LATCHKEY_LOGIN_MAX_FAILURES: String(MAX_FAILURES), LATCHKEY_LOGIN_WINDOW_SECONDS: '900' },
        { core: 0, logFile: join(options.resultsDir, 'login-timing-service.log') },
      );
      const base = service.baseUrl;
      const api = new ApiClient(base);
      // users + 1: the last one is for the lockout phase.
      for (let i = 0; i <= users; i++)
        await api.expect(201, 'POST', '/v1/auth/register', { body: { email: email('known', i), password: PASSWORD, name: `Timing ${i}` } });

      // Warm-up (JIT, pool, argon2's memory): a few of each, not measured.
      for (let i = 0; i < 5; i++) {
        await login(base, email('known', 0), WRONG(9000 + i));
        await login(base, email('ghost', 0), WRONG(9000 + i));
      }
      // The warm-up counted against known-user-000 and ghost-user-000: clear known's with a success.
      await login(base, email('known', 0), PASSWORD);

      const known: Answer[] = [];
      const unknown: Answer[] = [];
      const mismatches: string[] = [];
      let mismatchCount = 0;
      for (let i = 0; i < pairs; i++) {
        const who = Math.floor(i / ATTEMPTS_PER_EMAIL);
        // ghost-user-000 already has five failures from the warm-up: the ghosts start at 1.
        const tryKnown = () => login(base, email('known', who), WRONG(i));
        const tryUnknown = () => login(base, email('ghost', who + 1), WRONG(i));
        let k: Answer;
        let u: Answer;
        if (i % 2 === 0) {
          k = await tryKnown();
          u = await tryUnknown();
        } else {
          u = await tryUnknown();
          k = await tryKnown();
        }
        known.push(k);
        unknown.push(u);
        const diff = difference(k, u);
        if (diff) mismatchCount++;
        if (diff && mismatches.length < 5) mismatches.push(`pair ${i}: ${diff}`);
      }
      const correct: number[] = [];
      for (let i = 0; i < Math.min(pairs, 40); i++) correct.push((await login(base, email('known', users), PASSWORD)).ms);

      // Lockout: a fresh known email and a fresh unknown one, MAX_FAILURES failures each, then more.
      const lockKnown = email('known', users);
      const lockGhost = email('ghost', users + 50);
      const lockMismatches: string[] = [];
      const lockedKnown: Answer[] = [];
      const lockedGhost: Answer[] = [];
      for (let i = 0; i < MAX_FAILURES + 3; i++) {
        const k = await login(base, lockKnown, WRONG(i));
        const g = await login(base, lockGhost, WRONG(i));
        const diff = difference(k, g);
        if (diff) lockMismatches.push(`attempt ${i + 1}: ${diff}`);
        if (i >= MAX_FAILURES) {
          lockedKnown.push(k);
          lockedGhost.push(g);
        }
      }
      // The right password during the lockout gets the same 429: the lockout reveals no password either.
      const rightWhileLocked = await login(base, lockKnown, PASSWORD);
      const ghostAgain = await login(base, lockGhost, PASSWORD);
      const rightDiff = difference(rightWhileLocked, ghostAgain);
      if (rightDiff) lockMismatches.push(`right password while locked out: ${rightDiff}`);

      const kt = known.map((a) => a.ms);
      const ut = unknown.map((a) => a.ms);
      const mk = median(kt);
      const mu = median(ut);
      const relative = Math.abs(mk - mu) / Math.min(mk, mu);
      const test = mannWhitney(kt, ut);
      const answersAlike = mismatchCount === 0;
      const statusesOk = known.every((a) => a.status === 401) && unknown.every((a) => a.status === 401);
      const lockoutOk = lockMismatches.length === 0 && lockedKnown.every((a) => a.status === 429) && rightWhileLocked.status === 429;
      const timingOk = relative < MAX_MEDIAN_DIFFERENCE;
      const ok = answersAlike && statusesOk && lockoutOk && timingOk;

      const figures: Array<[string, string | number]> = [
        ['database', kind === 'server' ? 'PostgreSQL (local server, fresh database)' : 'embedded (PGlite)'],
        [
          'failed logins measured',
          `${pairs} existing email + wrong password, ${pairs} unknown email (${users} of each email, ≤ ${ATTEMPTS_PER_EMAIL} tries each)`,
        ],
        ['argon2id', 'default cost: 19456 KiB, t=2, p=1'],
        [
          'status, body, headers alike',
          answersAlike && statusesOk
            ? 'yes: 401 invalid_credentials for all'
            : `NO: ${mismatchCount} pairs differ (${mismatches.join('; ')})`,
        ],
        ['existing email: median / p90', `${round(mk, 1)} / ${round(quantile(kt, 0.9), 1)} ms`],
        ['unknown email: median / p90', `${round(mu, 1)} / ${round(quantile(ut, 0.9), 1)} ms`],
        ['difference of medians', `${round(mk - mu, 2)} ms (${round(relative * 100, 1)}%; pass below ${MAX_MEDIAN_DIFFERENCE * 100}%)`],
        ['ratio existing / unknown', round(mk / mu, 3)],
        ['Mann–Whitney U, two-sided p', `${round(test.p, 3)} (U=${test.u}, z=${round(test.z, 2)})`],
        [
          'correct login (reference): median / p90',
          `${round(median(correct), 1)} / ${round(quantile(correct, 0.9), 1)} ms (${correct.length} logins)`,
        ],
        [
          `lockout after ${MAX_FAILURES} failures`,
          lockoutOk
            ? `alike: 429 for both, also for the right password; locked answer median ${round(median(lockedKnown.map((a) => a.ms)), 1)} vs ${round(median(lockedGhost.map((a) => a.ms)), 1)} ms`
            : `NO: ${lockMismatches.join('; ')}`,
        ],
      ];
      const notes = [
        `Logins are sequential over one keep-alive connection, pairs alternate which kind goes first, emails and passwords have equal lengths; requestId, Date, X-Request-Id and Retry-After are left out of the comparison (per request). Timing passes when the medians differ by less than ${MAX_MEDIAN_DIFFERENCE * 100}%; the p-value is reported, not judged (with hundreds of samples a fraction of a millisecond can be "significant").`,
        'An existing email also gets a login.failed audit row that an unknown one does not; the answer does not wait for it (it did, and was 5 ms slower, p = 0.002). argon2 verification, against a decoy hash for an unknown email, dominates both.',
        'The machine is shared (2 cores); the figures move with other work.',
      ];
      if (test.p < 0.01) {
        notes.push(
          `The two timings can be told apart statistically (p = ${round(test.p, 4)}) although the medians are within ${MAX_MEDIAN_DIFFERENCE * 100}%: look for work that only one of the two paths does.`,
        );
      }
      return { id: 'login-timing', title, ok, figures, notes };
    } finally {
      if (service) await service.stop();
      await database.cleanup();
    }
  },
};
