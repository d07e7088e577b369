// Database outage under load: PostgreSQL is stopped (immediate: a crash as far as clients can tell)
// while writers and readers keep going, then started again. Every answer in the outage must be a
// quick 503 `unavailable` (or a 2xx that the in-process caches could give), /health/ready must turn
// red and green again, Latchkey must recover without a restart, and every write answered 2xx, before
// or after the outage, must be in the database with its audit event.
import type { PartOptions, PartResult, ReliabilityPart } from './part';
import { ApiClient, ApiResponse } from '../harness/api-client';
import { freshDatabase, startLatchkey } from '../harness/fresh-database';
import { seedApiUser, seedOwner } from '../harness/seed';
import { setTimeout as sleep } from 'node:timers/promises';
import { median, ms, quantile } from '../harness/sample-stats';

const CLIENT_TIMEOUT_MS = 5000;
const WRITERS = 4;
const AUTHORIZE_READERS = 3;
const LIST_READERS = 2;
// What the checks allow: /health/ready is 503 at once when the server refuses connections (2 s at
// worst, its own timeout), and Latchkey should be back within a few seconds of PostgreSQL.
const READY_RED_LIMIT_MS = 3000;
const RECOVERY_LIMIT_MS = 10_000;

type Op = 'create' | 'patch' | 'authorize' | 'list';

interface Call {
  op: Op;
  start: number;
  end: number;
  status: number;
  code: string | null;
  timedOut: boolean;
  error: string | null;
}

interface DeviceHistory {
  id: string;
  name: string;
  serial: string;
  /** metadata.v of the last patch answered 2xx (0: the create's). */
  ackedVersion: number;
  /** Versions tried after the last acknowledged one and not answered 2xx: they may have committed. */
  unsureVersions: number[];
  ackedPatches: number;
}

