// An audit log export as CSV: one row per event, every cell quoted, formulas defused.
import type { components } from './api/schema';

type AuditEvent = components['schemas']['AuditEventView'];

function csvCell(value: string): string {
  // Quoted always; a leading =, +, - or @ is defused so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function toCsv(events: AuditEvent[], names: Map<string, string>): string {
  const header = ['time', 'action', 'actor_type', 'actor_id', 'actor', 'target_type', 'target_id', 'target', 'ip', 'details'];
  const rows = events.map((e) => [
    e.createdAt,
    e.action,
    e.actor.type,
    e.actor.id ?? '',
    (e.actor.id && names.get(e.actor.id)) ?? '',
    e.target?.type ?? '',
    e.target?.id ?? '',
    (e.target && names.get(e.target.id)) ?? '',
    e.ip ?? '',
    JSON.stringify(e.details),
  ]);
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
