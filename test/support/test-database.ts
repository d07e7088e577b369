// A fresh, migrated database per test file: a copy of a template on the PostgreSQL server in
// DATABASE_URL, or an in-memory copy of a migrated embedded database otherwise.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/database';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrations } from '../../src/database/migrate';
import type { EmbeddedCopy } from './test-environment';

export interface TestDatabase {
  url: string;
  embedded: boolean;
  drop(): Promise<void>;
}

declare global {
  /** Set by test/support/test-environment.ts for jest's test files; elsewhere (scripts/write-openapi.ts) absent. */
  var startEmbeddedCopy: ((dumpPath: string) => Promise<EmbeddedCopy>) | undefined;
}

export const serverUrl = (): string | undefined => process.env.DATABASE_URL || undefined;

/** The template is named after a hash of the migrations, so a changed migration gets a new one. */
function migrationsHash(): string {
  const dir = join(__dirname, '../../src/database/migrations');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex').slice(0, 12);
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Named after the server database in DATABASE_URL, so whoever created that one (CI) can drop everything made from it. */
function serverDatabaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
}

export function templateName(url: string): string {
  return `${serverDatabaseName(url)}_tpl_${migrationsHash()}`.slice(0, 63);
}

function dumpPath(): string {
  return join(tmpdir(), `latchkey-test-template-${migrationsHash()}.tar`);
}

async function migrate(url: string): Promise<void> {
  const dataSource = new DataSource(dataSourceOptions({ url }, { size: 1 }));
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** Run once before all test files (jest globalSetup). */
export async function prepareTemplate(): Promise<void> {
  const url = serverUrl();
  if (url) {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      const name = templateName(url);
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        const building = `${name}_${randomBytes(4).toString('hex')}`;
        await admin.query(`CREATE DATABASE "${building}"`);
        await migrate(withDatabase(url, building));
        await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`).catch(async () => {
          await admin.query(`DROP DATABASE IF EXISTS "${building}"`); // another run made it first
        });
      }
    } finally {
      await admin.end();
    }
    return;
  }
  if (existsSync(dumpPath())) return;
  const fresh = await EmbeddedPostgres.start({ inMemory: true });
  try {
    await migrate(fresh.url);
    const partial = `${dumpPath()}.${process.pid}.tmp`;
    writeFileSync(partial, Buffer.from(await (await fresh.dump()).arrayBuffer()));
    renameSync(partial, dumpPath());
  } finally {
    await fresh.stop();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const url = serverUrl();
  if (url) {
    const name = `${serverDatabaseName(url).slice(0, 36)}_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName(url)}"`);
    } finally {
      await admin.end();
    }
    return {
      url: withDatabase(url, name),
      embedded: false,
      drop: async () => {
        const client = new Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await client.end();
        }
      },
    };
  }
  if (globalThis.startEmbeddedCopy) {
    const copy = await globalThis.startEmbeddedCopy(dumpPath());
    return { url: copy.url, embedded: true, drop: () => copy.stop() };
  }
  const embedded = await EmbeddedPostgres.start({ inMemory: true, dump: new Blob([readFileSync(dumpPath())]) });
  return { url: embedded.url, embedded: true, drop: () => embedded.stop() };
}
