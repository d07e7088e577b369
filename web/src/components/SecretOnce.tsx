// A secret Latchkey returns once (a token, an invitation link): shown with a copy button, never stored.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

interface SecretOnceProps {
  title: string;
  label: string;
  secret: string;
  children?: ReactNode;
  /** Removes the box; the focus then goes back to the page's heading. */
  onDismiss?: () => void;
  dismissLabel?: string;
  /** Below the secret and its Copy button (a "Continue" link): read after the secret, never before. */
  after?: ReactNode;
}

export function SecretOnce({ title, label, secret, children, onDismiss, dismissLabel = 'I have stored it', after }: SecretOnceProps) {
  const id = useId().replace(/[^\w-]/g, '');
  const heading = useRef<HTMLHeadingElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState('');

  // A secret that appears after a submit is the answer to it: the focus goes there.
  useEffect(() => heading.current?.focus(), [secret]);

  const selectAll = () => input.current?.select();

  const dismiss = () => {
    onDismiss?.();
    // The button goes with the box: the page's heading takes the focus rather than the document.
    document.querySelector<HTMLElement>('main h1')?.focus();
  };

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(secret);
      setStatus('Copied to the clipboard.');
    } catch {
      // Without clipboard access (plain HTTP, denied permission) the text is selected for Ctrl+C.
      input.current?.focus();
      selectAll();
      setStatus('Your browser did not allow copying. The text is selected: press Ctrl+C (⌘C on a Mac) to copy it.');
    }
  };

  return (
    <section className="secret-once" aria-labelledby={`${id}-title`} data-testid="secret-once">
      <h2 id={`${id}-title`} ref={heading} tabIndex={-1}>
        <KeyIcon /> {title}
      </h2>
      <p className="secret-warning">
        <strong>Shown only this once.</strong> Copy it now and keep it somewhere safe: Latchkey stores only a hash and cannot show it again.
      </p>
      {children}
      <label htmlFor={`${id}-value`}>{label}</label>
      <div className="secret-row">
        <input
          id={`${id}-value`}
          ref={input}
          className="mono"
          readOnly
          value={secret}
          onFocus={selectAll}
          spellCheck={false}
          autoComplete="off"
        />
        <button type="button" className="button primary" onClick={copy}>
          Copy
        </button>
      </div>
      <p className="secret-status" role="status" aria-live="polite">
        {status}
      </p>
      {onDismiss && (
        <button type="button" className="button secondary" onClick={dismiss}>
          {dismissLabel}
        </button>
      )}
      {after}
    </section>
  );
}

function KeyIcon() {
  return (
    <svg className="secret-icon" aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="20" height="20">
      <circle cx="8" cy="12" r="4.5" fill="none" stroke="currentColor" strokeWidth="2.2" />
      <path d="M12.5 12H21M18 12v3.5M21 12v2.5" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" />
    </svg>
  );
}
