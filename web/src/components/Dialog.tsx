// Modal dialogs on the native <dialog>: the browser keeps focus inside, Escape closes, and focus
// returns to the button that opened it. Drawn at the end of <body> (a portal), never inside the table
// cell or form whose button opened it: no cell's alignment or spacing rule can reach its controls.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
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

  return createPortal(
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
    </dialog>,
    document.body,
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
  /** Asks the user to type this (a workspace's name) before the confirm button does anything. */
  typeToConfirm?: string;
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
  typeToConfirm,
}: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [typedWrong, setTypedWrong] = useState(false);
  const typeId = useId().replace(/[^\w-]/g, '');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const afterClose = useRef<(() => void) | null>(null);
  const close = () => {
    setOpen(false);
    setProblem(null);
    setTyped('');
    setTypedWrong(false);
  };
  const confirm = async () => {
    if (busy) return;
    if (typeToConfirm !== undefined && typed.trim() !== typeToConfirm.trim()) {
      setTypedWrong(true);
      document.getElementById(`${typeId}-type`)?.focus();
      return;
    }
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
        {typeToConfirm !== undefined && (
          <div className="field">
            <label htmlFor={`${typeId}-type`}>
              Type <strong className="break-anywhere">{typeToConfirm}</strong> to confirm
            </label>
            <input
              id={`${typeId}-type`}
              value={typed}
              onChange={(e) => {
                setTyped(e.target.value);
                setTypedWrong(false);
              }}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={typedWrong || undefined}
              aria-describedby={typedWrong ? `${typeId}-type-error` : undefined}
            />
            {typedWrong && (
              <p id={`${typeId}-type-error`} className="field-error">
                <span className="field-error-icon" aria-hidden="true">
                  !
                </span>
                What you typed is not the name. Nothing was deleted.
              </p>
            )}
          </div>
        )}
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
