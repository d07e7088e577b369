// A fingerprint of every table's content, to assert that a request changed no row anywhere.
import type { DataSource } from 'typeorm';

/**
 * Columns written on purpose outside the request that reads them, left out of the fingerprint:
 * a token's last use is kept in memory and flushed in the background (README, Tokens: it must not cost a
 * write per request), so a flush may land between any two snapshots.
 */
const BACKGROUND_COLUMNS: Record<string, string[]> = { tokens: ['last_used_at', 'last_used_ip'] };
/** Tables written only in the background, the same way: the tokens' hourly usage (TokenUsageRecorder). */
const BACKGROUND_TABLES = new Set(['token_usage_hourly']);

const statements = new WeakMap<DataSource, Promise<string>>();

/** One statement that fingerprints every table of the schema; a new table joins by existing. */
async function fingerprintStatement(dataSource: DataSource): Promise<string> {
  const columns: Array<{ table: string; column: string }> = await dataSource.query(
    `SELECT c.table_name AS "table", c.column_name AS "column"
       FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const { table, column } of columns) {
    if (BACKGROUND_TABLES.has(table) || BACKGROUND_COLUMNS[table]?.includes(column)) continue;
    byTable.set(table, [...(byTable.get(table) ?? []), column]);
  }
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const parts = [...byTable].map(([table, cols]) => {
    // Contents, not only counts: an update would not change a count.
    const source = `(SELECT ${cols.map(quote).join(', ')} FROM ${quote(table)})`;
    return `'${table}', (SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ${source} x)`;
  });
  return `SELECT json_build_object(${parts.join(', ')}) AS contents`;
}

/** table name -> "row count:md5 of its rows", for every table of the schema. */
export async function tableContents(dataSource: DataSource): Promise<Record<string, string>> {
  let statement = statements.get(dataSource);
  if (!statement) {
    statement = fingerprintStatement(dataSource);
    statements.set(dataSource, statement);
  }
  const [row] = await dataSource.query(await statement);
  return typeof row.contents === 'string' ? JSON.parse(row.contents) : row.contents;
}

/** The tables whose fingerprints differ, e.g. ['devices', 'audit_events']. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((table) => before[table] !== after[table]).sort();
}

/**
 * Reports the tables whose content changed since the last call, cheaply: a transaction that writes
 * is given a transaction id, so while the next id to be given out stays the same nothing was written
 * and the fingerprints need not be taken again.
 */
export class TableWatch {
  private constructor(
    private readonly dataSource: DataSource,
    private nextXid: string,
    private contents: Record<string, string>,
  ) {}

  static async start(dataSource: DataSource): Promise<TableWatch> {
    const nextXid = await TableWatch.readNextXid(dataSource);
    return new TableWatch(dataSource, nextXid, await tableContents(dataSource));
  }

  private static async readNextXid(dataSource: DataSource): Promise<string> {
    const [row] = await dataSource.query(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid`);
    return row.xid;
  }

  async changes(): Promise<string[]> {
    // Read before the contents: a write in between is then seen by the next call, never lost.
    const nextXid = await TableWatch.readNextXid(this.dataSource);
    if (nextXid === this.nextXid) return [];
    this.nextXid = nextXid;
    const after = await tableContents(this.dataSource);
    const changed = changedTables(this.contents, after);
    this.contents = after;
    return changed;
  }
}
