// A workspace's webhook endpoints (docs/webhooks.md): the list, and with webhooks:manage create (the
// signing secret shown once), edit, pause, rotate the secret, send a test event, delete; each
// endpoint's deliveries with their payload and answer, and redeliver.
import { useState } from 'react';
import { toProblem } from '../../api/client';
import { LIMITS } from '../../api/limits';
import type { Problem, WebhookDelivery, WebhookEndpoint, WebhookEvent } from '../../api/models';
import { ConfirmButton, Dialog } from '../../components/Dialog';
import { Alert, useAnnounce } from '../../components/feedback';
import {
  Checkbox,
  CheckboxGroup,
  FormAlert,
  FormDialogActions,
  InvalidInput,
  SelectField,
  SubmitButton,
  TextField,
  type Form,
  useForm,
} from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { SecretOnce } from '../../components/SecretOnce';
import { formatDate, plural } from '../../format';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
import { NoPermission, WorkspacePage } from './common';

/**
 * Every event an endpoint may subscribe to, as the server's schema lists them (CreateWebhookDto.events):
 * the Record's type makes a new server event fail to compile here until it is described.
 */
const EVENT_DESCRIPTIONS: Record<WebhookEvent, string> = {
  'member.added': 'Someone joined (an invitation accepted)',
  'member.changed': "A member's roles or device access changed",
  'member.removed': 'A member was removed or left',
  'invitation.created': 'An invitation was sent',
  'invitation.accepted': 'An invitation was accepted',
  'invitation.declined': 'An invitation was declined',
  'invitation.revoked': 'An invitation was revoked',
  'api_user.created': 'An API user was created',
  'api_user.changed': 'An API user was renamed, re-enabled, or its roles or devices changed',
  'api_user.disabled': 'An API user was disabled',
  'api_user.deleted': 'An API user was deleted',
  'token.created': "An API user's token was created",
  'token.rotated': 'A token was rotated',
  'token.revoked': 'A token was revoked',
  'token.changed': "An API user's token was bound to devices or networks, or described",
  'token.disabled': "An API user's token was disabled",
  'token.enabled': "An API user's token was enabled again",
  'token.expiring': "An API user's token expires in 7 days or 1 day",
  'token.leaked': 'A token was reported leaked (GitHub secret scanning or a public report) and revoked',
  'token_policy.changed': 'The token policy changed',
  'device.created': 'A device was added',
  'device.changed': 'A device was changed',
  'device.deleted': 'A device was deleted',
  'team.created': 'A team was created',
  'team.changed': "A team's name, roles or device access changed",
  'team.deleted': 'A team was deleted',
  'team.member_added': 'A member or API user was put in a team',
  'team.member_removed': 'A member or API user was taken out of a team',
};
const EVENTS = Object.keys(EVENT_DESCRIPTIONS) as WebhookEvent[];

const OVERLAP_CHOICES = [
  { value: '0', label: 'Stop the old secret now (it leaked)' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '24 hours' },
  { value: String(LIMITS.webhookOverlapSeconds), label: '7 days (the longest)' },
];

const FIELDS = ['url', 'events', 'description', 'enabled'];

interface ShownSecret {
  title: string;
  url: string;
  secret: string;
}

