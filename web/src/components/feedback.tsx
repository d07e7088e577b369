// Alerts, status messages and loading states.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { Problem } from '../api/models';
import { withNames } from '../messages';
import { useSession } from '../session';

/** An error region (role="alert"), for a problem+json answer or any message. */
export function Alert({
  problem,
  title,
  children,
  focusable,
  tone = 'error',
}: {
  problem?: Problem | null;
  title?: string;
  children?: ReactNode;
  focusable?: boolean;
  tone?: 'error' | 'warning';
}) {
  const { workspaces } = useSession();
  const names = new Map(workspaces.map((w) => [w.id.toLowerCase(), w.name]));
  const heading = title ?? (problem ? problemHeading(problem) : undefined);
  const detail = problem?.detail ? withNames(problem.detail, names) : undefined;
  return (
    <div className={`alert alert-${tone}`} role="alert" tabIndex={focusable ? -1 : undefined} data-form-alert={focusable ? '' : undefined}>
      {heading && <p className="alert-title">{heading}</p>}
      {detail && detail !== heading && <p className="break-anywhere">{detail}</p>}
      {/* The wait from Retry-After, unless the server's detail says it already. */}
      {problem?.retryAfterSeconds !== undefined && !/try again in/i.test(detail ?? '') && <p>{waitSentence(problem.retryAfterSeconds)}</p>}
      {children}
      {problem && (problem.requestId || problem.code) && (
        // For support, not for reading: the request id finds the server's log lines.
        <details className="alert-meta">
          <summary>Details for support</summary>
          <dl>
            <dt>Status</dt>
            <dd>{problem.status}</dd>
            {problem.code && (
              <>
                <dt>Code</dt>
                <dd>
                  <code>{problem.code}</code>
                </dd>
              </>
            )}
            {problem.requestId && (
              <>
                <dt>Request id</dt>
                <dd>
                  <code>{problem.requestId}</code>
                </dd>
              </>
            )}
          </dl>
        </details>
      )}
    </div>
  );
}

/** "Try again in 15 minutes." from a Retry-After in seconds. */
export function waitSentence(seconds: number): string {
  if (seconds <= 0) return 'You can try again now.';
  if (seconds < 60) return `Try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
  const hours = Math.ceil(minutes / 60);
  return `Try again in ${hours} hours.`;
}

function problemHeading(problem: Problem): string {
  if (problem.status === 403) return 'You are not allowed to do this';
  if (problem.status === 404) return 'Not found';
  if (problem.status === 429) return 'Too many attempts';
  return problem.title;
}

/** A message that does not interrupt (role="status"). */
export function Notice({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'success' | 'warning' }) {
  return (
    <div className={`notice notice-${tone}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** What a list or panel shows while it loads or when it failed to. */
export function LoadState({ loading, problem, hasData }: { loading: boolean; problem: Problem | null; hasData: boolean }) {
  if (problem) return <Alert problem={problem} />;
  if (loading && !hasData) return <Loading />;
  return null;
}

interface AnnounceContextValue {
  announce: (message: string) => void;
}

const AnnounceContext = createContext<AnnounceContextValue>({ announce: () => undefined });

/** Success messages after an action ("Token revoked."), read out politely and shown for a while. */
export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState<{ text: string; at: number } | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const announce = useCallback((text: string) => {
    setMessage({ text, at: Date.now() });
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setMessage(null), 8000);
  }, []);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <AnnounceContext.Provider value={{ announce }}>
      {children}
      <div className="toast-region" role="status" aria-live="polite">
        {message && (
          <div className="toast" key={message.at}>
            <span aria-hidden="true" className="toast-icon">
              ✓
            </span>{' '}
            {message.text}
          </div>
        )}
      </div>
    </AnnounceContext.Provider>
  );
}

export function useAnnounce(): (message: string) => void {
  return useContext(AnnounceContext).announce;
}
