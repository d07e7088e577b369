import { useState } from 'react';
import { useAnnounce } from '../../components/feedback';
import { FormAlert, SubmitButton, TextField, useForm } from '../../components/form';
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
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Your workspaces</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Slug</th>
                  <th scope="col">Your roles</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {workspaces.map((w) => (
                  <tr key={w.id}>
                    <th scope="row">
                      <Link to={`/w/${w.id}`}>{w.name}</Link>
                      {w.id === currentWorkspaceId && <span className="badge badge-info">Current</span>}
                    </th>
                    <td>
                      <code>{w.slug}</code>
                    </td>
                    <td>
                      <RoleChips roles={w.roles ?? []} />
                    </td>
                    <td>{formatDate(w.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
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
          <TextField form={form} name="name" label="Workspace name" value={name} onChange={setName} required />
          <TextField form={form} name="slug" label="Slug" optional hint="Lower-case letters, digits and dashes. Made from the name when left empty." value={slug} onChange={setSlug} autoComplete="off" />
        </div>
        <SubmitButton form={form}>Create workspace</SubmitButton>
      </form>
    </Section>
  );
}
