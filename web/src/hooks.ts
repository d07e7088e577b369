// Loading data from the API into components, with the problem kept for display.
import { useCallback, useEffect, useRef, useState } from 'react';
import { toProblem } from './api/client';
import type { Page, Problem } from './api/types';

export interface Loaded<T> {
  data: T | undefined;
  problem: Problem | null;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (data: T) => void;
}

/** Runs `load` now and whenever `deps` change; a late answer for old deps is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
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
      setData(result);
      setProblem(null);
    } catch (error) {
      if (mine !== generation.current) return;
      setProblem(toProblem(error));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => void reload(), deps);
  return { data, problem, loading, reload, setData };
}

export interface PagedList<T> {
  items: T[];
  problem: Problem | null;
  loading: boolean;
  hasMore: boolean;
  loadMore: () => Promise<void>;
  reload: () => Promise<void>;
}

/** A cursor-paged list ({items, nextCursor}) with "load more". */
export function usePaged<T>(fetchPage: (cursor?: string) => Promise<Page<T>>, deps: unknown[]): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const page = await fetchRef.current();
      if (mine !== generation.current) return;
      setItems(page.items);
      setCursor(page.nextCursor);
      setProblem(null);
    } catch (error) {
      if (mine === generation.current) setProblem(toProblem(error));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  const loadMore = useCallback(async () => {
    if (!cursor) return;
    const mine = generation.current;
    setLoading(true);
    try {
      const page = await fetchRef.current(cursor);
      if (mine !== generation.current) return;
      setItems((previous) => [...previous, ...page.items]);
      setCursor(page.nextCursor);
    } catch (error) {
      if (mine === generation.current) setProblem(toProblem(error));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [cursor]);

  useEffect(() => void reload(), deps);
  return { items, problem, loading, hasMore: cursor !== null, loadMore, reload };
}
