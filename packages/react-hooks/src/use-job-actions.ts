import { useMemo, useSyncExternalStore } from 'react';
import { JobActionsObserver, type JobActionsResult, type JobJson } from '@jobtrail/core/client';
import { useJobsClient } from './jobtrail-provider.js';

export interface JobActions extends JobActionsResult {
  /** Resolves to the changed job, or undefined when it failed (see `error`). Never rejects. */
  retry(id: string): Promise<JobJson | undefined>;
  cancel(id: string): Promise<JobJson | undefined>;
  /** Makes a queued or retrying job that is due later due now. */
  runNow(id: string): Promise<JobJson | undefined>;
  /** Whether an action on this job is in flight. */
  isPendingFor(id: string): boolean;
}

/** Retry, cancel and run now with pending state; watched jobs and lists refresh as soon as an action lands. */
export function useJobActions(): JobActions {
  const client = useJobsClient();
  const observer = useMemo(() => new JobActionsObserver(client), [client]);
  const state = useSyncExternalStore(observer.subscribe, observer.getSnapshot, observer.getServerSnapshot);
  return useMemo(
    () => ({
      ...state,
      retry: observer.retry,
      cancel: observer.cancel,
      runNow: observer.runNow,
      isPendingFor: (id: string) => state.pendingIds.includes(id),
    }),
    [observer, state],
  );
}
