import { useState } from 'react';
import type { components } from '../../api/schema';
import { ConfirmButton } from '../../components/Dialog';
import { useAnnounce } from '../../components/feedback';
import { FormAlert, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Page, Section } from '../../components/Page';
import { formatDate } from '../../format';
import { LIMITS } from '../../api/limits';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';

type AdminUser = components['schemas']['AdminUserView'];

/** Platform administration: every account, with deactivate and reactivate. The server decides who sees it. */
export function AdminUsersPage() {
  const { api, user, isPlatformAdmin } = useSession();
  const announce = useAnnounce();
  const [email, setEmail] = useState('');
  const [filter, setFilter] = useState('');
  const users = useLoad((cursor) => api.admin.users({ cursor, ...(filter ? { email: filter } : {}) }), [filter]);
  const form = useForm({ fields: ['email'] });
  const submit = form.handleSubmit(async () => {
    setFilter(email.trim());
  });

  const setActive = async (u: AdminUser, active: boolean) => {
    if (active) await api.admin.reactivate(u.id);
    else await api.admin.deactivate(u.id);
    announce(active ? `${u.email} can sign in again.` : `${u.email} is deactivated: their sessions and tokens stop working.`);
    await users.reload();
  };

  return (
    <Page
      title="Platform users"
      eyebrow="Platform administration"
      intro="Every account on this Latchkey. Deactivating one signs it out everywhere."
    >
      {!isPlatformAdmin && users.problem?.status === 403 ? null : (
        <Section title="Find a user">
          <form ref={form.ref} onSubmit={submit} noValidate aria-label="Find a user" className="filters">
            <FormAlert form={form} />
            <TextField
              form={form}
              name="email"
              label="Email address"
              value={email}
              onChange={setEmail}
              maxLength={LIMITS.email}
              autoComplete="off"
            />
            <div className="field">
              <SubmitButton form={form}>Search</SubmitButton>
            </div>
          </form>
        </Section>
      )}
      <Section title="Users">
        <PagedItems list={users} empty="No users match." moreLabel="Show more users">
          <DataTable
            caption="Platform users"
            items={users.items}
            rowKey={(u) => u.id}
            rowClass={(u) => (u.status === 'active' ? undefined : 'row-muted')}
            columns={[
              {
                header: 'User',
                rowHeader: true,
                cell: (u) => (
                  <>
                    {u.name}
                    {u.id === user?.id && <span className="muted"> (you)</span>}
                    <span className="muted small block">{u.email}</span>
                  </>
                ),
              },
              {
                header: 'Status',
                cell: (u) => (
                  <>
                    <span className={`badge ${u.status === 'active' ? 'badge-success' : 'badge-muted'}`}>{u.status}</span>
                    {u.deactivatedAt && <span className="muted small block">since {formatDate(u.deactivatedAt)}</span>}
                  </>
                ),
              },
              {
                header: 'Email verified',
                cell: (u) => (u.emailVerifiedAt ? formatDate(u.emailVerifiedAt) : <span className="muted">no</span>),
              },
              { header: 'Created', cell: (u) => formatDate(u.createdAt) },
            ]}
            actions={(u) =>
              u.id === user?.id ? null : u.status === 'active' ? (
                <ConfirmButton
                  label="Deactivate"
                  accessibleLabel={`Deactivate ${u.email}`}
                  title={`Deactivate ${u.email}?`}
                  message={<p>They are signed out everywhere and their tokens stop working until an administrator reactivates them.</p>}
                  confirmLabel="Deactivate user"
                  onConfirm={() => setActive(u, false)}
                />
              ) : (
                <ConfirmButton
                  label="Reactivate"
                  accessibleLabel={`Reactivate ${u.email}`}
                  title={`Reactivate ${u.email}?`}
                  message={<p>They can sign in again.</p>}
                  confirmLabel="Reactivate user"
                  onConfirm={() => setActive(u, true)}
                  variant="secondary"
                />
              )
            }
          />
        </PagedItems>
      </Section>
    </Page>
  );
}
