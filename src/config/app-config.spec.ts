import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('reads mail and the outbox, and refuses what would break a header or a link', () => {
    const defaults = loadConfig({ PORT: '4000', LATCHKEY_DATA_DIR: '/var/lib/latchkey' });
    expect(defaults.mail).toEqual({
      smtpUrl: null,
      from: 'Latchkey <latchkey@localhost>',
      publicUrl: 'http://localhost:4000',
      dropDir: '/var/lib/latchkey/mail',
    });
    expect(defaults.outbox).toEqual({ worker: true, pollSeconds: 5, leaseSeconds: 300, retentionDays: 30 });
    const set = loadConfig({
      LATCHKEY_SMTP_URL: 'smtps://user:p%40ss@smtp.example.com:465',
      LATCHKEY_MAIL_FROM: 'Acme Access <access@acme.example>',
      LATCHKEY_PUBLIC_URL: 'https://latchkey.acme.example/console/',
      LATCHKEY_OUTBOX_WORKER: 'off',
    });
    expect(set.mail).toMatchObject({
      smtpUrl: 'smtps://user:p%40ss@smtp.example.com:465',
      publicUrl: 'https://latchkey.acme.example/console',
    });
    expect(set.outbox.worker).toBe(false);
    for (const env of [
      { LATCHKEY_SMTP_URL: 'http://smtp.example.com' },
      { LATCHKEY_SMTP_URL: 'smtp://smtp.example.com/x y' },
      { LATCHKEY_MAIL_FROM: 'Evil\r\nBcc: victim@example.com <a@example.com>' },
      { LATCHKEY_MAIL_FROM: 'Two <a@example.com> <b@example.com>' },
      { LATCHKEY_MAIL_FROM: 'not an address' },
      { LATCHKEY_PUBLIC_URL: 'javascript:alert(1)' },
      { LATCHKEY_PUBLIC_URL: 'https://latchkey.example/?next=evil' },
      { LATCHKEY_PUBLIC_URL: 'https://latchkey.example/#x' },
      { LATCHKEY_OUTBOX_WORKER: 'yes' },
      { LATCHKEY_OUTBOX_LEASE_SECONDS: '0' },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    }
  });

  it('has defaults for everything: a fresh clone runs with no environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: null,
      dataDir: './data',
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
      dbPoolSize: 10,
      dbAcquireTimeoutMs: 3000,
    });
    expect(config.login).toEqual({ maxFailures: 10, windowSeconds: 900, slowdownMaxMs: 3000 });
    expect(config.platformAdmins).toEqual({ userIds: new Set(), emails: new Set() });
    expect(config.passwordWork).toEqual({ concurrency: expect.any(Number), maxWaiting: 64 });
    expect(config.passwordWork.concurrency).toBeGreaterThanOrEqual(1);
    expect(config.passwordLimits).toEqual({ changesPerUserPer15Minutes: 5, registrationsPerIpPer10Minutes: 10 });
    expect(loadConfig({ LATCHKEY_ARGON2_CONCURRENCY: '3' }).passwordWork.concurrency).toBe(3);
  });

  it('reads and normalises values', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/latchkey',
      PORT: '8080',
      LATCHKEY_PLATFORM_ADMINS: ' Root@Example.com, ops@example.com ,7D1A0C2E-4B4F-4E0B-9C7A-2F1E3D5C6B7A',
      LATCHKEY_TRUST_PROXY: '10.0.0.0/8, 192.168.1.7',
      LATCHKEY_LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/latchkey',
      port: 8080,
      trustProxy: ['10.0.0.0/8', '192.168.1.7'],
      logLevel: 'warn',
    });
    expect([...config.platformAdmins.emails]).toEqual(['root@example.com', 'ops@example.com']);
    expect([...config.platformAdmins.userIds]).toEqual(['7d1a0c2e-4b4f-4e0b-9c7a-2f1e3d5c6b7a']);
  });

  it.each(['root', 'root@', 'ops@corp.test\u200d', 'оps@corp.test', '1234-not-a-uuid'])(
    'H1: refuses to start on a platform admin entry %j that is neither a user id nor an email',
    (entry) => {
      const value = JSON.parse(`"${entry}"`) as string;
      expect(() => loadConfig({ LATCHKEY_PLATFORM_ADMINS: `ops@example.com,${value}` })).toThrow(
        /LATCHKEY_PLATFORM_ADMINS: ".*" is neither a user id/,
      );
    },
  );

  it.each([
    ['PORT', 'eighty', /PORT/],
    ['PORT', '70000', /PORT/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL/],
    ['LATCHKEY_LOG_LEVEL', 'loud', /LATCHKEY_LOG_LEVEL/],
    ['LATCHKEY_LAST_USED_FLUSH_SECONDS', '61', /LATCHKEY_LAST_USED_FLUSH_SECONDS/],
    ['LATCHKEY_TRUST_PROXY', 'yes please', /LATCHKEY_TRUST_PROXY/],
    ['LATCHKEY_TRUST_PROXY', 'true', /LATCHKEY_TRUST_PROXY must be a hop count/],
    ['LATCHKEY_TRUST_PROXY', '::/0', /LATCHKEY_TRUST_PROXY/],
    ['LATCHKEY_TRUST_PROXY', '11', /at most 10/],
    ['LATCHKEY_REVOKE_UNUSED_AFTER_DAYS', '7', /at least 14/],
    ['LATCHKEY_REVOKE_UNUSED_AFTER_DAYS', '-1', /at least 14/],
    ['LATCHKEY_REVOKE_UNUSED_AFTER_DAYS', 'soon', /LATCHKEY_REVOKE_UNUSED_AFTER_DAYS/],
    ['LATCHKEY_RETENTION_DAYS', '1', /LATCHKEY_RETENTION_DAYS/],
    ['LATCHKEY_DB_ACQUIRE_TIMEOUT_MS', '50', /LATCHKEY_DB_ACQUIRE_TIMEOUT_MS/],
    ['LATCHKEY_ARGON2_CONCURRENCY', '0', /LATCHKEY_ARGON2_CONCURRENCY/],
    ['LATCHKEY_ARGON2_MAX_WAITING', '-1', /LATCHKEY_ARGON2_MAX_WAITING/],
    ['LATCHKEY_LOGIN_SLOWDOWN_MAX_MS', '60000', /LATCHKEY_LOGIN_SLOWDOWN_MAX_MS/],
    ['LATCHKEY_PASSWORD_CHANGES_PER_USER', 'five', /LATCHKEY_PASSWORD_CHANGES_PER_USER/],
    ['LATCHKEY_REGISTRATIONS_PER_IP', '-1', /LATCHKEY_REGISTRATIONS_PER_IP/],
    ['LATCHKEY_WEBHOOK_ALLOWED_CIDRS', '127.0.0.1/32,localhost', /LATCHKEY_WEBHOOK_ALLOWED_CIDRS: "localhost" is not a CIDR/],
    ['LATCHKEY_WEBHOOK_ALLOWED_CIDRS', '10.0.0.0/33', /LATCHKEY_WEBHOOK_ALLOWED_CIDRS/],
    ['LATCHKEY_WEBHOOK_SECRETS_KEY', 'short', /LATCHKEY_WEBHOOK_SECRETS_KEY must be one key of 32 to 512/],
    ['LATCHKEY_WEBHOOK_ALLOW_HTTP', 'sure', /LATCHKEY_WEBHOOK_ALLOW_HTTP/],
    ['LATCHKEY_WEBHOOK_TIMEOUT_MS', '10', /LATCHKEY_WEBHOOK_TIMEOUT_MS/],
    ['LATCHKEY_WEBHOOK_MAX_ENDPOINTS', '0', /LATCHKEY_WEBHOOK_MAX_ENDPOINTS/],
  ])('stops on %s=%s with a message naming the variable', (name, value, pattern) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(pattern);
  });

  it('keeps webhooks to https and public addresses unless told otherwise', () => {
    expect(loadConfig({}).webhooks).toEqual({
      allowHttp: false,
      allowedCidrs: [],
      secretsKey: null,
      connectTimeoutMs: 5000,
      timeoutMs: 15000,
      maxEndpointsPerWorkspace: 20,
    });
    expect(loadConfig({ LATCHKEY_WEBHOOK_ALLOWED_CIDRS: ' 127.0.0.1/32 , ::1/128 ' }).webhooks.allowedCidrs).toEqual([
      '127.0.0.1/32',
      '::1/128',
    ]);
  });

  it('reads the scale-out settings: a LISTEN connection of its own, the statement timeout, the drain', () => {
    const plain = loadConfig({ DATABASE_URL: 'postgres://u@pgbouncer:6432/latchkey' });
    expect(plain).toMatchObject({
      databaseListenUrl: 'postgres://u@pgbouncer:6432/latchkey',
      dbStatementTimeoutMs: 15000,
      shutdownDrainSeconds: 0,
    });
    expect(loadConfig({}).databaseListenUrl).toBeNull();
    const pooled = loadConfig({
      DATABASE_URL: 'postgres://u@pgbouncer:6432/latchkey',
      LATCHKEY_DATABASE_LISTEN_URL: 'postgres://u@haproxy:5000/latchkey',
      LATCHKEY_DB_STATEMENT_TIMEOUT_MS: '0',
      LATCHKEY_SHUTDOWN_DRAIN_SECONDS: '5',
    });
    expect(pooled).toMatchObject({
      databaseListenUrl: 'postgres://u@haproxy:5000/latchkey',
      dbStatementTimeoutMs: 0,
      shutdownDrainSeconds: 5,
    });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/l', LATCHKEY_DATABASE_LISTEN_URL: 'none' }).databaseListenUrl).toBeNull();
    for (const env of [
      { LATCHKEY_DATABASE_LISTEN_URL: 'redis://cache:6379' },
      { LATCHKEY_DATABASE_LISTEN_URL: 'None' },
      { LATCHKEY_DB_STATEMENT_TIMEOUT_MS: '-1' },
      { LATCHKEY_SHUTDOWN_DRAIN_SECONDS: '121' },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: ' ' }).databaseUrl).toBeNull();
  });
});
