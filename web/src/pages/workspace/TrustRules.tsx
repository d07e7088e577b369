// An API user's trust rules (workload identity federation, docs/federation.md): which OIDC tokens of an
// outside issuer (GitHub Actions, GitLab CI, a cloud) may be exchanged for a session of it. Listed for
// api_users:read; added and deleted when the server says the caller may manage the API user.
import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import type { TrustRule } from '../../api/models';
import { ConfirmButton } from '../../components/Dialog';
import { LoadState, useAnnounce } from '../../components/feedback';
import { FormAlert, InvalidInput, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable } from '../../components/lists';
import { Section } from '../../components/Page';
import { ScopeList } from '../../components/tokens';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';

export function TrustRulesSection({ apiUserId, apiUserName, manage }: { apiUserId: string; apiUserName: string; manage: boolean }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const announce = useAnnounce();
  const rules = useLoad(() => api.apiUsers.trustRules(workspace.id, apiUserId), [workspace.id, apiUserId]);
  const remove = async (rule: TrustRule) => {
    await api.apiUsers.removeTrustRule(workspace.id, apiUserId, rule.id);
    announce('Trust rule deleted.');
    await rules.reload();
  };
  return (
    <>
      <Section title="Trust rules (workload identity federation)">
        <p className="hint">
          A CI job or cloud workload whose OIDC token meets a rule exchanges it at <code>POST /v1/auth/token</code> for a session of{' '}
          {apiUserName} of at most an hour, with no stored secret.
        </p>
        <LoadState loading={rules.loading} problem={rules.problem} hasData={!!rules.data} />
        {rules.data &&
          (rules.data.items.length === 0 ? (
            <p className="muted">No trust rules.</p>
          ) : (
            <DataTable
              caption="Trust rules of this API user"
              items={rules.data.items}
              rowKey={(r) => r.id}
              columns={[
                { header: 'Issuer', rowHeader: true, cell: (r) => <code>{r.issuer}</code> },
                { header: 'Audience', cell: (r) => <code>{r.audience}</code> },
                { header: 'Conditions', cell: (r) => <code className="metadata">{describeConditions(r)}</code> },
                { header: 'Scopes', cell: (r) => <ScopeList scopes={r.scopes} /> },
                { header: 'Session', cell: (r) => `${Math.round(r.maxSessionSeconds / 60)} min` },
              ]}
              actions={
                manage &&
                ((r) => (
                  <ConfirmButton
                    label="Delete"
                    accessibleLabel={`Delete trust rule for ${r.issuer}`}
                    title="Delete this trust rule?"
                    message={<p>Tokens it accepted are refused from now on; sessions already made run out within the hour.</p>}
                    confirmLabel="Delete rule"
                    onConfirm={() => remove(r)}
                  />
                ))
              }
            />
          ))}
      </Section>
      {manage && <AddTrustRule apiUserId={apiUserId} onAdded={() => void rules.reload()} />}
    </>
  );
}

function describeConditions(rule: TrustRule): string {
  const parts = Object.entries(rule.claims).map(([name, pattern]) => `${name}=${pattern}`);
  if (rule.subject !== null) parts.unshift(`sub=${rule.subject}`);
  return parts.join(', ');
}

/** Lines of `name=pattern` (or `name: pattern`) into the claims object. */
function parseClaims(text: string): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^\s*([^=:\s]+)\s*[=:]\s*(.+?)\s*$/.exec(line);
    if (!match) throw new InvalidInput({ claims: `"${line.trim().slice(0, 40)}" is not name=pattern` });
    claims[match[1]] = match[2];
  }
  return claims;
}

function AddTrustRule({ apiUserId, onAdded }: { apiUserId: string; onAdded: () => void }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const announce = useAnnounce();
  const [issuer, setIssuer] = useState('https://token.actions.githubusercontent.com');
  const [audience, setAudience] = useState('');
  const [subject, setSubject] = useState('');
  const [claims, setClaims] = useState('');
  const [description, setDescription] = useState('');
  const form = useForm({ fields: ['issuer', 'audience', 'subject', 'claims', 'description'] });
  const submit = form.handleSubmit(async () => {
    await api.apiUsers.createTrustRule(workspace.id, apiUserId, {
      issuer: issuer.trim(),
      audience: audience.trim(),
      ...(subject.trim() ? { subject: subject.trim() } : {}),
      claims: parseClaims(claims),
      ...(description.trim() ? { description: description.trim() } : {}),
    });
    setSubject('');
    setClaims('');
    setDescription('');
    announce('Trust rule added.');
    onAdded();
  });
  return (
    <Section title="Add a trust rule">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Add a trust rule">
        <FormAlert form={form} />
        <div className="grid-2">
          <TextField
            form={form}
            name="issuer"
            label="Issuer"
            value={issuer}
            onChange={setIssuer}
            maxLength={LIMITS.trustIssuer}
            hint="The tokens' iss, exactly. GitLab: https://gitlab.com"
          />
          <TextField
            form={form}
            name="audience"
            label="Audience"
            value={audience}
            onChange={setAudience}
            maxLength={LIMITS.trustAudience}
            hint="A value of the tokens' aud, as the job asks for it"
          />
        </div>
        <TextField
          form={form}
          name="subject"
          label="Subject"
          optional
          value={subject}
          onChange={setSubject}
          maxLength={LIMITS.trustCondition}
          hint="The tokens' sub, exactly, e.g. repo:my-org/my-repo:ref:refs/heads/main"
        />
        <TextField
          form={form}
          name="claims"
          label="Claim conditions"
          optional
          multiline
          rows={3}
          value={claims}
          onChange={setClaims}
          hint="One name=pattern a line, e.g. repository=my-org/my-repo and ref=refs/heads/*; * matches within one /-separated part"
        />
        <TextField
          form={form}
          name="description"
          label="Description"
          optional
          value={description}
          onChange={setDescription}
          maxLength={LIMITS.trustDescription}
        />
        <SubmitButton form={form}>Add trust rule</SubmitButton>
      </form>
    </Section>
  );
}
