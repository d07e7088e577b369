// With no DATABASE_URL, Latchkey keeps its data in an embedded PostgreSQL in LATCHKEY_DATA_DIR.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';
import { bearer, login, registerUser } from './support/api';
import { startTestApp } from './support/test-app';

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
});