export function WebhooksPage() {
  const { api } = useSession();
  const { workspace, can } = useWorkspace();
  const announce = useAnnounce();
  const canRead = can('webhooks:read');
  const canManage = can('webhooks:manage');
  const endpoints = useLoad(
    (cursor) => (canRead ? api.webhooks.list(workspace.id, { cursor }) : Promise.resolve({ items: [], nextCursor: null })),
    [workspace.id, canRead],
  );
  const [shown, setShown] = useState<ShownSecret | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [deliveriesVersion, setDeliveriesVersion] = useState(0);
  const [rowProblem, setRowProblem] = useState<Problem | null>(null);
  const selected = endpoints.items.find((e) => e.id === selectedId) ?? null;

  if (!canRead) {
    return (
      <WorkspacePage title="Webhooks">
        <Section title="Not allowed" id="webhooks-not-allowed">
          <NoPermission permission="webhooks:read">Your roles here do not allow you to see this workspace's webhooks.</NoPermission>
        </Section>
      </WorkspacePage>
    );
  }

  const sendTest = async (endpoint: WebhookEndpoint) => {
    setRowProblem(null);
    try {
      await api.webhooks.test(workspace.id, endpoint.id);
      announce(`A test event is queued for ${endpoint.url}.`);
      setSelectedId(endpoint.id);
      setDeliveriesVersion((n) => n + 1);
    } catch (error) {
      setRowProblem(toProblem(error));
    }
  };

  const remove = async (endpoint: WebhookEndpoint) => {
    await api.webhooks.remove(workspace.id, endpoint.id);
    announce(`Webhook ${endpoint.url} deleted.`);
    if (selectedId === endpoint.id) setSelectedId(null);
    await endpoints.reload();
  };

  return (
    <WorkspacePage
      title="Webhooks"
      intro="Latchkey POSTs the events you choose to these URLs, signed per Standard Webhooks so the receiver can check they came from here."
    >
      {shown && (
        <SecretOnce title={shown.title} label="Signing secret" secret={shown.secret} onDismiss={() => setShown(null)}>
          <p>
            For <code className="break-anywhere">{shown.url}</code>: the receiver verifies each delivery with it (Standard Webhooks).
          </p>
        </SecretOnce>
      )}
      <Section title="Endpoints" id="webhook-endpoints">
        {rowProblem && <Alert problem={rowProblem} />}
        <PagedItems list={endpoints} empty="No webhook endpoints yet." moreLabel="Show more endpoints">
          <DataTable
            caption={`Webhook endpoints of ${workspace.name}`}
            items={endpoints.items}
            rowKey={(e) => e.id}
            columns={[
              { header: 'URL', rowHeader: true, cell: (e) => <code className="break-anywhere">{e.url}</code> },
              { header: 'Description', cell: (e) => e.description || <span className="muted">—</span> },
              {
                header: 'Events',
                cell: (e) => (
                  <span title={e.events.join(', ')}>
                    {e.events.length === EVENTS.length ? 'All events' : plural(e.events.length, 'event')}
                  </span>
                ),
              },
              { header: 'State', cell: (e) => <EndpointState endpoint={e} /> },
            ]}
            actions={(e) => (
              <>
                <button
                  type="button"
                  className="button secondary small"
                  aria-label={`Deliveries of ${e.url}`}
                  aria-pressed={selectedId === e.id}
                  onClick={() => setSelectedId(e.id)}
                >
                  Deliveries
                </button>
                {canManage && (
                  <>
                    <button
                      type="button"
                      className="button secondary small"
                      aria-label={`Send test to ${e.url}`}
                      onClick={() => void sendTest(e)}
                    >
                      Send test
                    </button>
                    <EditEndpoint endpoint={e} onSaved={() => void endpoints.reload()} />
                    <RotateSecret
                      endpoint={e}
                      onRotated={(secret) => {
                        setShown({ title: 'The new signing secret', url: e.url, secret });
                        void endpoints.reload();
                      }}
                    />
                    <ConfirmButton
                      label="Delete"
                      accessibleLabel={`Delete webhook ${e.url}`}
                      title="Delete this webhook?"
                      message={
                        <p>
                          <code className="break-anywhere">{e.url}</code> receives nothing more; its deliveries are deleted with it, and
                          those not yet sent are not sent.
                        </p>
                      }
                      confirmLabel="Delete webhook"
                      onConfirm={() => remove(e)}
                    />
                  </>
                )}
              </>
            )}
          />
        </PagedItems>
      </Section>
      {selected && <Deliveries key={`${selected.id}:${deliveriesVersion}`} endpoint={selected} canManage={canManage} />}
      {canManage && (
        <AddEndpoint
          onAdded={(endpoint, secret) => {
            setShown({ title: "The endpoint's signing secret", url: endpoint.url, secret });
            void endpoints.reload();
          }}
        />
      )}
    </WorkspacePage>
  );
}

function EndpointState({ endpoint }: { endpoint: WebhookEndpoint }) {
  if (endpoint.enabled) {
    return (
      <>
        <span className={endpoint.pausedUntil ? 'chip chip-strong' : 'chip'}>{endpoint.pausedUntil ? 'Failing' : 'Enabled'}</span>
        {endpoint.pausedUntil && (
          <p className="muted">
            An attempt failed: deliveries wait for its retry at {formatDate(endpoint.pausedUntil)}, which tells whether the receiver answers
            again.
          </p>
        )}
        {endpoint.previousSecretExpiresAt && (
          <p className="muted">Old secret signs too until {formatDate(endpoint.previousSecretExpiresAt)}</p>
        )}
      </>
    );
  }
  return (
    <>
      <span className="chip chip-strong">{endpoint.disabledReason ? 'Disabled' : 'Paused'}</span>
      {endpoint.disabledReason && <p className="muted break-anywhere">{endpoint.disabledReason}</p>}
    </>
  );
}

