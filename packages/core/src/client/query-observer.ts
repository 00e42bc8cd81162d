import type { JobsClient } from './jobs-client.js';
import { INITIAL_QUERY_STATE, type QueryState } from './polling-query.js';

export type IntervalOption<TData> = number | false | ((data: TData | undefined) => number | false);

export interface ObserverOptions<TData> {
  /** false: no polling and no request; the result stays empty. Default true. */
  enabled?: boolean;
  /** Poll interval in ms, false to fetch once, or a function of the latest data. Default: adaptive. */
  intervalMs?: IntervalOption<TData>;
}

const noop = () => {};

/**
 * Binds one consumer to the client's shared poller of a resource, in the shape
 * `useSyncExternalStore` wants: `subscribe`, `getSnapshot` (a cached result that changes identity
 * only when the resource's state does) and `getServerSnapshot`.
 */
export abstract class QueryObserver<TData, TResult> {
  protected options: ObserverOptions<TData>;
  private lastState: QueryState<TData> | undefined;
  private lastResult: TResult | undefined;

  constructor(
    protected readonly client: JobsClient,
    /** The resource's path under the client's baseUrl; null means nothing to watch. */
    readonly path: string | null,
    options: ObserverOptions<TData> = {},
  ) {
    this.options = options;
  }

  /** Updates options; the interval applies from the next poll. */
  setOptions(options: ObserverOptions<TData>): void {
    this.options = options;
  }

  get enabled(): boolean {
    return this.path !== null && this.options.enabled !== false;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    if (!this.enabled) return noop;
    const query = this.client.query<TData>(this.path!);
    this.onSubscribe(query.state);
    return query.subscribe(
      () => {
        this.onStateChange(query.state);
        listener();
      },
      (data) => this.intervalFor(data),
    );
  };

  readonly getSnapshot = (): TResult => {
    if (!this.enabled) return this.idleResult();
    // Reading never creates a poller: a render that never subscribes leaves nothing to collect.
    const state = this.client.cachedQuery<TData>(this.path!)?.state ?? INITIAL_QUERY_STATE;
    if (state !== this.lastState || this.lastResult === undefined) {
      this.lastState = state;
      this.lastResult = this.select(state);
    }
    return this.lastResult;
  };

  /** What a server render (and the first hydration render) shows: loading, no data. */
  readonly getServerSnapshot = (): TResult => (this.enabled ? this.loadingResult() : this.idleResult());

  protected intervalFor(data: TData | undefined): number | false {
    const option = this.options.intervalMs;
    if (option === undefined) return this.defaultInterval(data);
    return typeof option === 'function' ? option(data) : option;
  }

  protected onSubscribe(_state: QueryState<TData>): void {}
  protected onStateChange(_state: QueryState<TData>): void {}
  protected abstract defaultInterval(data: TData | undefined): number | false;
  protected abstract select(state: QueryState<TData>): TResult;
  /** A constant: the result while loading with nothing yet. */
  protected abstract loadingResult(): TResult;
  /** A constant: the result of a disabled observer. */
  protected abstract idleResult(): TResult;
}