export const outagePart: ReliabilityPart = {
  id: 'outage',
  async run(options: PartOptions): Promise<PartResult> {
    const loadMs = (options.short ? 15 : 60) * 1000;
    const outageMs = (options.short ? 4 : 10) * 1000;
    const outageAt = Math.round((loadMs - outageMs) / 2);
    const tailMs = options.short ? 4000 : 15_000;
    const target = await freshDatabase('cluster');
    const cluster = target.cluster!;
    try {
      const service = await startLatchkey(options.root, target);
      const api = new ApiClient(service.baseUrl, CLIENT_TIMEOUT_MS);
      const owner = await seedOwner(api);
      const bot = await seedApiUser(api, owner);
      const ws = owner.workspaceId;

      const calls: Call[] = [];
      const devices: DeviceHistory[] = [];
      const readyProbes: Array<{ at: number; status: number }> = [];
      const record = (op: Op, start: number, res: ApiResponse): void => {
        calls.push({ op, start, end: Date.now(), status: res.status, code: res.code, timedOut: res.timedOut, error: res.error });
      };
      const t0 = Date.now();
      // The load goes on for at least `tailMs` after PostgreSQL is back, however long its recovery took.
      let until = t0 + loadMs;
      let outageOver = false;
      const running = () => !outageOver || Date.now() < until;

      const writer = async (w: number): Promise<void> => {
        const mine: DeviceHistory[] = [];
        for (let n = 0; running(); n++) {
          const start = Date.now();
          if (mine.length === 0 || n % 2 === 0) {
            const serial = `W${w}-${n}`;
            const name = `writer ${w} device ${n}`;
            const res = await api.post(`/v1/workspaces/${ws}/devices`, owner.token, { name, serial, metadata: { v: 0 } });
            record('create', start, res);
            if (res.status === 201) {
              const device = { id: res.body.id, name, serial, ackedVersion: 0, unsureVersions: [], ackedPatches: 0 };
              mine.push(device);
              devices.push(device);
            }
          } else {
            const device = mine[n % mine.length];
            const version = n;
            const res = await api.patch(`/v1/workspaces/${ws}/devices/${device.id}`, owner.token, { metadata: { v: version } });
            record('patch', start, res);
            if (res.status === 200) {
              device.ackedVersion = version;
              device.unsureVersions = [];
              device.ackedPatches++;
            } else {
              device.unsureVersions.push(version);
            }
          }
          if (calls[calls.length - 1].status >= 300 || calls[calls.length - 1].status === 0) await sleep(20);
        }
      };
      const reader = async (op: 'authorize' | 'list'): Promise<void> => {
        const path =
          op === 'authorize'
            ? `/v1/authorize?workspaceId=${ws}&permission=devices:read&deviceId=${bot.deviceId}`
            : `/v1/workspaces/${ws}/devices?limit=20`;
        const token = op === 'authorize' ? bot.token : owner.token;
        while (running()) {
          const start = Date.now();
          const res = await api.get(path, token);
          record(op, start, res);
          if (res.status >= 300 || res.status === 0) await sleep(20);
        }
      };
      const prober = async (): Promise<void> => {
        while (running()) {
          const res = await api.get('/health/ready', undefined, CLIENT_TIMEOUT_MS);
          readyProbes.push({ at: Date.now(), status: res.status });
          await sleep(50);
        }
      };
      let stopIssuedAt = 0;
      let stopDoneAt = 0;
      let startIssuedAt = 0;
      let startDoneAt = 0;
      const outage = async (): Promise<void> => {
        await sleep(outageAt);
        stopIssuedAt = Date.now();
        await cluster.stop('immediate');
        stopDoneAt = Date.now();
        await sleep(outageMs - (stopDoneAt - stopIssuedAt));
        startIssuedAt = Date.now();
        await cluster.start();
        startDoneAt = Date.now();
        until = Math.max(until, startDoneAt + tailMs);
        outageOver = true;
      };

      await Promise.all([
        ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
        ...Array.from({ length: AUTHORIZE_READERS }, () => reader('authorize')),
        ...Array.from({ length: LIST_READERS }, () => reader('list')),
        prober(),
        outage(),
      ]);
      const stillReady = (await api.get('/health/ready')).status === 200;
      const exitCode = await service.stop();

      // --- what the clients saw ---
      const before = calls.filter((c) => c.end < stopIssuedAt);
      const during = calls.filter((c) => c.end >= stopIssuedAt && c.start < startDoneAt);
      const after = calls.filter((c) => c.start >= startDoneAt);
      const is2xx = (c: Call) => c.status >= 200 && c.status < 300;
      const isUnavailable = (c: Call) => c.status === 503 && c.code === 'unavailable';
      const unexpected = (list: Call[], allow503: boolean) => list.filter((c) => !is2xx(c) && !(allow503 && isUnavailable(c)));
      const status500 = calls.filter((c) => c.status >= 500 && c.status !== 503).length;
      const timeouts = calls.filter((c) => c.timedOut).length;
      const networkErrors = calls.filter((c) => c.status === 0 && !c.timedOut).length;
      const unavailable = calls.filter(isUnavailable);
      const duringOk = during.filter(is2xx);
      const duringOkByOp = (op: Op) => duringOk.filter((c) => c.op === op).length;
      const badBefore = unexpected(before, false);
      const badDuring = unexpected(during, true);
      const badAfter = unexpected(after, true);
      const firstWriteAfter = after.filter((c) => (c.op === 'create' || c.op === 'patch') && is2xx(c)).sort((a, b) => a.end - b.end)[0];
      const lastUnavailable = calls.filter(isUnavailable).sort((a, b) => b.end - a.end)[0];
      const redAt = readyProbes.find((p) => p.at >= stopIssuedAt && p.status === 503)?.at;
      const greenAt = readyProbes.find((p) => p.at >= startDoneAt && p.status === 200)?.at;
      const otherReadyStatuses = readyProbes.filter((p) => p.status !== 200 && p.status !== 503).length;
      const latencies = unavailable.map((c) => c.end - c.start);

      // --- what the database holds ---
      const { missing, wrong, auditMissing } = await target.withSql(async (sql) => {
        const rows = await sql.query<{ id: string; name: string; serial: string; v: number }>(
          `SELECT id, name, serial, (metadata->>'v')::int AS v FROM devices WHERE workspace_id = $1`,
          [ws],
        );
        const events = await sql.query<{ target_id: string; action: string; n: number }>(
          `SELECT target_id, action, count(*)::int AS n FROM audit_events WHERE workspace_id = $1 AND target_type = 'device' GROUP BY 1, 2`,
          [ws],
        );
        const byId = new Map(rows.map((r) => [r.id, r]));
        const eventCount = new Map(events.map((e) => [`${e.action}:${e.target_id}`, e.n]));
        let missing = 0;
        let wrong = 0;
        let auditMissing = 0;
        for (const d of devices) {
          const row = byId.get(d.id);
          if (!row) {
            missing++;
            continue;
          }
          if (row.name !== d.name || row.serial !== d.serial || ![d.ackedVersion, ...d.unsureVersions].includes(row.v)) wrong++;
          if ((eventCount.get(`device.created:${d.id}`) ?? 0) !== 1) auditMissing++;
          if ((eventCount.get(`device.updated:${d.id}`) ?? 0) < d.ackedPatches) auditMissing++;
        }
        return { missing, wrong, auditMissing };
      });

      const acked = (list: Call[]) => list.filter((c) => (c.op === 'create' || c.op === 'patch') && is2xx(c)).length;
      const redMs = redAt ? redAt - stopIssuedAt : NaN;
      const greenMs = greenAt ? greenAt - startDoneAt : NaN;
      const firstWriteMs = firstWriteAfter ? firstWriteAfter.end - startDoneAt : NaN;
      const checks: Array<[boolean, string]> = [
        [status500 === 0, `${status500} answers were 5xx other than 503`],
        [timeouts === 0, `${timeouts} requests got no answer within ${CLIENT_TIMEOUT_MS} ms`],
        [networkErrors === 0, `${networkErrors} requests failed at the connection (did the process die?)`],
        [badBefore.length === 0, `${badBefore.length} requests before the outage were not 2xx`],
        [
          badDuring.length === 0,
          `${badDuring.length} answers in the outage were neither 2xx nor 503 unavailable (${summarize(badDuring)})`,
        ],
        [
          badAfter.length === 0,
          `${badAfter.length} answers after the restart of PostgreSQL were neither 2xx nor 503 unavailable (${summarize(badAfter)})`,
        ],
        [redMs <= READY_RED_LIMIT_MS, `/health/ready was not 503 within ${READY_RED_LIMIT_MS} ms of the stop`],
        [
          greenMs <= RECOVERY_LIMIT_MS && stillReady,
          `/health/ready was not 200 again within ${RECOVERY_LIMIT_MS} ms of PostgreSQL accepting connections`,
        ],
        [firstWriteMs <= RECOVERY_LIMIT_MS, `no write succeeded within ${RECOVERY_LIMIT_MS} ms of PostgreSQL accepting connections`],
        [otherReadyStatuses === 0, `${otherReadyStatuses} /health/ready probes answered neither 200 nor 503`],
        [missing === 0, `${missing} devices whose create was answered 201 are not in the database`],
        [wrong === 0, `${wrong} devices hold other values than their last acknowledged write`],
        [auditMissing === 0, `${auditMissing} acknowledged device writes lack their audit event`],
        [acked(before) > 0 && acked(after) > 0, 'no write succeeded before, or none after, the outage'],
        [exitCode === 0, `Latchkey exited with ${exitCode} on SIGTERM after the run`],
      ];
      const failures = checks.filter(([held]) => !held).map(([, message]) => message);

      return {
        id: 'outage',
        title: 'Database outage under load',
        ok: failures.length === 0,
        figures: [
          ['database', target.label],
          [
            'load',
            `${loadMs / 1000} s: ${WRITERS} writers (create/patch device), ${AUTHORIZE_READERS} authorize and ${LIST_READERS} device-list readers, no think time`,
          ],
          [
            'PostgreSQL down (pg_ctl stop -m immediate until pg_ctl start)',
            `${Math.round((startIssuedAt - stopIssuedAt) / 100) / 10} s, from ${Math.round(outageAt / 1000)} s into the load`,
          ],
          ['pg_ctl start until it accepted connections (crash recovery)', ms(startDoneAt - startIssuedAt)],
          ['requests (before / outage / after)', `${before.length} / ${during.length} / ${after.length}`],
          ['writes answered 2xx (before / after)', `${acked(before)} / ${acked(after)}`],
          ['outage answers: 503 unavailable', during.filter(isUnavailable).length],
          ['outage answers: 2xx authorize (cache)', duringOkByOp('authorize')],
          ['outage answers: other 2xx (in flight at the stop or after the start)', duringOk.length - duringOkByOp('authorize')],
          [
            'outage answers by route (2xx / 503)',
            (['create', 'patch', 'authorize', 'list'] as Op[])
              .map((op) => `${op} ${duringOkByOp(op)} / ${during.filter((c) => c.op === op && isUnavailable(c)).length}`)
              .join(', '),
          ],
          ['5xx other than 503 / timeouts (> 5 s) / connection errors', `${status500} / ${timeouts} / ${networkErrors}`],
          [
            '503 latency p50 / p99 / max',
            `${ms(median(latencies))} / ${ms(quantile(latencies, 0.99))} / ${ms(latencies.length ? Math.max(...latencies) : NaN)}`,
          ],
          ['/health/ready red after the stop was issued', ms(redMs)],
          ['/health/ready green after PostgreSQL accepted connections', ms(greenMs)],
          ['first 2xx write after PostgreSQL accepted connections', ms(firstWriteMs)],
          ['503 answers after PostgreSQL accepted connections', after.filter(isUnavailable).length],
          [
            'last 503 after PostgreSQL accepted connections',
            lastUnavailable && lastUnavailable.end > startDoneAt ? ms(lastUnavailable.end - startDoneAt) : 'none',
          ],
          ['acknowledged devices missing / wrong / without audit event', `${missing} / ${wrong} / ${auditMissing} of ${devices.length}`],
        ],
        notes: [
          ...failures.map((f) => `FAILED: ${f}.`),
          'The same Latchkey process ran throughout: it was never restarted, and stopped cleanly (SIGTERM, exit 0) at the end.',
          'Authorize checks may answer 204 in the outage from the in-process caches; but the LISTEN connection for cache invalidation drops with the server, and by design that clears the caches (a notification may be lost), so checks soon need the database and answer 503 `unavailable` like everything else.',
          'Writes that got a 503 may or may not have committed (the connection can drop after COMMIT); the database check accepts either for those, and demands every 2xx.',
          'Latency and recovery figures include the load generator sharing the machine with Latchkey and PostgreSQL.',
        ],
      };
    } finally {
      await target.cleanup();
    }
  },
};

function summarize(calls: Call[]): string {
  const counts = new Map<string, number>();
  for (const c of calls) {
    const key = `${c.op} ${c.status || c.error}${c.code ? ` ${c.code}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';
}