function EndpointFields({
  form,
  url,
  setUrl,
  description,
  setDescription,
  events,
  setEvents,
}: {
  form: Form;
  url: string;
  setUrl: (v: string) => void;
  description: string;
  setDescription: (v: string) => void;
  events: WebhookEvent[];
  setEvents: (v: WebhookEvent[]) => void;
}) {
  return (
    <>
      <TextField
        form={form}
        name="url"
        label="URL"
        inputMode="url"
        hint="https://… on a public host. Latchkey checks the address again before every delivery."
        value={url}
        onChange={setUrl}
        autoComplete="off"
        spellCheck={false}
        required
        maxLength={LIMITS.webhookUrl}
      />
      <TextField
        form={form}
        name="description"
        label="Description"
        optional
        value={description}
        onChange={setDescription}
        maxLength={LIMITS.webhookDescription}
      />
      <CheckboxGroup
        form={form}
        name="events"
        legend="Events"
        hint="At least one."
        compact
        choices={EVENTS.map((e) => ({ value: e, label: <code>{e}</code>, description: EVENT_DESCRIPTIONS[e] }))}
        value={events}
        onChange={setEvents}
      />
    </>
  );
}

function checkEvents(events: WebhookEvent[]): void {
  if (events.length === 0) throw new InvalidInput({ events: 'must include at least one event' });
}

function AddEndpoint({ onAdded }: { onAdded: (endpoint: WebhookEndpoint, secret: string) => void }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const announce = useAnnounce();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>([]);
  const form = useForm({ fields: FIELDS });
  const submit = form.handleSubmit(async () => {
    checkEvents(events);
    const created = await api.webhooks.create(workspace.id, {
      url: url.trim(),
      events: EVENTS.filter((e) => events.includes(e)),
      ...(description.trim() ? { description: description.trim() } : {}),
    });
    setUrl('');
    setDescription('');
    setEvents([]);
    announce(`Webhook ${created.endpoint.url} added.`);
    onAdded(created.endpoint, created.secret);
  });
  return (
    <Section title="Add an endpoint">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Add a webhook endpoint">
        <FormAlert form={form} />
        <EndpointFields
          form={form}
          url={url}
          setUrl={setUrl}
          description={description}
          setDescription={setDescription}
          events={events}
          setEvents={setEvents}
        />
        <SubmitButton form={form}>Add endpoint</SubmitButton>
      </form>
    </Section>
  );
}

function EditEndpoint({ endpoint, onSaved }: { endpoint: WebhookEndpoint; onSaved: () => void }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const announce = useAnnounce();
  const [open, setOpen] = useState(false);
  const [url, setUrl] = useState(endpoint.url);
  const [description, setDescription] = useState(endpoint.description);
  const [events, setEvents] = useState<WebhookEvent[]>(endpoint.events);
  const [enabled, setEnabled] = useState(endpoint.enabled);
  const form = useForm({ fields: FIELDS });
  const start = () => {
    setUrl(endpoint.url);
    setDescription(endpoint.description);
    setEvents(endpoint.events);
    setEnabled(endpoint.enabled);
    form.reset();
    setOpen(true);
  };
  const submit = form.handleSubmit(async () => {
    checkEvents(events);
    await api.webhooks.update(workspace.id, endpoint.id, {
      url: url.trim(),
      description: description.trim(),
      events: EVENTS.filter((e) => events.includes(e)),
      enabled,
    });
    setOpen(false);
    announce(`Webhook ${url.trim()} saved.`);
    onSaved();
  });
  return (
    <>
      <button type="button" className="button secondary small" aria-label={`Edit webhook ${endpoint.url}`} onClick={start}>
        Edit
      </button>
      <Dialog open={open} title="Edit webhook" onClose={() => setOpen(false)}>
        <form ref={form.ref} onSubmit={submit} noValidate aria-label="Edit webhook">
          <FormAlert form={form} />
          <EndpointFields
            form={form}
            url={url}
            setUrl={setUrl}
            description={description}
            setDescription={setDescription}
            events={events}
            setEvents={setEvents}
          />
          <Checkbox
            form={form}
            name="enabled"
            label="Enabled"
            hint={
              endpoint.disabledReason
                ? 'It was disabled after its deliveries failed for about a day. Enable it once the receiver is fixed, and redeliver what it missed.'
                : 'Unticked, nothing is delivered until it is ticked again.'
            }
            checked={enabled}
            onChange={setEnabled}
          />
          <FormDialogActions form={form} onCancel={() => setOpen(false)}>
            Save
          </FormDialogActions>
        </form>
      </Dialog>
    </>
  );
}

