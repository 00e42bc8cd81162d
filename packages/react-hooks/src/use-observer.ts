import { useEffect, useSyncExternalStore } from 'react';
import type { ObserverOptions, QueryObserver } from '@jobtrail/core/client';

/** Subscribes a component to an observer; options apply from the next poll without re-subscribing. */
export function useObserver<TData, TResult, TOptions extends ObserverOptions<TData>>(
  observer: QueryObserver<TData, TResult> & { setOptions(options: TOptions): void },
  options: TOptions,
): TResult {
  useEffect(() => {
    observer.setOptions(options);
  });
  return useSyncExternalStore(observer.subscribe, observer.getSnapshot, observer.getServerSnapshot);
}
