// Soak: mixed traffic at 50 connections for 10 minutes (short: 30 s) against the built service on a
// fresh PostgreSQL database. Holds when no request errs, times out, answers 5xx or answers a status
// its kind must not, and memory stays flat after the warm-up.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PartOptions, PartResult, ReliabilityPart } from './part';
import type { SoakFixture, SoakLoadConfig, SoakLoadResult } from './soak-load';
import { ApiClient } from '../harness/api-client';
import { cores, pinned } from '../harness/cores';
import { DatabaseTarget, freshDatabase, postgresAvailable, startLatchkey } from '../harness/fresh-database';
import { verifyAddress } from '../harness/verify-address';
import type { LatchkeyProcess } from '../harness/latchkey-process';
import { median, round, slope } from '../harness/sample-stats';

const CONNECTIONS = 50;
const OWNER = 'soak-owner@example.com';
const PASSWORD = 'soak password 123456';
/** "Flat": the end (median of the last three samples) is within this much of the start after the warm-up. */
const FLAT_MIB = 20;
const FLAT_FRACTION = 0.1;

interface Sample {
  atSeconds: number;
  rssMiB: number;
  heapUsedMiB: number;
}

async function seed(baseUrl: string, introspectionKey: string, database: DatabaseTarget): Promise<SoakFixture> {
  const api = new ApiClient(baseUrl);
  const owner = await api.expect(201, 'POST', '/v1/auth/register', { body: { email: OWNER, password: PASSWORD, name: 'Soak owner' } });
  const ownerToken: string = owner.personalToken.secret;
  const ws = await api.expect(201, 'POST', '/v1/workspaces', { token: ownerToken, body: { name: 'Soak' } });
  const wid: string = ws.id;
  const roles = await api.expect(200, 'GET', `/v1/workspaces/${wid}/roles`, { token: ownerToken });
  const roleId = (name: string) => roles.items.find((r: { name: string }) => r.name === name).id as string;
  const devices: string[] = [];
  for (let i = 0; i < 20; i++) {
    devices.push(
      (
        await api.expect(201, 'POST', `/v1/workspaces/${wid}/devices`, {
          token: ownerToken,
          body: { name: `device ${i}`, serial: `SEED-${i}` },
        })
      ).id,
    );
  }
  for (let i = 0; i < 3; i++) {
    const member = await api.expect(201, 'POST', '/v1/auth/register', {
      body: { email: `soak-member-${i}@example.com`, password: PASSWORD, name: `Member ${i}` },
    });
    const invitation = await api.expect(201, 'POST', `/v1/workspaces/${wid}/invitations`, {
      token: ownerToken,
      body: { email: `soak-member-${i}@example.com`, roleIds: [roleId(i === 0 ? 'admin' : 'member')], deviceAccess: { mode: 'all' } },
    });
    await verifyAddress(api, database, `soak-member-${i}@example.com`);
    await api.expect(200, 'POST', '/v1/invitations/accept', { token: member.personalToken.secret, body: { token: invitation.secret } });
  }
  const bot = await api.expect(201, 'POST', `/v1/workspaces/${wid}/api-users`, {
    token: ownerToken,
    body: { name: 'Soak bot', roleIds: [roleId('viewer')], deviceAccess: { mode: 'selected', deviceIds: devices.slice(0, 5) } },
  });
  const apiUserId: string = bot.apiUser.id;
  const second = await api.expect(201, 'POST', `/v1/workspaces/${wid}/api-users/${apiUserId}/tokens`, { token: ownerToken, body: {} });
  await api.expect(204, 'DELETE', `/v1/workspaces/${wid}/api-users/${apiUserId}/tokens/${second.id}`, { token: ownerToken });
  for (let i = 0; i < 5; i++) {
    await api.expect(201, 'POST', '/v1/me/tokens', {
      token: ownerToken,
      body: { name: `seeded ${i}`, scopes: ['devices:read', 'members:read'], expiresInDays: 30 },
    });
  }
  return {
    workspaceId: wid,
    ownerToken,
    ownerEmail: OWNER,
    ownerPassword: PASSWORD,
    apiUserId,
    apiUserToken: bot.token.secret,
    revokedToken: second.secret,
    deviceInAccess: devices[0],
    deviceOutside: devices[10],
    introspectionKey,
  };
}

/** /metrics is served on the API's port only with a key (LATCHKEY_METRICS_TOKEN). */
const METRICS_KEY = randomBytes(24).toString('hex');

async function heapUsedMiB(baseUrl: string): Promise<number> {
  try {
    const text = await (await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_KEY}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith('latchkey_nodejs_heap_size_used_bytes '));
    return line ? round(Number(line.split(' ')[1]) / 2 ** 20, 1) : NaN;
  } catch {
    return NaN;
  }
}

