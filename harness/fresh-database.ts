// A fresh, empty database for one part: the embedded one in a temporary folder, a PostgreSQL cluster
// of the part's own (which it may stop and start), or a new database on an existing server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';
import { onExit } from './cleanup';
import { LatchkeyOptions, LatchkeyProcess } from './latchkey-process';
import { PostgresCluster } from './postgres-cluster';

export type DatabaseKind = 'embedded' | 'cluster' | 'server';

export interface Sql {
  query<T = Record<string, any>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** For reports: "embedded (PGlite)", "PostgreSQL 15 (own cluster)". */
  label: string;
  /** What Latchkey needs to use it: DATABASE_URL, or LATCHKEY_DATA_DIR. */
  env: Record<string, string>;
  /** The cluster, when kind is 'cluster': stop() and start() it to make an outage. */
  cluster: PostgresCluster | null;
  /** Runs `work` with a connection of its own. The embedded database admits one process: only while no Latchkey runs on it. */
  withSql<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /** Deletes it (stops the cluster, drops the database, removes the folder). */
  cleanup(): Promise<void>;
}

/** The server `server` databases are made on: DATABASE_URL, else the local server on 5432. */
export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * `server`: a new database on `serverUrl` (default SERVER_URL), named latchkey_<label>_…, dropped at
 * cleanup; `label` defaults to "reliability".
 */
export async function freshDatabase(kind: DatabaseKind, options: { serverUrl?: string; label?: string } = {}): Promise<DatabaseTarget> {
  switch (kind) {
    case 'embedded':
      return embeddedDatabase();
    case 'cluster':
      return clusterDatabase();
    case 'server':
      return serverDatabase(options.serverUrl ?? SERVER_URL, options.label ?? 'reliability');
  }
}

/** Whether the PostgreSQL server at `serverUrl` (default SERVER_URL) answers within 5 s. */
export async function postgresAvailable(serverUrl = SERVER_URL): Promise<boolean> {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts Latchkey on `target`; `env` adds or overrides settings (e.g. LATCHKEY_DB_POOL_SIZE). */
export function startLatchkey(
  root: string,
  target: DatabaseTarget,
  env: Record<string, string> = {},
  options: Omit<LatchkeyOptions, 'root' | 'env'> = {},
): Promise<LatchkeyProcess> {
  return LatchkeyProcess.start({ ...options, root, env: { ...target.env, ...env } });
}

function embeddedDatabase(): DatabaseTarget {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-reliability-embedded-'));
  const forget = onExit(() => rmSync(dir, { recursive: true, force: true }));
  return {
    kind: 'embedded',
    label: 'embedded (PGlite)',
    env: { LATCHKEY_DATA_DIR: dir },
    cluster: null,
    withSql: async (work) => {
      const embedded = await EmbeddedPostgres.start({ dataDir: dir });
      const { host, port, username, database } = embedded.connection;
      const client = new Client({ host, port, user: username, database });
      try {
        await client.connect();
        return await work(sqlOf(client));
      } finally {
        await client.end().catch(() => undefined);
        await embedded.stop();
      }
    },
    cleanup: async () => {
      rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}

async function clusterDatabase(): Promise<DatabaseTarget> {
  const cluster = await PostgresCluster.create();
  const [{ server_version }] = await cluster.query<{ server_version: string }>('SHOW server_version');
  const url = await cluster.createDatabase('latchkey');
  return {
    kind: 'cluster',
    label: `PostgreSQL ${server_version.split(' ')[0]} (own cluster)`,
    env: { DATABASE_URL: url },
    cluster,
    withSql: (work) => withClient(url, work),
    cleanup: () => cluster.destroy(),
  };
}

async function serverDatabase(serverUrl: string, label: string): Promise<DatabaseTarget> {
  const name = `latchkey_${label.replace(/\W/g, '_')}_${Date.now()}_${process.pid}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const version = await withClient(serverUrl, async (sql) => {
    await sql.query(`CREATE DATABASE "${name}"`);
    return (await sql.query<{ server_version: string }>('SHOW server_version'))[0].server_version;
  });
  const drop = () => withClient(serverUrl, (sql) => sql.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  return {
    kind: 'server',
    label: `PostgreSQL ${version.split(' ')[0]} (database on ${url.host})`,
    env: { DATABASE_URL: url.toString() },
    cluster: null,
    withSql: (work) => withClient(url.toString(), work),
    cleanup: async () => {
      await drop();
    },
  };
}

async function withClient<T>(url: string, work: (sql: Sql) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(sqlOf(client));
  } finally {
    await client.end().catch(() => undefined);
  }
}

function sqlOf(client: Client): Sql {
  return { query: async (text, params) => (await client.query(text, params)).rows };
}
