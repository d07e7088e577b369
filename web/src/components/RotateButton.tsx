// Rotating a token: a new secret now, the old one working for a grace period so clients can switch.
import { useRef, useState } from 'react';
import type { IssuedToken } from '../api/models';
import { Dialog } from './Dialog';
import { FormAlert, FormDialogActions, SelectField, useForm } from './form';

const GRACE_CHOICES = [
  { value: '0', label: 'Stop the old secret now' },
  { value: '300', label: '5 minutes' },
  { value: '3600', label: '1 hour' },
  { value: '21600', label: '6 hours' },
  { value: '86400', label: '24 hours (the longest)' },
];

interface RotateButtonProps {
  tokenName: string;
  onRotate: (graceSeconds: number) => Promise<IssuedToken>;
  /** Called with the new token once the dialog has closed, to show its secret. */
  onRotated: (token: IssuedToken) => void;
}

export function RotateButton({ tokenName, onRotate, onRotated }: RotateButtonProps) {
  const rotated = useRef<IssuedToken | null>(null);
  const [open, setOpen] = useState(false);
  const [grace, setGrace] = useState('3600');
  const form = useForm({ fields: ['graceSeconds'] });
  const submit = form.handleSubmit(async () => {
    rotated.current = await onRotate(Number(grace));
    setOpen(false);
  });
  return (
    <>
      <button type="button" className="button secondary small" aria-label={`Rotate ${tokenName}`} onClick={() => setOpen(true)}>
        Rotate
      </button>
      <Dialog
        open={open}
        title={`Rotate "${tokenName}"`}
        onClose={() => {
          setOpen(false);
          form.reset();
        }}
        onClosed={() => {
          const token = rotated.current;
          rotated.current = null;
          if (token) onRotated(token);
        }}
      >
        <form ref={form.ref} onSubmit={submit} noValidate>
          <p>A new secret is made with the same name, scopes and expiry. It is shown once.</p>
          <FormAlert form={form} />
          <SelectField
            form={form}
            name="graceSeconds"
            label="Old secret keeps working for"
            value={grace}
            onChange={setGrace}
            options={GRACE_CHOICES}
          />
          <FormDialogActions form={form} onCancel={() => setOpen(false)}>
            Rotate token
          </FormDialogActions>
        </form>
      </Dialog>
    </>
  );
}
