import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import { useAnnounce } from '../../components/feedback';
import { FormAlert, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable } from '../../components/lists';
import { Page, Section } from '../../components/Page';
import { formatDate } from '../../format';
import { Link, navigate } from '../../router';
import { useSession } from '../../session';
import { RoleChips } from './common';

export function WorkspacesPage() {
  const { workspaces, currentWorkspaceId } = useSession();
  return (
    <Page title="Workspaces" intro="Each workspace has its own members, roles, devices, API users and token policy.">
      <Section title="Your workspaces">
        {workspaces.length === 0 ? (
          <p className="empty">You are not in a workspace yet. Create one below, or accept an invitation.</p>
        ) : (
          <DataTable
            caption="Your workspaces"
            items={workspaces}
            rowKey={(w) => w.id}
            columns={[
              {
                header: 'Name',
                rowHeader: true,
                cell: (w) => (
                  <>
                    <Link to={`/w/${w.id}`} className="break-anywhere">
                      {w.name}
                    </Link>
                    {w.id === currentWorkspaceId && <span className="badge badge-info">Current</span>}
                  </>
                ),
              },
              { header: 'Slug', cell: (w) => <code>{w.slug}</code> },
              { header: 'Your roles', cell: (w) => <RoleChips roles={w.roles ?? []} /> },
              { header: 'Created', cell: (w) => formatDate(w.createdAt) },
            ]}
          />
        )}
      </Section>
      <CreateWorkspace />
    </Page>
  );
}

function CreateWorkspace() {
  const { api, reloadWorkspaces } = useSession();
  const announce = useAnnounce();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const form = useForm({ fields: ['name', 'slug'], conflictField: 'slug' });
  const submit = form.handleSubmit(async () => {
    const workspace = await api.workspaces.create({ name: name.trim(), ...(slug.trim() ? { slug: slug.trim() } : {}) });
    await reloadWorkspaces();
    announce(`Workspace "${workspace.name}" created. You are its owner.`);
    navigate(`/w/${workspace.id}`);
  });
  return (
    <Section title="Create a workspace">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Create a workspace">
        <FormAlert form={form} />
        <div className="grid-2">
          <TextField
            form={form}
            name="name"
            label="Workspace name"
            value={name}
            onChange={setName}
            required
            maxLength={LIMITS.workspaceName}
          />
          <TextField
            form={form}
            name="slug"
            label="Slug"
            optional
            hint="Lower-case letters, digits and dashes. Made from the name when left empty."
            value={slug}
            onChange={setSlug}
            maxLength={LIMITS.slug}
            autoComplete="off"
          />
        </div>
        <SubmitButton form={form}>Create workspace</SubmitButton>
      </form>
    </Section>
  );
}
