import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/dashboard-api.js';

export interface Polled<T> {
  data: T | null;
  error: ApiError | null;
  isLoading: boolean;
  /** Read again now (after an action). */
  reload: () => void;
}

/**
 * For the calls `@jobtrail/react` has no hook for yet (activity, types): reads on mount, when
 * `key` changes and every `intervalMs` while the page is visible; keeps the last data on error.
 */
export function usePolled<T>(key: string, load: (signal: AbortSignal) => Promise<T>, { intervalMs = 15_000, enabled = true } = {}): Polled<T> {
  const [state, setState] = useState<{ key: string; data: T | null; error: ApiError | null; isLoading: boolean }>({ key, data: null, error: null, isLoading: enabled });
  const [tick, setTick] = useState(0);
  const latestLoad = useRef(load);
  latestLoad.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` forces a reload; `load` is read through a ref
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (document.hidden) {
        timer = setTimeout(run, intervalMs);
        return;
      }
      try {
        const data = await latestLoad.current(controller.signal);
        setState({ key, data, error: null, isLoading: false });
      } catch (error) {
        if (controller.signal.aborted) return;
        const apiError = error instanceof ApiError ? error : new ApiError(0, 'unknown', String(error));
        setState((previous) => ({ key, data: previous.key === key ? previous.data : null, error: apiError, isLoading: false }));
        // A route the server lacks will not appear by itself, nor will a bad request get better: stop asking.
        if (apiError.isUnavailable || apiError.status === 400) return;
      }
      timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [key, tick, enabled, intervalMs]);

  const reload = useCallback(() => setTick((value) => value + 1), []);
  const current = state.key === key;
  return { data: current ? state.data : null, error: current ? state.error : null, isLoading: !current || state.isLoading, reload };
}