function RotateSecret({ endpoint, onRotated }: { endpoint: WebhookEndpoint; onRotated: (secret: string) => void }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const [open, setOpen] = useState(false);
  const [overlap, setOverlap] = useState('86400');
  const [secret, setSecret] = useState<string | null>(null);
  const form = useForm({ fields: ['overlapSeconds'] });
  const submit = form.handleSubmit(async () => {
    const answer = await api.webhooks.rotateSecret(workspace.id, endpoint.id, Number(overlap));
    setSecret(answer.secret);
    setOpen(false);
  });
  return (
    <>
      <button
        type="button"
        className="button secondary small"
        aria-label={`Rotate secret of ${endpoint.url}`}
        onClick={() => setOpen(true)}
      >
        Rotate secret
      </button>
      <Dialog
        open={open}
        title="Rotate the signing secret"
        onClose={() => {
          setOpen(false);
          form.reset();
        }}
        onClosed={() => {
          if (secret) onRotated(secret);
          setSecret(null);
        }}
      >
        <form ref={form.ref} onSubmit={submit} noValidate>
          <p>
            A new secret signs every delivery from now on; it is shown once. Meanwhile the old one signs too (two signatures), so the
            receiver can switch without missing a delivery.
          </p>
          <FormAlert form={form} />
          <SelectField
            form={form}
            name="overlapSeconds"
            label="Old secret keeps signing for"
            value={overlap}
            onChange={setOverlap}
            options={OVERLAP_CHOICES}
          />
          <FormDialogActions form={form} onCancel={() => setOpen(false)}>
            Rotate secret
          </FormDialogActions>
        </form>
      </Dialog>
    </>
  );
}

const STATUS_LABELS: Record<WebhookDelivery['status'], string> = {
  pending: 'Pending',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

function Deliveries({ endpoint, canManage }: { endpoint: WebhookEndpoint; canManage: boolean }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const announce = useAnnounce();
  const deliveries = useLoad((cursor) => api.webhooks.deliveries(workspace.id, endpoint.id, { cursor }), [workspace.id, endpoint.id]);
  const [problem, setProblem] = useState<Problem | null>(null);

  const redeliver = async (d: WebhookDelivery) => {
    setProblem(null);
    try {
      await api.webhooks.redeliver(workspace.id, endpoint.id, d.id);
      announce(`The ${d.eventType} event is queued again.`);
      await deliveries.reload();
    } catch (error) {
      setProblem(toProblem(error));
    }
  };

  return (
    <Section
      title="Deliveries"
      id="webhook-deliveries"
      actions={
        <button type="button" className="button secondary small" onClick={() => void deliveries.reload()}>
          Refresh
        </button>
      }
    >
      <p className="muted">
        To <code className="break-anywhere">{endpoint.url}</code>, newest first.
      </p>
      {problem && <Alert problem={problem} />}
      <PagedItems list={deliveries} empty="Nothing was sent to this endpoint yet." moreLabel="Show more deliveries">
        <DataTable
          caption={`Deliveries to ${endpoint.url}`}
          items={deliveries.items}
          rowKey={(d) => d.id}
          columns={[
            { header: 'Event', rowHeader: true, cell: (d) => <code className="delivery-event">{d.eventType}</code> },
            { header: 'Status', cell: (d) => <span className={`chip delivery-${d.status}`}>{STATUS_LABELS[d.status]}</span> },
            { header: 'Response', cell: (d) => (d.responseStatus === null ? <span className="muted">none</span> : d.responseStatus) },
            { header: 'Duration', cell: (d) => (d.durationMs === null ? <span className="muted">—</span> : `${d.durationMs} ms`) },
            { header: 'Attempts', cell: (d) => d.attempts },
            { header: 'Next attempt', cell: (d) => (d.nextAttemptAt ? formatDate(d.nextAttemptAt) : <span className="muted">—</span>) },
            { header: 'Created', cell: (d) => formatDate(d.createdAt) },
            { header: 'Details', cell: (d) => <DeliveryDetails delivery={d} /> },
          ]}
          actions={
            canManage &&
            ((d) => (
              <button
                type="button"
                className="button secondary small"
                aria-label={`Redeliver ${d.eventType} of ${formatDate(d.createdAt)}`}
                onClick={() => void redeliver(d)}
              >
                Redeliver
              </button>
            ))
          }
        />
      </PagedItems>
    </Section>
  );
}

function DeliveryDetails({ delivery }: { delivery: WebhookDelivery }) {
  return (
    <details className="delivery-details">
      <summary>
        Payload and answer<span className="visually-hidden"> of {delivery.messageId}</span>
      </summary>
      <p className="muted">
        <code className="break-anywhere">webhook-id: {delivery.messageId}</code>
      </p>
      {delivery.lastError && <p className="break-anywhere">Last error: {delivery.lastError}</p>}
      <p>Payload</p>
      <pre className="mono payload" tabIndex={0}>
        {JSON.stringify(delivery.payload, null, 2)}
      </pre>
      <p>Response body</p>
      {delivery.responseBody ? (
        <pre className="mono payload" tabIndex={0}>
          {delivery.responseBody}
        </pre>
      ) : (
        <p className="muted">None.</p>
      )}
    </details>
  );
}
