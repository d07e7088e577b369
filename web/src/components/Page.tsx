// A screen: its h1 takes the focus when the screen opens, so keyboard and screen-reader users start there.
import { useEffect, useRef, type ReactNode } from 'react';

interface PageProps {
  title: string;
  /** A short line under the title. */
  intro?: ReactNode;
  /** Above the title (the workspace a page belongs to). */
  eyebrow?: ReactNode;
  children: ReactNode;
}

export function Page({ title, intro, eyebrow, children }: PageProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  useEffect(() => {
    document.title = `${title} · Latchkey`;
  }, [title]);
  return (
    <div className="page">
      <header className="page-header">
        {eyebrow && <p className="eyebrow">{eyebrow}</p>}
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {intro && <p className="intro">{intro}</p>}
      </header>
      {children}
    </div>
  );
}

/** A titled block of a page. */
export function Section({ title, children, actions, id }: { title: string; children: ReactNode; actions?: ReactNode; id?: string }) {
  const headingId = id ?? `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="card-header">
        <h2 id={headingId}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
