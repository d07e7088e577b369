// Many rows into one table in few statements (a bulk change's devices, audit events, deliveries, jobs):
// multi-row INSERTs, every value a parameter, never a statement per row.
import type { EntityManager } from 'typeorm';

/** Rows a statement at most: a bulk create's largest batch goes in one. */
const ROWS_PER_INSERT = 1000;
/** PostgreSQL's bound on a statement's parameters (the wire protocol counts them in 16 bits). */
const MAX_PARAMETERS = 65_535;

/** Each row's values in `columns`' order. */
export async function insertRows(
  em: EntityManager,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
): Promise<void> {
  // 1,000 rows up to 65 columns; a wider table gets fewer rows a statement, never too many parameters.
  const perStatement = Math.min(ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / columns.length));
  for (let first = 0; first < rows.length; first += perStatement) {
    const params: unknown[] = [];
    const values = rows.slice(first, first + perStatement).map((row) => `(${row.map((value) => `$${params.push(value)}`).join(', ')})`);
    await em.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, params);
  }
}
