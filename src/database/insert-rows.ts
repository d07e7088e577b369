// Many rows into one table in few statements (a bulk change's devices, audit events, deliveries, jobs):
// multi-row INSERTs, every value a parameter, never a statement per row.
import type { EntityManager } from 'typeorm';

/** Rows a statement: at 12 columns, 12,000 parameters, far below PostgreSQL's 65,535. */
const ROWS_PER_INSERT = 1000;

/** Each row's values in `columns`' order. */
export async function insertRows(
  em: EntityManager,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
): Promise<void> {
  for (let first = 0; first < rows.length; first += ROWS_PER_INSERT) {
    const params: unknown[] = [];
    const values = rows.slice(first, first + ROWS_PER_INSERT).map((row) => `(${row.map((value) => `$${params.push(value)}`).join(', ')})`);
    await em.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, params);
  }
}
