import { Fragment, useState } from 'react';
import { toProblem } from '../../api/client';
import type { AuditEvent, Problem } from '../../api/models';
import { Alert, useAnnounce } from '../../components/feedback';
import { FormAlert, SelectField, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { toCsv } from '../../audit-export';
import { formatDate, plural } from '../../format';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
import { NoPermission, useAllDevices, WorkspacePage } from './common';

const ACTIONS = [
  'api_user.created',
  'api_user.deleted',
  'device.created',
  'device.deleted',
  'device.updated',
  'invitation.declined',
  'invitation.resent',
  'invitation.revoked',
  'member.invited',
  'member.joined',
  'member.left',
  'member.removed',
  'member.updated',
  'role.created',
  'role.deleted',
  'role.updated',
  'token.created',
  'token.revoked',
  'token.rotated',
  'workspace.created',
  'workspace.token_policy_changed',
  'workspace.updated',
];

/** The filters as the form holds them; empty is "any". */
interface AuditFilters {
  /** "token.revoked" exactly, or "token." for every token action. */
  action: string;
  actorId: string;
}

const NO_FILTERS: AuditFilters = { action: '', actorId: '' };

/** The list's query: what the server filters. An action ending in "." is a prefix, sent as `action` with "*". */
function auditQuery(filters: AuditFilters): Query {
  return {
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.actorId ? { actorId: filters.actorId } : {}),
  };
}

type Query = NonNullable<Parameters<ReturnType<typeof useSession>['api']['audit']['list']>[1]>;

