// Mail leaves Latchkey at least once: written in the change's transaction, it survives a kill -9 between
// COMMIT and delivery (Latchkey as the operator runs it, node dist/main.js, on the embedded database),
// and without SMTP it is written as an .eml file whose path, never its link, is logged.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { LatchkeyProcess } from '../../harness/latchkey-process';
import { OutboxWorker } from '../../src/outbox/outbox-worker';
import { registerUser, uniqueEmail } from '../support/api';
import { LogCapture } from '../support/log-capture';
import { MailCatcher } from '../support/mail-catcher';
import { startTestApp } from '../support/test-app';

const ROOT = join(__dirname, '../..');

describe('mail without SMTP', () => {
  it('writes each mail as an .eml file readable by its owner alone, and logs the path but not the link', async () => {
    const logs = new LogCapture();
    const t = await startTestApp({ LATCHKEY_LOG_LEVEL: 'info' }, undefined, { logDestination: logs });
    try {
      const email = uniqueEmail('eml');
      await registerUser(t, email, 'Eml Reader');
      expect(await t.app.get(OutboxWorker).drainDue()).toBe(1);
      const folder = t.config.mail.dropDir;
      const files = readdirSync(folder).filter((f) => f.endsWith('.eml'));
      expect(files).toHaveLength(1);
      const file = join(folder, files[0]);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const parsed = await simpleParser(readFileSync(file));
      expect(parsed.subject).toBe('Verify your email address');
      expect((parsed.to as { text: string }).text).toBe(email);
      expect(parsed.text).toMatch(/verify-email#token=lkv_/);
      expect(typeof parsed.html).toBe('string');
      const secret = /#token=(lkv_[0-9A-Za-z]+)/.exec(parsed.text ?? '')?.[1] as string;
      // The path is logged, so a first run can follow every link; the link and its secret are not.
      expect(logs.text).toContain(file);
      expect(logs.text).not.toContain(secret);
      await t.http().post('/v1/auth/verify-email').send({ token: secret }).expect(204);
    } finally {
      await t.close();
    }
  });
});

describe('a kill -9 between COMMIT and delivery', () => {
  let dir: string;
  let smtp: MailCatcher;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'latchkey-mail-crash-'));
    smtp = await MailCatcher.start();
  }, 180_000);

  afterAll(async () => {
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the mail still arrives after a restart', async () => {
    // The SMTP server takes the message and never answers: Latchkey has committed, claimed the job,
    // and is mid-delivery when it is killed.
    smtp.hang = true;
    const env = {
      LATCHKEY_DATA_DIR: dir,
      LATCHKEY_SMTP_URL: smtp.url,
      LATCHKEY_OUTBOX_LEASE_SECONDS: '3',
      LATCHKEY_OUTBOX_POLL_SECONDS: '1',
    };
    const latchkey = await LatchkeyProcess.start({ root: ROOT, env });
    const email = uniqueEmail('crash');
    try {
      const res = await fetch(`${latchkey.baseUrl}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'correct horse battery staple', name: 'Crash' }),
      });
      expect(res.status).toBe(201);
      // Wait until the delivery is under way (the server has the message), then kill.
      for (let i = 0; i < 200 && smtp.pendingData === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(smtp.pendingData).toBeGreaterThan(0);
      await latchkey.kill();
      expect(smtp.to(email)).toEqual([]);

      smtp.hang = false;
      await latchkey.start();
      for (let i = 0; i < 300 && smtp.to(email).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const mails = smtp.to(email);
      expect(mails).toHaveLength(1);
      expect(mails[0].subject).toBe('Verify your email address');
      // The same job, retried: the same Message-ID as the attempt that died.
      expect(mails[0].parsed.messageId).toBe(smtp.hungMessageIds[0]);
      const verified = await fetch(`${latchkey.baseUrl}/v1/auth/verify-email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: mails[0].secret }),
      });
      expect(verified.status).toBe(204);
    } finally {
      if (latchkey.isRunning) await latchkey.stop();
    }
  }, 180_000);
});
