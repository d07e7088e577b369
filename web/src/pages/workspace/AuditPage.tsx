import { Fragment, useState } from 'react';
import { toProblem } from '../../api/client';
import type { AuditEvent, Problem } from '../../api/models';
import { Alert, useAnnounce } from '../../components/feedback';
import { FormAlert, SelectField, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { formatDate } from '../../format';
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
  'team.created',
  'team.deleted',
  'team.member_added',
  'team.member_removed',
  'team.updated',
  'token.created',
  'token.revoked',
  'token.rotated',
  'workspace.created',
  'workspace.token_policy_changed',
  'workspace.updated',
];

/** The filters as the form holds them; empty is "any". */
interface AuditFilters {
  /** "token.revoked" for one action, or "token." for every token action. */
  action: string;
  actorId: string;
  targetType: '' | TargetType;
  targetId: string;
  /** Dates (YYYY-MM-DD), both days included. */
  from: string;
  to: string;
}

type TargetType = NonNullable<Query['targetType']>;

const TARGET_TYPES: Array<{ value: TargetType; label: string }> = [
  { value: 'user', label: 'A member' },
  { value: 'api_user', label: 'An API user' },
  { value: 'device', label: 'A device' },
  { value: 'role', label: 'A role' },
  { value: 'team', label: 'A team' },
  { value: 'invitation', label: 'An invitation' },
  { value: 'token', label: 'A token' },
  { value: 'workspace', label: 'The workspace' },
];

const NO_FILTERS: AuditFilters = { action: '', actorId: '', targetType: '', targetId: '', from: '', to: '' };

type Query = NonNullable<Parameters<ReturnType<typeof useSession>['api']['audit']['list']>[1]>;

const DAY_MS = 86_400_000;

/** The day after a YYYY-MM-DD date: "to" is exclusive on the server, the form's last day is included. */
function dayAfter(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

/** The list's query, as the server filters: an action ending in "." is a prefix (`actionPrefix`). */
export function auditQuery(filters: AuditFilters): Omit<Query, 'cursor' | 'limit'> {
  const action = filters.action.trim();
  return {
    ...(action ? (action.endsWith('.') ? { actionPrefix: action } : { action }) : {}),
    ...(filters.actorId ? { actorId: filters.actorId } : {}),
    ...(filters.targetType ? { targetType: filters.targetType } : {}),
    ...(filters.targetId ? { targetId: filters.targetId } : {}),
    ...(filters.from ? { from: filters.from } : {}),
    ...(filters.to ? { to: dayAfter(filters.to) } : {}),
  };
}

export function AuditPage() {
  const { api } = useSession();
  const { workspace, can, roles } = useWorkspace();
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const form = useForm({ fields: ['action', 'actionPrefix', 'actorId', 'targetType', 'targetId', 'from', 'to'] });
  const events = useLoad((cursor) => api.audit.list(workspace.id, { cursor, ...auditQuery(filters) }), [workspace.id, filters]);
  const actors = useActors();
  const devices = useAllDevices(can('devices:read'));
  const names = new Map([
    ...actors.map((a) => [a.id, a.name] as [string, string]),
    ...roles.map((r) => [r.id, `“${r.name}”`] as [string, string]),
    ...(devices.data ?? []).map((d) => [d.id, `“${d.name}”`] as [string, string]),
  ]);
  // The things of the chosen kind the page can name, to pick one of them.
  const targets: Array<{ value: string; label: string }> =
    draft.targetType === 'user'
      ? actors.filter((a) => a.kind === 'user').map((a) => ({ value: a.id, label: a.label }))
      : draft.targetType === 'api_user'
        ? actors.filter((a) => a.kind === 'api_user').map((a) => ({ value: a.id, label: a.name }))
        : draft.targetType === 'device'
          ? (devices.data ?? []).map((d) => ({ value: d.id, label: d.name }))
          : draft.targetType === 'role'
            ? roles.map((r) => ({ value: r.id, label: r.name }))
            : [];

  if (!can('audit:read')) {
    return (
      <WorkspacePage title="Audit log">
        <NoPermission permission="audit:read" />
      </WorkspacePage>
    );
  }
  const submit = form.handleSubmit(async () => {
    // Asked once here, so a filter the API refuses shows its error next to its field.
    await api.audit.list(workspace.id, { ...auditQuery(draft), limit: 1 });
    setFilters(draft);
  });
  const filtered = Object.values(filters).some((v) => v !== '');
  const set = (patch: Partial<AuditFilters>) => setDraft({ ...draft, ...patch });
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
              hint="token.revoked for one action, token. for all of a kind."
              list="audit-actions"
              value={draft.action}
              onChange={(action) => set({ action })}
              autoComplete="off"
              maxLength={100}
            />
            <SelectField
              form={form}
              name="actorId"
              label="By"
              value={draft.actorId}
              onChange={(actorId) => set({ actorId })}
              options={[{ value: '', label: 'Anyone' }, ...actors.map((a) => ({ value: a.id, label: a.label }))]}
            />
            <SelectField
              form={form}
              name="targetType"
              label="About"
              value={draft.targetType}
              onChange={(targetType) => set({ targetType: targetType as AuditFilters['targetType'], targetId: '' })}
              options={[{ value: '', label: 'Anything' }, ...TARGET_TYPES]}
            />
            {targets.length > 0 && (
              <SelectField
                form={form}
                name="targetId"
                label="Which one"
                value={draft.targetId}
                onChange={(targetId) => set({ targetId })}
                options={[{ value: '', label: 'Any of them' }, ...targets]}
              />
            )}
            <TextField form={form} name="from" label="From" type="date" value={draft.from} onChange={(from) => set({ from })} />
            <TextField form={form} name="to" label="Until (included)" type="date" value={draft.to} onChange={(to) => set({ to })} />
          </div>
          <datalist id="audit-actions">
            {ACTION_PREFIXES.map((a) => (
              <option key={a} value={a} />
            ))}
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
      <Section title="Events" actions={<ExportButtons query={auditQuery(filters)} />}>
        <PagedItems list={events} empty={filtered ? 'No events match these filters.' : 'No events yet.'} moreLabel="Show older events">
          <AuditTable events={events.items} caption={`Audit events of ${workspace.name}`} names={names} />
        </PagedItems>
      </Section>
    </WorkspacePage>
  );
}

const ACTION_PREFIXES = [...new Set(ACTIONS.map((a) => `${a.split('.')[0]}.`))];

/** Downloads what the filters select, as the server exports it (CSV or JSON, at most 10,000 events). */
function ExportButtons({ query }: { query: Omit<Query, 'cursor' | 'limit'> }) {
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
      const { file, truncated } = await api.audit.export(workspace.id, { ...query, format });
      const name = `audit-${workspace.slug}-${new Date().toISOString().slice(0, 10)}.${format}`;
      download(name, file);
      announce(truncated ? `Exported to ${name}: the first 10,000 events only. Narrow the filters for the rest.` : `Exported to ${name}.`);
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

function download(name: string, file: Blob): void {
  const url = URL.createObjectURL(file);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Who can appear in the log, with names for their ids: members (by name and email) and API users. */
function useActors(): Array<{ id: string; kind: 'user' | 'api_user'; name: string; label: string }> {
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
    ...(members.data ?? []).map((m) => ({ id: m.userId, kind: 'user' as const, name: m.name, label: `${m.name} (${m.email})` })),
    ...(apiUsers.data ?? []).map((u) => ({ id: u.id, kind: 'api_user' as const, name: u.name, label: `API user ${u.name}` })),
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
