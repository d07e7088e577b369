// With no DATABASE_URL, Latchkey keeps its data in an embedded PostgreSQL in LATCHKEY_DATA_DIR.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres, processStartTime } from '../../src/database/embedded-postgres';
import { bearer, login, registerUser } from '../support/api';
import { startTestApp } from '../support/test-app';

describe('embedded database', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-embedded-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps data across restarts', async () => {
    const env = { DATABASE_URL: '', LATCHKEY_DATA_DIR: dir };
    const first = await startTestApp(env, null);
    let user;
    try {
      user = await registerUser(first);
    } finally {
      await first.close();
    }
    expect(existsSync(join(dir, 'latchkey.lock'))).toBe(false);

    const second = await startTestApp(env, null);
    try {
      await second.http().get('/v1/me').set(bearer(user.personalToken)).expect(200);
      await login(second, user.email);
    } finally {
      await second.close();
    }
  }, 120_000);

  it('refuses a second instance on the same data directory', async () => {
    const running = await EmbeddedPostgres.start({ dataDir: dir });
    try {
      await expect(EmbeddedPostgres.start({ dataDir: dir })).rejects.toThrow(/in use by process/);
    } finally {
      await running.stop();
    }
  }, 120_000);

  // After a kill -9, a container's restarted service is often pid 1 again, like the dead one.
  it('takes over a lock that names its own pid, left by an earlier process', async () => {
    writeFileSync(join(dir, 'latchkey.lock'), String(process.pid));
    const embedded = await EmbeddedPostgres.start({ dataDir: dir });
    await embedded.stop();
    expect(existsSync(join(dir, 'latchkey.lock'))).toBe(false);
  }, 120_000);

  it('takes over a lock whose pid now belongs to another process, and respects one whose process lives', async () => {
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const pid = other.pid as number;
      await new Promise((resolve) => other.once('spawn', resolve));
      writeFileSync(join(dir, 'latchkey.lock'), `${pid} 1`);
      const embedded = await EmbeddedPostgres.start({ dataDir: dir });
      await embedded.stop();

      const started = processStartTime(pid);
      if (started === null) return; // no /proc here: only the pid is known, and it is alive
      writeFileSync(join(dir, 'latchkey.lock'), `${pid} ${started}`);
      await expect(EmbeddedPostgres.start({ dataDir: dir })).rejects.toThrow(/in use by process/);
    } finally {
      other.kill('SIGKILL');
      rmSync(join(dir, 'latchkey.lock'), { force: true });
    }
  }, 120_000);
});
