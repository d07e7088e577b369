// An audit log's export: the events a filter matches, newest first, as CSV or JSON, capped.
import { ApiProperty } from '@nestjs/swagger';
import { DATE_TIME } from '../common/view-fields';
import { AuditEventView } from './audit.views';

/** The most events one export holds; `truncated` (and Latchkey-Export-Truncated) says when more matched. */
export const AUDIT_EXPORT_MAX_EVENTS = 10_000;

export class AuditExportView {
  @ApiProperty({ type: [AuditEventView], maxItems: AUDIT_EXPORT_MAX_EVENTS, description: 'The events, newest first' })
  items: AuditEventView[];

  @ApiProperty({
    description: `true: more than ${AUDIT_EXPORT_MAX_EVENTS} events matched; narrow the time range (to) to export the older ones`,
  })
  truncated: boolean;

  @ApiProperty({ ...DATE_TIME, description: 'When the export was made' })
  exportedAt: Date;
}

/** A generous bound on one CSV row, for the document: ids, times, an address and an event's details (small JSON). */
export const CSV_ROW_MAX_LENGTH = 65_536;

export const AUDIT_CSV_COLUMNS = [
  'id',
  'createdAt',
  'action',
  'actorType',
  'actorId',
  'actorTokenId',
  'targetType',
  'targetId',
  'ip',
  'details',
] as const;

/** RFC 4180 rows, CRLF-terminated, with a header row; the details as JSON in the last column. */
export function toAuditCsv(events: AuditEventView[]): string {
  const rows = events.map((e) => [
    e.id,
    new Date(e.createdAt).toISOString(),
    e.action,
    e.actor.type,
    e.actor.id,
    e.actor.tokenId,
    e.target?.type ?? null,
    e.target?.id ?? null,
    e.ip,
    JSON.stringify(e.details ?? {}),
  ]);
  return [[...AUDIT_CSV_COLUMNS], ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/**
 * One cell: quoted when it holds a comma, quote or line break; and a cell a spreadsheet would read as
 * a formula (=, +, -, @, tab, carriage return first) starts with a quote mark, so opening the file
 * runs nothing (CSV injection: details hold names people typed).
 */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
