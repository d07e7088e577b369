// Loading data from the API into components, with the problem kept for display: one hook for single
// answers and cursor-paged lists alike.
import { useCallback, useEffect, useRef, useState } from 'react';
import { toProblem } from './api/client';
import type { Page, Problem } from './api/models';

type ItemOf<T> = T extends Page<infer Item> ? Item : never;

export interface Loaded<T> {
  /** The answer; for a paged list, every page loaded so far in one. */
  data: T | undefined;
  problem: Problem | null;
  loading: boolean;
  /** A paged list's items so far (empty until loaded, and for answers that are not pages). */
  items: Array<ItemOf<T>>;
  /** A paged list has a next page. */
  hasMore: boolean;
  reload(): Promise<void>;
  /** Appends a paged list's next page. */
  loadMore(): Promise<void>;
  setData(data: T): void;
}

function isPage(value: unknown): value is Page<unknown> {
  return typeof value === 'object' && value !== null && 'items' in value && Array.isArray(value.items) && 'nextCursor' in value;
}

/**
 * Runs `load` now and whenever `deps` change; a late answer for old deps is dropped. A list answering
 * `{ items, nextCursor }` is paged: `loadMore` calls `load` with the cursor and appends what comes back.
 */
export function useLoad<T>(load: (cursor?: string) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const result = await loadRef.current();
      if (mine !== generation.current) return;
      setData(() => result);
      setProblem(null);
    } catch (error) {
      if (mine === generation.current) setProblem(toProblem(error));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  const cursor = isPage(data) ? data.nextCursor : null;
  const loadMore = useCallback(async () => {
    if (!cursor) return;
    // A reload started meanwhile starts a new generation: this page then belongs to an old list.
    const mine = generation.current;
    setLoading(true);
    try {
      const next = await loadRef.current(cursor);
      if (mine !== generation.current) return;
      setData((previous) =>
        isPage(previous) && isPage(next) ? ({ items: [...previous.items, ...next.items], nextCursor: next.nextCursor } as T) : next,
      );
    } catch (error) {
      if (mine === generation.current) setProblem(toProblem(error));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [cursor]);

  // Stable, like a state setter; given as an updater so that a value which is a function is stored, not called.
  const replace = useCallback((value: T) => setData(() => value), []);

  // Loads again whenever the caller's `deps` change (its own list, as for useEffect), and loading sets
  // `loading` at once: fetching is the external system this effect keeps in step.
  // eslint-disable-next-line react-hooks/exhaustive-deps, react-hooks/set-state-in-effect
  useEffect(() => void reload(), deps);
  const items = (isPage(data) ? data.items : []) as Array<ItemOf<T>>;
  return { data, problem, loading, items, hasMore: cursor !== null, reload, loadMore, setData: replace };
}
