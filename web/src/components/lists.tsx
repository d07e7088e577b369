// Lists of records: a table with a hidden caption, column and row headers and a column of row
// actions; and what a paged list shows around its items (loading, empty, "show more").
import type { ReactNode } from 'react';
import type { Page } from '../api/models';
import type { Loaded } from '../hooks';
import { Empty, LoadState } from './feedback';

export interface Column<T> {
  header: string;
  /** The cell that names its row (a <th scope="row">), read out with each of the row's other cells. */
  rowHeader?: boolean;
  cell: (item: T) => ReactNode;
}

interface DataTableProps<T> {
  /** Said to screen readers only: the page's headings say it to everyone else. */
  caption: string;
  columns: Array<Column<T>>;
  items: T[];
  rowKey: (item: T) => string;
  rowClass?: (item: T) => string | undefined;
  /** A row's buttons, in a last column whose header only screen readers hear; false for who may not act. */
  actions?: ((item: T) => ReactNode) | false;
  className?: string;
}

export function DataTable<T>({ caption, columns, items, rowKey, rowClass, actions, className }: DataTableProps<T>) {
  return (
    <div className="table-wrap">
      <table className={`${className ?? ''} stack-narrow`.trim()}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" key={column.header}>
                {column.header}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={rowKey(item)} className={rowClass?.(item)}>
              {columns.map((column) =>
                column.rowHeader ? (
                  <th scope="row" key={column.header} data-label={column.header}>
                    {column.cell(item)}
                  </th>
                ) : (
                  <td key={column.header} data-label={column.header}>
                    {column.cell(item)}
                  </td>
                ),
              )}
              {actions && (
                <td className="actions">
                  <div className="row-actions">{actions(item)}</div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface PagedItemsProps {
  list: Loaded<Page<unknown>>;
  /** How many of the list's items the page shows, when it leaves some out (revoked tokens, say). */
  shown?: number;
  /** Said when there is nothing to show; without it an empty list shows nothing. */
  empty?: ReactNode;
  /** The "show more" button's text. */
  moreLabel: string;
  /** The items (a table), shown while there are any. */
  children: ReactNode;
}

/** A paged list's states: loading or its problem, the empty message, the items, then "show more". */
export function PagedItems({ list, shown = list.items.length, empty, moreLabel, children }: PagedItemsProps) {
  return (
    <>
      <LoadState loading={list.loading} problem={list.problem} hasData={list.items.length > 0} />
      {empty !== undefined && !list.loading && shown === 0 && !list.problem && <Empty>{empty}</Empty>}
      {shown > 0 && children}
      {list.hasMore && (
        <button type="button" className="button secondary" onClick={() => void list.loadMore()}>
          {moreLabel}
        </button>
      )}
    </>
  );
}