/** Runs the load process on core 1 and samples the service's memory until it is done. */
async function loadAndSample(options: PartOptions, service: LatchkeyProcess, config: SoakLoadConfig, sampleEveryMs: number) {
  const configFile = join(options.resultsDir, 'soak-load-config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const { command, args } = pinned(1, [process.execPath, join(options.root, 'build/reliability/soak-load.js'), configFile]);
  const load = spawn(command, args, { cwd: options.root, stdio: ['ignore', 'inherit', 'inherit'] });
  const done = new Promise<number | null>((resolve) => load.once('exit', (code) => resolve(code)));
  const samples: Sample[] = [];
  const started = Date.now();
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    samples.push({
      atSeconds: round((Date.now() - started) / 1000, 1),
      rssMiB: service.rssMiB(),
      heapUsedMiB: await heapUsedMiB(service.baseUrl),
    });
    await Promise.race([done, new Promise((r) => setTimeout(r, sampleEveryMs))]);
  }
  const code = await done;
  if (code !== 0) throw new Error(`the load process exited with ${code}`);
  return { samples, load: JSON.parse(readFileSync(config.out, 'utf8')) as SoakLoadResult };
}

export const soak: ReliabilityPart = {
  id: 'soak',
  async run(options: PartOptions): Promise<PartResult> {
    const title = 'Soak: mixed traffic at 50 connections';
    const durationSeconds = options.short ? 30 : 600;
    const warmUpSeconds = options.short ? 5 : 30;
    const sampleEveryMs = options.short ? 1000 : 5000;
    if (!(await postgresAvailable())) {
      return { id: 'soak', title, ok: false, figures: [], notes: ['Did not run: the local PostgreSQL server does not answer.'] };
    }
    mkdirSync(options.resultsDir, { recursive: true });
    const introspectionKey = randomBytes(24).toString('hex');
    const database = await freshDatabase('server', { label: 'soak' });
    const serviceLog: string[] = [];
    let service: LatchkeyProcess | null = null;
    try {
      service = await startLatchkey(
        options.root,
        database,
        {
          LATCHKEY_DB_POOL_SIZE: '20',
          LATCHKEY_INTROSPECTION_KEYS: introspectionKey,
          LATCHKEY_PLATFORM_ADMINS: OWNER,
          LATCHKEY_METRICS_TOKEN: METRICS_KEY,
        },
        { core: 0, logFile: join(options.resultsDir, 'soak-service.log'), onOutput: (line) => serviceLog.push(line) },
      );
      const fixture = await seed(service.baseUrl, introspectionKey, database);
      const config: SoakLoadConfig = {
        baseUrl: service.baseUrl,
        connections: CONNECTIONS,
        durationSeconds,
        loginIntervalMs: 500,
        fixture,
        out: join(options.resultsDir, 'soak-load-result.json'),
      };
      const { samples, load } = await loadAndSample(options, service, config, sampleEveryMs);
      const rssAtEnd = service.rssMiB();
      const exitCode = await service.stop();
      const logLines = serviceLog.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg?: string });
      const errorLines = logLines.filter((l) => l.level >= 50);
      const warnMessages = [...new Set(logLines.filter((l) => l.level === 40).map((l) => l.msg ?? ''))];

      const after = samples.filter((s) => s.atSeconds >= warmUpSeconds);
      const startRss = median(after.slice(0, 3).map((s) => s.rssMiB));
      const endRss = median(after.slice(-3).map((s) => s.rssMiB));
      const maxRss = Math.max(...samples.map((s) => s.rssMiB));
      // The heap saws between collections (by 150 MiB here) and RSS with it, so one sample says
      // little: the lowest values of the first and of the last window after the warm-up are what
      // survives a collection, which is where a leak shows. Two minutes hold several collections.
      const windowSeconds = options.short ? 5 : 120;
      const firstWindow = after.filter((s) => s.atSeconds < warmUpSeconds + windowSeconds);
      const lastWindow = after.filter((s) => s.atSeconds >= after[after.length - 1].atSeconds - windowSeconds);
      const floor = (list: Sample[], pick: (s: Sample) => number) => Math.min(...list.map(pick));
      const heapFloorStart = floor(firstWindow, (s) => s.heapUsedMiB);
      const heapFloorEnd = floor(lastWindow, (s) => s.heapUsedMiB);
      const rssFloorStart = floor(firstWindow, (s) => s.rssMiB);
      const rssFloorEnd = floor(lastWindow, (s) => s.rssMiB);
      const rssSlope = slope(after.map((s) => [s.atSeconds / 60, s.rssMiB]));
      const heapSlope = slope(after.map((s) => [s.atSeconds / 60, s.heapUsedMiB]));
      const allowed = (start: number) => Math.max(FLAT_MIB, start * FLAT_FRACTION);
      const rssFlat = rssFloorEnd - rssFloorStart <= allowed(rssFloorStart);
      const heapFlat = heapFloorEnd - heapFloorStart <= allowed(heapFloorStart);
      // Thirty seconds hold about one major collection: too short to tell a leak from the heap growing
      // into its working size. The short run reports the figures; only the full run judges them.
      const flat = options.short || (rssFlat && heapFlat);
      const fiveXx = Object.values(load.kinds).reduce(
        (n, k) => n + Object.entries(k.statuses).reduce((m, [s, c]) => (Number(s) >= 500 ? m + c : m), 0),
        0,
      );
      const clean = load.errors === 0 && load.timeouts === 0 && fiveXx === 0 && load.unexpected === 0;
      const ok = clean && flat && errorLines.length === 0 && exitCode === 0;

      writeFileSync(
        join(options.resultsDir, 'soak-raw.json'),
        `${JSON.stringify({ samples, load, rssAtEnd, exitCode, warnMessages }, null, 2)}\n`,
      );
      const slices = load.perTenSeconds.slice(0, -1); // the last slice is partial
      const perSecond = (n: number | undefined) => (n === undefined ? NaN : Math.round(n / 10));
      const figures: Array<[string, string | number]> = [
        ['database', 'PostgreSQL (local server, fresh database, pool 20)'],
        ['duration', `${load.durationSeconds} s (warm-up ${warmUpSeconds} s)`],
        ['connections', CONNECTIONS],
        ['requests', load.requests],
        ['throughput', `${load.requestsPerSecond} req/s`],
        ['throughput, first vs last full 10 s', `${perSecond(slices[0])} vs ${perSecond(slices[slices.length - 1])} req/s`],
        ['latency p50 / p99 / max (all kinds)', `${load.latency.p50Ms} / ${load.latency.p99Ms} / ${load.latency.maxMs} ms`],
        ['errors / timeouts / 5xx / unexpected statuses', `${load.errors} / ${load.timeouts} / ${fiveXx} / ${load.unexpected}`],
        ['RSS start (after warm-up) → end, max', `${startRss} → ${endRss} MiB, max ${maxRss} MiB`],
        [
          `RSS lowest in the first → last ${windowSeconds} s`,
          `${rssFloorStart} → ${rssFloorEnd} MiB (allowed growth ${round(allowed(rssFloorStart), 1)} MiB)`,
        ],
        [
          `heap used lowest in the first → last ${windowSeconds} s`,
          `${heapFloorStart} → ${heapFloorEnd} MiB (allowed growth ${round(allowed(heapFloorStart), 1)} MiB)`,
        ],
        ['slope after warm-up: RSS, heap used', `${round(rssSlope, 2)}, ${round(heapSlope, 2)} MiB/min`],
        [
          'memory flat',
          options.short ? `not judged in the short run (RSS ${rssFlat ? 'within' : 'beyond'} bounds)` : rssFlat && heapFlat ? 'yes' : 'no',
        ],
        ['service log lines at error or above', errorLines.length],
      ];
      for (const [kind, k] of Object.entries(load.kinds)) {
        const statuses = Object.entries(k.statuses)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ');
        figures.push([
          `  ${kind}`,
          `${k.count} (${statuses}), p50 ${k.p50Ms} ms, p99 ${k.p99Ms} ms${k.unexpected ? `, ${k.unexpected} UNEXPECTED` : ''}`,
        ]);
      }
      const notes = [
        `Every autocannon connection loops over one round of ${Object.keys(load.kinds).length} kinds of request (token checks, reads, writes, token exchange, and a login at most every 500 ms over all connections); each answer is checked against the one status its request must get (and introspection must say active).`,
        `Memory is sampled every ${sampleEveryMs / 1000} s (RSS from ps, heap used from /metrics). Start and end are the medians of the first three samples after the warm-up and of the last three. "Flat" means the lowest RSS and the lowest heap of the last ${windowSeconds} s are each within max(${FLAT_MIB} MiB, ${FLAT_FRACTION * 100}%) of their lowest in the first ${windowSeconds} s after the warm-up: between collections both saw by 100 MiB and more, so single samples are not compared.${options.short ? ' The short run does not judge memory: 30 s hold about one major collection.' : ''}`,
        `Service on core 0 and load on core 1 (${cores} cores); this machine is shared, so other work running meanwhile lowers the throughput figures, not the checks.`,
        `Rounds cut short: ${load.resets} (almost all the skipped logins; a round also stops if a write it depends on failed).`,
      ];
      if (warnMessages.length) notes.push(`Warnings the service logged: ${warnMessages.join('; ')}.`);
      if (!clean) notes.push(`Unexpected answers, first ones: ${JSON.stringify(load.unexpectedSamples.slice(0, 5))}`);
      if (!flat)
        notes.push(
          `Memory grew after the warm-up: the RSS floor by ${round(rssFloorEnd - rssFloorStart, 1)} MiB, the heap floor by ${round(heapFloorEnd - heapFloorStart, 1)} MiB.`,
        );
      if (errorLines.length) notes.push(`The service logged at error level: ${[...new Set(errorLines.map((l) => l.msg))].join('; ')}.`);
      if (exitCode !== 0) notes.push(`The service exited with ${exitCode} on SIGTERM.`);
      return { id: 'soak', title, ok, figures, notes };
    } finally {
      if (service) await service.stop();
      await database.cleanup();
    }
  },
};
