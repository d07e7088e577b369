// Modal dialogs on the native <dialog>: the browser keeps focus inside, Escape closes, and focus
// returns to the button that opened it.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { toProblem } from '../api/client';
import type { Problem } from '../api/models';
import { Alert } from './feedback';

interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  /** Runs once the dialog has closed and the focus is back outside it (to show a secret, say). */
  onClosed?: () => void;
  children: ReactNode;
}

export function Dialog({ open, title, onClose, onClosed, children }: DialogProps) {
  const onClosedRef = useRef(onClosed);
  onClosedRef.current = onClosed;
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const id = useId().replace(/[^\w-]/g, '');

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
      const first =
        dialog.querySelector<HTMLElement>('[data-autofocus]') ?? dialog.querySelector<HTMLElement>('input, select, textarea, button');
      first?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      // The opener may be gone (a revoked row loses its buttons): the page's heading takes the focus then.
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
      else document.querySelector<HTMLElement>('main h1')?.focus();
      onClosedRef.current?.();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {open && (
        <>
          <h2 id={`${id}-title`}>{title}</h2>
          {children}
        </>
      )}
    </dialog>
  );
}

interface ConfirmButtonProps {
  /** The button's text. */
  label: string;
  /** The button's accessible name when the text alone is ambiguous in a table ("Revoke CI token"). */
  accessibleLabel?: string;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  /** Does the thing; may return what to do once the dialog has closed (show a new secret). */
  onConfirm: () => Promise<void | (() => void)>;
  variant?: 'danger' | 'secondary';
  size?: 'small' | 'normal';
}

/** A button that asks before doing something that cannot be undone; the dialog shows what failed. */
export function ConfirmButton({
  label,
  accessibleLabel,
  title,
  message,
  confirmLabel,
  onConfirm,
  variant = 'danger',
  size = 'small',
}: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const afterClose = useRef<(() => void) | null>(null);
  const close = () => {
    setOpen(false);
    setProblem(null);
  };
  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      const then = await onConfirm();
      afterClose.current = typeof then === 'function' ? then : null;
      setOpen(false);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className={`button ${variant} ${size}`} aria-label={accessibleLabel} onClick={() => setOpen(true)}>
        {label}
      </button>
      <Dialog
        open={open}
        title={title}
        onClose={close}
        onClosed={() => {
          const then = afterClose.current;
          afterClose.current = null;
          then?.();
        }}
      >
        <div className="dialog-body">{message}</div>
        {problem && <Alert problem={problem} />}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={close} data-autofocus>
            Cancel
          </button>
          <button
            type="button"
            className={`button ${variant === 'danger' ? 'danger' : 'primary'}`}
            onClick={confirm}
            aria-disabled={busy || undefined}
          >
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </Dialog>
    </>
  );
}
