import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import { ConfirmButton } from '../../components/Dialog';
import { useAnnounce } from '../../components/feedback';
import { FormAlert, SubmitButton, TextField, useForm } from '../../components/form';
import { Section } from '../../components/Page';
import { formatDate, plural } from '../../format';
import { Link, navigate } from '../../router';
import { allowedFor, pathTo, ROUTES } from '../../routes';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
import { RoleChips, WorkspacePage } from './common';
import { PagedItems } from '../../components/lists';
import { tokenColumns, TokenTable } from '../../components/tokens';
import { useLoad } from '../../hooks';

/**
 * The workspace's other screens, as the route table describes them. Read when drawn, not at load:
 * the route table imports this page.
 */
function workspaceAreas() {
  return ROUTES.filter((r) => r.nav?.summary);
}

export function OverviewPage() {
  const { workspace, access, can, isOwner } = useWorkspace();
  const policy = workspace.tokenPolicy;
  const devices = access.deviceAccess;
  return (
    <WorkspacePage
      title={workspace.name}
      intro={
        <>
          Slug <code>{workspace.slug}</code> · created {formatDate(workspace.createdAt)}
        </>
      }
    >
      <div className="grid-2">
        <Section title="Your access">
          <dl className="details">
            <dt>Your roles</dt>
            <dd>
              <RoleChips roles={workspace.roles ?? []} />
            </dd>
            <dt>Your devices</dt>
            <dd>
              {devices.mode === 'all'
                ? 'Every device'
                : devices.deviceIds
                  ? plural(devices.deviceIds.length, 'chosen device')
                  : 'Chosen devices'}
            </dd>
            <dt>Token policy</dt>
            <dd>
              {policy.maxLifetimeDays ? `Tokens may live at most ${policy.maxLifetimeDays} days` : 'No maximum token lifetime'};{' '}
              {policy.allowPersonalTokens ? 'personal tokens allowed' : 'personal tokens refused'}.
            </dd>
          </dl>
        </Section>
        {can('workspace:update') && <WorkspaceSettings />}
      </div>
      {can('tokens:read') && <UnusedTokens />}
      <nav aria-label="Workspace areas" className="area-grid">
        {workspaceAreas()
          .filter((a) => allowedFor(a, access))
          .map((a) => (
            <Link key={a.path} to={pathTo(a.path, { wid: workspace.id })} className="area-card">
              <span className="area-title">{a.nav?.label}</span>
              <span className="area-text">{a.nav?.summary}</span>
            </Link>
          ))}
      </nav>
      <LeaveOrDelete canDelete={isOwner && can('workspace:delete')} />
    </WorkspacePage>
  );
}

/**
 * Tokens of this workspace alone (API users', and members' restricted to it) nobody has used for 30 or
 * 90 days, as the server lists them: candidates for revoking.
 */
function UnusedTokens() {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const [days, setDays] = useState<30 | 90>(30);
  const unused = useLoad((cursor) => api.workspaceTokens.unused(workspace.id, { days, cursor }), [workspace.id, days]);
  return (
    <Section
      title="Unused tokens"
      actions={
        <label className="inline-check">
          Unused for{' '}
          <select aria-label="Unused for" value={days} onChange={(e) => setDays(Number(e.target.value) === 90 ? 90 : 30)}>
            <option value={30}>30 days</option>
            <option value={90}>90 days</option>
          </select>
        </label>
      }
    >
      <p className="muted">
        API users' tokens and members' tokens restricted to this workspace, not used for {days} days. Members' other tokens are their own
        business.
      </p>
      <PagedItems list={unused} empty={`No token unused for ${days} days.`} moreLabel="Show more tokens">
        <TokenTable
          caption={`Tokens unused for ${days} days`}
          tokens={unused.items}
          columns={[
            tokenColumns.name,
            tokenColumns.hint,
            { header: 'Owner', cell: (t) => (t.owner.type === 'api_user' ? 'API user' : (t.owner.email ?? 'member')) },
            tokenColumns.lastUsed,
          ]}
        />
      </PagedItems>
    </Section>
  );
}

function WorkspaceSettings() {
  const { api, reloadWorkspaces } = useSession();
  const { workspace, reload } = useWorkspace();
  const announce = useAnnounce();
  const [name, setName] = useState(workspace.name);
  const [slug, setSlug] = useState(workspace.slug);
  const form = useForm({ fields: ['name', 'slug'], conflictField: 'slug' });
  const submit = form.handleSubmit(async () => {
    await api.workspaces.update(workspace.id, { name: name.trim(), slug: slug.trim() });
    await Promise.all([reload(), reloadWorkspaces()]);
    announce('Workspace settings saved.');
  });
  return (
    <Section title="Settings">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Workspace settings">
        <FormAlert form={form} />
        <TextField form={form} name="name" label="Name" value={name} onChange={setName} required maxLength={LIMITS.workspaceName} />
        <TextField
          form={form}
          name="slug"
          label="Slug"
          value={slug}
          onChange={setSlug}
          autoComplete="off"
          required
          maxLength={LIMITS.slug}
          hint="Lower-case letters, digits and dashes."
        />
        <SubmitButton form={form}>Save settings</SubmitButton>
      </form>
    </Section>
  );
}

function LeaveOrDelete({ canDelete }: { canDelete: boolean }) {
  const { api, reloadWorkspaces, setCurrentWorkspaceId } = useSession();
  const { workspace } = useWorkspace();
  const announce = useAnnounce();
  const gone = async (message: string) => {
    setCurrentWorkspaceId(null);
    await reloadWorkspaces();
    announce(message);
    navigate('/workspaces');
  };
  return (
    <Section title="Leave or delete">
      <div className="button-row">
        <ConfirmButton
          label="Leave workspace"
          title={`Leave ${workspace.name}?`}
          message={<p>You lose access at once; your tokens stop working here. The last owner cannot leave.</p>}
          confirmLabel="Leave workspace"
          onConfirm={async () => {
            await api.workspaces.leave(workspace.id);
            await gone(`You left ${workspace.name}.`);
          }}
          size="normal"
        />
        {canDelete && (
          <ConfirmButton
            label="Delete workspace"
            title={`Delete ${workspace.name}?`}
            message={<p>Members, roles, devices, API users and their tokens are deleted with it. This cannot be undone.</p>}
            typeToConfirm={workspace.name}
            confirmLabel="Delete workspace"
            onConfirm={async () => {
              await api.workspaces.remove(workspace.id);
              await gone(`${workspace.name} was deleted.`);
            }}
            size="normal"
          />
        )}
      </div>
    </Section>
  );
}
