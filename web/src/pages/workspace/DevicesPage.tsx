import { useState } from 'react';
import { LIMITS } from '../../api/limits';
import type { Device } from '../../api/models';
import { ConfirmButton, Dialog } from '../../components/Dialog';
import { useAnnounce } from '../../components/feedback';
import { FormAlert, FormDialogActions, InvalidInput, SubmitButton, TextField, useForm } from '../../components/form';
import { DataTable, PagedItems } from '../../components/lists';
import { Section } from '../../components/Page';
import { formatDate } from '../../format';
import { useLoad } from '../../hooks';
import { useSession } from '../../session';
import { useWorkspace } from '../../workspace';
import { NoPermission, WorkspacePage } from './common';

export function DevicesPage() {
  const { api } = useSession();
  const { workspace, can, access } = useWorkspace();
  const announce = useAnnounce();
  // Creating a device needs access to every device (the server's rule): with selected devices the form would only fail.
  const canCreate = can('devices:create') && access.deviceAccess.mode === 'all';
  const devices = useLoad((cursor) => api.devices.list(workspace.id, { cursor }), [workspace.id]);

  const remove = async (d: Device) => {
    await api.devices.remove(workspace.id, d.id);
    announce(`Device "${d.name}" deleted.`);
    await devices.reload();
  };

  return (
    <WorkspacePage title="Devices" intro="Devices of this workspace. Members and API users can be limited to some of them.">
      <Section title="Devices" id="devices-list">
        {!can('devices:read') ? (
          <NoPermission permission="devices:read" />
        ) : (
          <PagedItems list={devices} empty="No devices you can see yet." moreLabel="Show more devices">
            <DataTable
              caption={`Devices of ${workspace.name}`}
              items={devices.items}
              rowKey={(d) => d.id}
              columns={[
                { header: 'Name', rowHeader: true, cell: (d) => d.name },
                { header: 'Serial', cell: (d) => <code>{d.serial}</code> },
                {
                  header: 'Metadata',
                  cell: (d) =>
                    Object.keys(d.metadata).length > 0 ? (
                      <code className="metadata">{JSON.stringify(d.metadata)}</code>
                    ) : (
                      <span className="muted">—</span>
                    ),
                },
                { header: 'Added', cell: (d) => formatDate(d.createdAt) },
              ]}
              actions={
                (can('devices:update') || can('devices:delete')) &&
                ((d) => (
                  <>
                    {can('devices:update') && <EditDevice device={d} onSaved={() => void devices.reload()} />}
                    {can('devices:delete') && (
                      <ConfirmButton
                        label="Delete"
                        accessibleLabel={`Delete device ${d.name}`}
                        title={`Delete "${d.name}"?`}
                        message={<p>It also drops out of every member's and API user's device selection.</p>}
                        confirmLabel="Delete device"
                        onConfirm={() => remove(d)}
                      />
                    )}
                  </>
                ))
              }
            />
          </PagedItems>
        )}
      </Section>
      {canCreate && <AddDevice onAdded={() => void devices.reload()} />}
    </WorkspacePage>
  );
}

/** The metadata field's text as an object; empty is none. */
function parseMetadata(text: string): Record<string, unknown> | undefined {
  if (!text.trim()) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidInput({ metadata: 'is not valid JSON' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidInput({ metadata: 'must be a JSON object, like {"room": "3"}' });
  return parsed as Record<string, unknown>;
}

function DeviceFields({
  form,
  name,
  setName,
  serial,
  setSerial,
  metadata,
  setMetadata,
}: {
  form: ReturnType<typeof useForm>;
  name: string;
  setName: (v: string) => void;
  serial: string;
  setSerial: (v: string) => void;
  metadata: string;
  setMetadata: (v: string) => void;
}) {
  return (
    <>
      <div className="grid-2">
        <TextField form={form} name="name" label="Device name" value={name} onChange={setName} required maxLength={LIMITS.deviceName} />
        <TextField
          form={form}
          name="serial"
          label="Serial"
          hint="Unique in this workspace; printable characters, no spaces."
          value={serial}
          onChange={setSerial}
          autoComplete="off"
          spellCheck={false}
          required
          maxLength={LIMITS.serial}
        />
      </div>
      <TextField
        form={form}
        name="metadata"
        label="Metadata"
        optional
        multiline
        rows={3}
        hint='A JSON object, e.g. {"room": "greenhouse 3"}.'
        value={metadata}
        onChange={setMetadata}
      />
    </>
  );
}

function EditDevice({ device, onSaved }: { device: Device; onSaved: () => void }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const announce = useAnnounce();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(device.name);
  const [serial, setSerial] = useState(device.serial);
  const metadataText = () => (Object.keys(device.metadata).length > 0 ? JSON.stringify(device.metadata, null, 2) : '');
  const [metadata, setMetadata] = useState(metadataText);
  const form = useForm({ fields: ['name', 'serial', 'metadata'], conflictField: 'serial' });
  const start = () => {
    setName(device.name);
    setSerial(device.serial);
    setMetadata(metadataText());
    form.reset();
    setOpen(true);
  };
  const submit = form.handleSubmit(async () => {
    const parsed = parseMetadata(metadata) ?? {};
    await api.devices.update(workspace.id, device.id, { name: name.trim(), serial: serial.trim(), metadata: parsed });
    setOpen(false);
    announce(`Device "${name.trim()}" saved.`);
    onSaved();
  });
  return (
    <>
      <button type="button" className="button secondary small" aria-label={`Edit device ${device.name}`} onClick={start}>
        Edit
      </button>
      <Dialog open={open} title={`Edit device "${device.name}"`} onClose={() => setOpen(false)}>
        <form ref={form.ref} onSubmit={submit} noValidate aria-label={`Edit device ${device.name}`}>
          <FormAlert form={form} />
          <DeviceFields
            form={form}
            name={name}
            setName={setName}
            serial={serial}
            setSerial={setSerial}
            metadata={metadata}
            setMetadata={setMetadata}
          />
          <FormDialogActions form={form} onCancel={() => setOpen(false)}>
            Save
          </FormDialogActions>
        </form>
      </Dialog>
    </>
  );
}

function AddDevice({ onAdded }: { onAdded: () => void }) {
  const { api } = useSession();
  const { workspace } = useWorkspace();
  const announce = useAnnounce();
  const [name, setName] = useState('');
  const [serial, setSerial] = useState('');
  const [metadata, setMetadata] = useState('');
  const form = useForm({ fields: ['name', 'serial', 'metadata'], conflictField: 'serial' });
  const submit = form.handleSubmit(async () => {
    const parsed = parseMetadata(metadata);
    const device = await api.devices.create(workspace.id, {
      name: name.trim(),
      serial: serial.trim(),
      ...(parsed ? { metadata: parsed } : {}),
    });
    setName('');
    setSerial('');
    setMetadata('');
    announce(`Device "${device.name}" added.`);
    onAdded();
  });
  return (
    <Section title="Add a device">
      <form ref={form.ref} onSubmit={submit} noValidate aria-label="Add a device">
        <FormAlert form={form} />
        <DeviceFields
          form={form}
          name={name}
          setName={setName}
          serial={serial}
          setSerial={setSerial}
          metadata={metadata}
          setMetadata={setMetadata}
        />
        <SubmitButton form={form}>Add device</SubmitButton>
      </form>
    </Section>
  );
}
