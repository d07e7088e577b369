// Hash routing: Latchkey serves one page (/), so every screen lives after the "#".
import { useMemo, useSyncExternalStore, type AnchorHTMLAttributes, type ReactNode } from 'react';

export interface Route {
  path: string;
  query: URLSearchParams;
  /** path and query, as written after the "#". */
  full: string;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const readHash = () => window.location.hash;

export function parseHash(hash: string): Route {
  const full = hash.replace(/^#/, '') || '/';
  const mark = full.indexOf('?');
  const path = mark === -1 ? full : full.slice(0, mark);
  const qs = mark === -1 ? '' : full.slice(mark + 1);
  return { path: path.startsWith('/') ? path : `/${path}`, query: new URLSearchParams(qs), full };
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, readHash);
  return useMemo(() => parseHash(hash), [hash]);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const target = `#${to}`;
  if (window.location.hash === target) return;
  if (options.replace) {
    window.history.replaceState(window.history.state, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = to;
  }
}

export const href = (to: string) => `#${to}`;

/** Matches "/w/:wid/members" against a path; returns the parameters or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; children: ReactNode; current?: boolean };

export function Link({ to, current, children, ...rest }: LinkProps) {
  return (
    <a href={href(to)} aria-current={current ? 'page' : undefined} {...rest}>
      {children}
    </a>
  );
}
