import { useState } from 'react';
import type { AuditEvent } from '../../api/models';
import { FormAlert, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { formatDate } from '../../format';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
import { NoPermission, WorkspacePage } from './common';

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

export function AuditPage() {
  const { api } = useSession();
  const { workspace, can } = useWorkspace();
  const [filter, setFilter] = useState('');
  const [action, setAction] = useState('');
  const form = useForm({ fields: ['action'] });
  const events = useLoad((cursor) => api.audit.list(workspace.id, { cursor, action: filter || undefined }), [workspace.id, filter]);
  const names = useActorNames();

  if (!can('audit:read')) {
    return (
      <WorkspacePage title="Audit log">
        <NoPermission permission="audit:read" />
      </WorkspacePage>
    );
  }
  const submit = form.handleSubmit(async () => {
    // Asked once here, so a filter the API refuses shows its error next to the field.
    const wanted = action.trim();
    if (wanted) await api.audit.list(workspace.id, { action: wanted, limit: 1 });
    setFilter(wanted);
  });
  return (
    <WorkspacePage
      title="Audit log"
      intro="Every change in this workspace and who made it, newest first. Entries cannot be edited or deleted."
    >
      <Section title="Filter">
        <form ref={form.ref} onSubmit={submit} noValidate aria-label="Filter the audit log" className="inline-form">
          <FormAlert form={form} />
          <TextField
            form={form}
            name="action"
            label="Action"
            hint="For example token.revoked. Empty for all."
            list="audit-actions"
            value={action}
            onChange={setAction}
            autoComplete="off"
          />
          <datalist id="audit-actions">
            {ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <SubmitButton form={form}>Apply filter</SubmitButton>
        </form>
      </Section>
      <Section title="Events">
        <PagedItems list={events} empty={`No events${filter ? ` with action ${filter}` : ''}.`} moreLabel="Show older events">
          <AuditTable events={events.items} caption={`Audit events of ${workspace.name}`} names={names} />
        </PagedItems>
      </Section>
    </WorkspacePage>
  );
}

/** Names for the ids an audit event carries: members, API users. */
function useActorNames(): Map<string, string> {
  const { api } = useSession();
  const { workspace, can } = useWorkspace();
  const members = useLoad(() => api.members.list(workspace.id, { limit: 200 }).then((p) => p.items), [workspace.id]);
  const apiUsers = useLoad(
    () => (can('api_users:read') ? api.apiUsers.list(workspace.id, { limit: 200 }).then((p) => p.items) : Promise.resolve([])),
    [workspace.id],
  );
  return new Map<string, string>([
    ...(members.data ?? []).map((m) => [m.userId, m.email] as [string, string]),
    ...(apiUsers.data ?? []).map((u) => [u.id, `API user ${u.name}`] as [string, string]),
  ]);
}

export function AuditTable({ events, caption, names }: { events: AuditEvent[]; caption: string; names?: Map<string, string> }) {
  const who = (e: AuditEvent) => {
    if (e.actor.type === 'system' || !e.actor.id) return <span className="muted">system</span>;
    return (
      names?.get(e.actor.id) ?? (
        <span>
          {e.actor.type === 'api_user' ? 'API user' : 'user'} <code>{e.actor.id.slice(0, 8)}</code>
        </span>
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
        { header: 'Action', rowHeader: true, cell: (e) => <code>{e.action}</code> },
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
              <span>
                {e.target.type} {names?.get(e.target.id) ?? <code>{e.target.id.slice(0, 8)}</code>}
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