export function AuditPage() {
  const { api } = useSession();
  const { workspace, can } = useWorkspace();
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const form = useForm({ fields: ['action', 'actorId'] });
  const events = useLoad((cursor) => api.audit.list(workspace.id, { cursor, ...auditQuery(filters) }), [workspace.id, filters]);
  const actors = useActors();
  const { roles } = useWorkspace();
  const devices = useAllDevices(can('devices:read'));
  const names = new Map([
    ...actors.map((a) => [a.id, a.name] as [string, string]),
    ...roles.map((r) => [r.id, `“${r.name}”`] as [string, string]),
    ...(devices.data ?? []).map((d) => [d.id, `“${d.name}”`] as [string, string]),
  ]);

  if (!can('audit:read')) {
    return (
      <WorkspacePage title="Audit log">
        <NoPermission permission="audit:read" />
      </WorkspacePage>
    );
  }
  const submit = form.handleSubmit(async () => {
    const wanted = { action: draft.action.trim(), actorId: draft.actorId };
    // Asked once here, so a filter the API refuses shows its error next to its field.
    await api.audit.list(workspace.id, { ...auditQuery(wanted), limit: 1 });
    setFilters(wanted);
  });
  const filtered = filters.action !== '' || filters.actorId !== '';
  return (
    <WorkspacePage
      title="Audit log"
      intro="Every change in this workspace and who made it, newest first. Entries cannot be edited or deleted."
    >
      <Section title="Filter">
        <form ref={form.ref} onSubmit={submit} noValidate aria-label="Filter the audit log">
          <FormAlert form={form} />
          <div className="filters">
            <TextField
              form={form}
              name="action"
              label="Action"
              hint="For example token.revoked."
              list="audit-actions"
              value={draft.action}
              onChange={(action) => setDraft({ ...draft, action })}
              autoComplete="off"
              maxLength={100}
            />
            <SelectField
              form={form}
              name="actorId"
              label="By"
              value={draft.actorId}
              onChange={(actorId) => setDraft({ ...draft, actorId })}
              options={[{ value: '', label: 'Anyone' }, ...actors.map((a) => ({ value: a.id, label: a.label }))]}
            />
          </div>
          <datalist id="audit-actions">
            {ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <div className="button-row">
            <SubmitButton form={form}>Apply filters</SubmitButton>
            {filtered && (
              <button
                type="button"
                className="button secondary"
                onClick={() => {
                  setDraft(NO_FILTERS);
                  setFilters(NO_FILTERS);
                }}
              >
                Clear filters
              </button>
            )}
          </div>
        </form>
      </Section>
      <Section title="Events" actions={<ExportButtons query={auditQuery(filters)} names={names} />}>
        <PagedItems list={events} empty={filtered ? 'No events match these filters.' : 'No events yet.'} moreLabel="Show older events">
          <AuditTable events={events.items} caption={`Audit events of ${workspace.name}`} names={names} />
        </PagedItems>
      </Section>
    </WorkspacePage>
  );
}

/** The most events one export holds; the filters narrow a larger log. */
const EXPORT_LIMIT = 10_000;

/** Downloads every event the filters select, as CSV or JSON, page by page from the API. */
function ExportButtons({ query, names }: { query: Query; names: Map<string, string> }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const announce = useAnnounce();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const exportAs = async (format: 'csv' | 'json') => {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      const all: AuditEvent[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.audit.list(workspace.id, { ...query, cursor, limit: 200 });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && all.length < EXPORT_LIMIT);
      const stamp = new Date().toISOString().slice(0, 10);
      const file = `audit-${workspace.slug}-${stamp}.${format}`;
      const body = format === 'json' ? `${JSON.stringify(all, null, 2)}\n` : toCsv(all, names);
      download(file, body, format === 'json' ? 'application/json' : 'text/csv');
      announce(
        `${plural(all.length, 'event')} exported to ${file}${cursor ? ` (the first ${EXPORT_LIMIT}; narrow the filters for the rest)` : ''}.`,
      );
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="button-row">
      <button type="button" className="button secondary small" onClick={() => void exportAs('csv')} aria-disabled={busy || undefined}>
        Export CSV
      </button>
      <button type="button" className="button secondary small" onClick={() => void exportAs('json')} aria-disabled={busy || undefined}>
        Export JSON
      </button>
      {problem && <Alert problem={problem} />}
    </div>
  );
}

function download(name: string, body: string, type: string): void {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Who can appear in the log, with names for their ids: members (by name and email) and API users. */
function useActors(): Array<{ id: string; name: string; label: string }> {
  const { api } = useSession();
  const { workspace, can } = useWorkspace();
  const members = useLoad(
    () => (can('members:read') ? api.members.list(workspace.id, { limit: 200 }).then((p) => p.items) : Promise.resolve([])),
    [workspace.id],
  );
  const apiUsers = useLoad(
    () => (can('api_users:read') ? api.apiUsers.list(workspace.id, { limit: 200 }).then((p) => p.items) : Promise.resolve([])),
    [workspace.id],
  );
  return [
    ...(members.data ?? []).map((m) => ({ id: m.userId, name: m.name, label: `${m.name} (${m.email})` })),
    ...(apiUsers.data ?? []).map((u) => ({ id: u.id, name: u.name, label: `API user ${u.name}` })),
  ];
}

export function AuditTable({ events, caption, names }: { events: AuditEvent[]; caption: string; names?: Map<string, string> }) {
  const who = (e: AuditEvent) => {
    if (e.actor.type === 'system' || !e.actor.id) return <span className="muted">system</span>;
    const name = names?.get(e.actor.id);
    if (name) return e.actor.type === 'api_user' ? `API user ${name}` : name;
    return (
      name ?? (
        // Someone no longer here: said so, the id kept on hover for support.
        <span title={e.actor.id}>{e.actor.type === 'api_user' ? 'a former API user' : 'a former member'}</span>
      )
    );
  };
  return (
    <DataTable
      className="audit"
      caption={caption}
      items={events}
      rowKey={(e) => e.id}
      columns={[
        { header: 'When', cell: (e) => <time dateTime={e.createdAt}>{formatDate(e.createdAt)}</time> },
        // Broken after its dots and underscores only, never inside a word.
        { header: 'Action', rowHeader: true, cell: (e) => <code className="action-name">{breakable(e.action)}</code> },
        {
          header: 'By',
          cell: (e) => (
            <>
              {who(e)}
              {e.ip && <span className="muted small block">{e.ip}</span>}
            </>
          ),
        },
        {
          header: 'Target',
          cell: (e) =>
            e.target ? (
              <span className="ellipsis" title={e.target.id}>
                {e.target.type === 'api_user' ? 'API user' : e.target.type}{' '}
                {names?.get(e.target.id) ?? (typeof e.details.name === 'string' ? `“${e.details.name}”` : '')}
              </span>
            ) : (
              <span className="muted">—</span>
            ),
        },
        {
          header: 'Details',
          cell: (e) => <AuditDetails details={e.details} />,
        },
      ]}
    />
  );
}

/** An event's details, folded: the field names as the summary, the whole JSON when opened. */
function AuditDetails({ details }: { details: Record<string, unknown> }) {
  const keys = Object.keys(details);
  if (keys.length === 0) return <span className="muted">—</span>;
  return (
    <details className="audit-details">
      <summary>{keys.length <= 3 ? keys.join(', ') : `${keys.slice(0, 3).join(', ')} and ${keys.length - 3} more`}</summary>
      <pre>{JSON.stringify(details, null, 2)}</pre>
    </details>
  );
}

/** "workspace.token_policy_changed" with a line-break opportunity after each dot and underscore (<wbr>: not in the text). */
function breakable(text: string) {
  return text.split(/(?<=[._])/).map((part, i) => (
    <Fragment key={i}>
      {i > 0 && <wbr />}
      {part}
    </Fragment>
  ));
}
