// kill -9 of Latchkey between the commit of a change and the delivery of its webhook, then a restart:
// the webhook still arrives, signed, once. Latchkey runs as the operator runs it (node dist/main.js,
// built here) on the embedded database in a temporary folder; the receiver is on the loopback.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { LatchkeyProcess } from '../../harness/latchkey-process';
import { WebhookReceiver } from '../support/webhook-receiver';

const ROOT = join(__dirname, '..', '..');

async function call(base: string, method: string, path: string, token: string | null, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('a webhook across kill -9 and a restart', () => {
  let dir: string;
  let receiver: WebhookReceiver;
  let service: LatchkeyProcess | null = null;

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT });
    dir = mkdtempSync(join(tmpdir(), 'latchkey-webhook-crash-'));
  }, 180_000);
  afterAll(async () => {
    await service?.kill();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers the webhook of a committed change after the process was killed before sending it', async () => {
    receiver = await WebhookReceiver.start();
    const env = {
      LATCHKEY_DATA_DIR: dir,
      LATCHKEY_WEBHOOK_ALLOW_HTTP: 'true',
      LATCHKEY_WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      LATCHKEY_WEBHOOK_SECRETS_KEY: 'crash-test-webhook-secrets-key-0123456789',
    };
    // First life: no worker, so the change commits and its delivery waits in the outbox.
    service = await LatchkeyProcess.start({ root: ROOT, env: { ...env, LATCHKEY_OUTBOX_WORKER: 'off' } });
    const base = service.baseUrl;
    const reg = await call(base, 'POST', '/v1/auth/register', null, {
      email: 'crash@example.com',
      password: 'correct horse battery staple',
      name: 'Crash',
    });
    const token = reg.body.personalToken.secret as string;
    const ws = await call(base, 'POST', '/v1/workspaces', token, { name: 'Crash' });
    const hook = await call(base, 'POST', `/v1/workspaces/${ws.body.id}/webhooks`, token, {
      url: receiver.url('/crash'),
      events: ['device.created'],
    });
    expect(hook.status).toBe(201);
    const device = await call(base, 'POST', `/v1/workspaces/${ws.body.id}/devices`, token, { name: 'Sensor', serial: 'SN-CRASH-1' });
    expect(device.status).toBe(201);
    await service.kill();
    expect(receiver.received).toHaveLength(0);

    // Second life, on the same data: the worker finds the committed job and delivers it.
    service = await LatchkeyProcess.start({ root: ROOT, env: { ...env, LATCHKEY_OUTBOX_WORKER: 'on' } });
    const deadline = Date.now() + 30_000;
    while (receiver.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toHaveLength(1);
    const payload = new Webhook(hook.body.secret).verify(receiver.received[0].body, receiver.received[0].headers) as {
      type: string;
      data: { target: { id: string } };
    };
    expect(payload.type).toBe('device.created');
    expect(payload.data.target.id).toBe(device.body.id);
    // Delivered once: it is not sent again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received).toHaveLength(1);
  }, 240_000);
});
