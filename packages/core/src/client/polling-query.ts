import type { PollTimers, VisibilitySource } from './environment.js';
import type { LiveSource } from './live-source.js';

/**
 * What one resource looks like to its observers. A new object only when `data`, `error` or
 * `status` changes, so `useSyncExternalStore` re-renders only then.
 */
export interface QueryState<T> {
  status: 'pending' | 'success' | 'error';
  data: T | undefined;
  /** The last fetch's error; cleared by the next success. Data from before an error is kept. */
  error: Error | null;
  /** When `data` last changed (ms since epoch, by the client's clock), 0 before any data. */
  dataUpdatedAt: number;
}

/** How often one subscriber wants the resource polled, given the latest data: ms, or false to stop. */
export type IntervalFn<T> = (data: T | undefined) => number | false;

/**
 * The state of a resource nobody has fetched yet: one shared object, so a snapshot read before the
 * poller exists and one read right after it was created are the same (no extra render).
 */
export const INITIAL_QUERY_STATE: QueryState<never> = Object.freeze({
  status: 'pending',
  data: undefined,
  error: null,
  dataUpdatedAt: 0,
});

/** Longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

export type FetchOutcome<T> = { notModified: true } | { notModified: false; data: T; etag: string | null; text: string };

export interface PollingQueryOptions<T> {
  fetch: (etag: string | null) => Promise<FetchOutcome<T>>;
  timers: PollTimers;
  visibility: VisibilitySource;
  now: () => number;
  backoff: { baseMs: number; maxMs: number };
  /**
   * How long (ms) the poller and its last value outlive their last subscriber before `onCollect`
   * is called; `Infinity` (the default) or more than `MAX_TIMER_DELAY_MS`: never.
   */
  gcTimeMs?: number;
  /** Called once the poller is collected; drop every reference to it there. */
  onCollect?: () => void;
  /**
   * A stream that keeps the resource up to date: while it is open the poller does not poll
   * (events bring the data, or say when to read afresh); while it is down, it polls as before and
   * reconnects with the backoff. Absent: polling only.
   */
  live?: LiveSource<T>;
  /** With `live`: never poll on an interval, only read when the stream says so (`transport: 'stream'`). */
  streamOnly?: boolean;
  /**
   * Orders two states of the resource (negative: `incoming` is older). A read answered after a
   * newer state arrived by stream is then not shown (it would step back).
   */
  compare?: (incoming: T, current: T) => number;
}

interface Subscriber<T> {
  listener: () => void;
  interval: IntervalFn<T>;
}

/**
 * One shared poller per resource, however many observers: it starts on the first subscriber,
 * stops on the last (and is collected `gcTimeMs` later unless someone subscribes again), polls
 * at the shortest interval any subscriber asks for (none → stopped, e.g. at a terminal status),
 * pauses while the page is hidden, backs off exponentially (capped) after errors, and
 * revalidates with If-None-Match.
 */
export class PollingQuery<T> {
  state: QueryState<T> = INITIAL_QUERY_STATE;

  private readonly subscribers = new Set<Subscriber<T>>();
  private etag: string | null = null;
  private text: string | null = null;
  private timer: unknown = undefined;
  private inFlight: Promise<void> | null = null;
  private failures = 0;
  /** A poll fell due while the page was hidden: run it as soon as the page shows again. */
  private dueWhileHidden = false;
  private stopVisibility: (() => void) | null = null;
  private gcTimer: unknown = undefined;
  /** The gc delay ran out during a fetch: collect when it settles, unless someone subscribed. */
  private collectWhenSettled = false;
  /** off: not listening; connecting / waiting: listening, the stream not (yet, again) live; up: live. */
  private liveState: 'off' | 'connecting' | 'waiting' | 'up' | 'unsupported' = 'off';
  private closeLive: (() => void) | null = null;
  /** The stream asked for a fresh read while one was running: read once more after it. */
  private staleAgain = false;

  constructor(private readonly options: PollingQueryOptions<T>) {
    // A poller that never gets a subscriber is collected like one whose last subscriber left.
    this.scheduleGc();
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  subscribe(listener: () => void, interval: IntervalFn<T>): () => void {
    const subscriber: Subscriber<T> = { listener, interval };
    const first = this.subscribers.size === 0;
    this.subscribers.add(subscriber);
    if (first) {
      this.cancelGc();
      this.stopVisibility = this.options.visibility.subscribe(() => this.onVisibilityChange());
      this.poll();
      this.updateLive();
    } else if (!this.inFlight) {
      // A faster subscriber may shorten the current wait.
      this.schedule();
    }
    return () => {
      if (!this.subscribers.delete(subscriber)) return;
      if (this.subscribers.size === 0) {
        this.stop();
        this.scheduleGc();
      } else if (!this.inFlight) this.schedule();
    };
  }

  /**
   * Fetches now, e.g. after a retry or cancel. A fetch already running may have been sent before
   * what the caller just did (or with headers since changed): one more follows it, and the
   * promise settles once that one has.
   */
  refresh(): Promise<void> {
    // Nobody watching: the next first subscriber fetches anyway.
    if (this.subscribers.size === 0) return Promise.resolve();
    if (this.inFlight) {
      this.staleAgain = true;
      return this.inFlight.then(() => this.inFlight ?? undefined);
    }
    return this.poll();
  }

  private stop(): void {
    this.clearTimer();
    this.stopLive();
    this.dueWhileHidden = false;
    this.stopVisibility?.();
    this.stopVisibility = null;
    // An in-flight fetch is left to finish: its answer is still good for the next subscriber,
    // and a subscribe/unsubscribe/subscribe burst (React StrictMode) must not fetch twice.
  }

  private poll(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.clearTimer();
    if (this.options.visibility.isHidden()) {
      this.dueWhileHidden = true;
      return Promise.resolve();
    }
    this.inFlight = this.options
      .fetch(this.etag)
      .then(
        (outcome) => this.onSuccess(outcome),
        (error: unknown) => this.onError(error),
      )
      .finally(() => {
        this.inFlight = null;
        if (this.staleAgain && this.subscribers.size > 0) {
          this.staleAgain = false;
          void this.poll();
          return;
        }
        if (this.subscribers.size > 0) {
          this.updateLive();
          this.schedule();
        } else if (this.collectWhenSettled) this.collect();
      });
    return this.inFlight;
  }

  private onSuccess(outcome: FetchOutcome<T>): void {
    this.failures = 0;
    const { compare } = this.options;
    if (!outcome.notModified && compare && this.state.data !== undefined && compare(outcome.data, this.state.data) < 0) return;
    const changed = !outcome.notModified && outcome.text !== this.text;
    if (!outcome.notModified) {
      this.etag = outcome.etag;
      this.text = outcome.text;
    }
    if (!changed && this.state.status === 'success') return;
    this.setState({
      status: 'success',
      data: changed && !outcome.notModified ? outcome.data : this.state.data,
      error: null,
      dataUpdatedAt: changed ? this.options.now() : this.state.dataUpdatedAt,
    });
  }

  private onError(error: unknown): void {
    this.failures += 1;
    const err = error instanceof Error ? error : new Error(String(error));
    const previous = this.state.error;
    // The same failure again (still offline) keeps the snapshot: no re-render per backoff step.
    if (previous && previous.message === err.message && (previous as { code?: unknown }).code === (err as { code?: unknown }).code) {
      return;
    }
    this.setState({ ...this.state, status: 'error', error: err });
  }

  private setState(state: QueryState<T>): void {
    this.state = state;
    for (const subscriber of [...this.subscribers]) subscriber.listener();
  }

  private schedule(): void {
    this.clearTimer();
    // An open stream brings the changes: no polling meanwhile.
    if (this.liveState === 'up') return;
    const delay = this.nextDelay();
    if (delay === false) return;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delay);
  }

  private nextDelay(): number | false {
    let interval: number | false = false;
    for (const subscriber of this.subscribers) {
      const wanted = subscriber.interval(this.state.data);
      if (wanted !== false && (interval === false || wanted < interval)) interval = wanted;
    }
    if (this.options.streamOnly && this.options.live && this.liveState !== 'unsupported' && this.failures === 0) return false;
    if (this.failures === 0) return interval;
    // After errors: exponential from the backoff base, capped, whatever the status said.
    const { baseMs, maxMs } = this.options.backoff;
    return Math.min(maxMs, baseMs * 2 ** (this.failures - 1));
  }

  private onVisibilityChange(): void {
    if (this.options.visibility.isHidden()) {
      if (this.timer !== undefined) {
        this.clearTimer();
        this.dueWhileHidden = true;
      }
    } else if (this.dueWhileHidden) {
      this.dueWhileHidden = false;
      void this.poll();
    }
  }

  /** Someone still wants updates (a subscriber's interval is not false for the data in hand). */
  private wantsUpdates(): boolean {
    for (const subscriber of this.subscribers) if (subscriber.interval(this.state.data) !== false) return true;
    return false;
  }

  /**
   * Listens to the stream while someone wants updates, stops when nobody does (a finished job).
   * While listening, the stream may go down and come back (it reconnects by itself): the poller
   * polls while it is down and stops once it says it is live again.
   */
  private updateLive(): void {
    const live = this.options.live;
    if (!live || this.liveState === 'unsupported') return;
    const wanted = this.subscribers.size > 0 && this.wantsUpdates();
    if (!wanted) {
      this.stopLive();
      return;
    }
    if (this.liveState !== 'off') return;
    this.liveState = 'connecting';
    this.closeLive = live.open(
      {
        onOpen: () => {
          if (this.liveState === 'off' || this.liveState === 'unsupported') return;
          this.liveState = 'up';
          this.clearTimer();
        },
        onData: (data) => this.onLiveData(data),
        onStale: () => {
          if (this.inFlight) this.staleAgain = true;
          else void this.poll();
        },
        onDown: (unsupported) => this.onLiveDown(unsupported),
      },
      () => this.state.data,
    );
  }

  private onLiveData(data: T): void {
    const { compare } = this.options;
    if (compare && this.state.data !== undefined && compare(data, this.state.data) < 0) return;
    const text = JSON.stringify(data);
    if (text !== this.text || this.state.status !== 'success') {
      this.text = text;
      this.failures = 0;
      this.setState({ status: 'success', data, error: null, dataUpdatedAt: this.options.now() });
    }
    this.updateLive();
  }

  private onLiveDown(unsupported: boolean): void {
    if (this.liveState === 'off') return;
    if (unsupported) {
      const close = this.closeLive;
      this.closeLive = null;
      this.liveState = 'unsupported';
      close?.();
    } else this.liveState = 'waiting';
    // Polling takes over (stream-only: one read) until the stream is live again.
    if (this.subscribers.size > 0) {
      if (this.options.streamOnly && !unsupported) void this.poll();
      else this.schedule();
    }
  }

  private stopLive(): void {
    const close = this.closeLive;
    this.closeLive = null;
    if (this.liveState !== 'unsupported') this.liveState = 'off';
    close?.();
  }

  private scheduleGc(): void {
    this.cancelGc();
    const delay = this.options.gcTimeMs ?? Number.POSITIVE_INFINITY;
    if (!(delay <= MAX_TIMER_DELAY_MS)) return;
    this.gcTimer = this.options.timers.setTimeout(() => {
      this.gcTimer = undefined;
      this.collect();
    }, delay);
    // Node: a pending collection alone must not keep the process alive (browsers have no unref).
    (this.gcTimer as { unref?: () => void } | null)?.unref?.();
  }

  private cancelGc(): void {
    this.collectWhenSettled = false;
    if (this.gcTimer !== undefined) {
      this.options.timers.clearTimeout(this.gcTimer);
      this.gcTimer = undefined;
    }
  }

  private collect(): void {
    if (this.subscribers.size > 0) return;
    // Dropping the poller mid-fetch would let a subscriber arriving now start a second request
    // for the same resource; its answer is kept until it settles.
    if (this.inFlight) {
      this.collectWhenSettled = true;
      return;
    }
    this.collectWhenSettled = false;
    this.options.onCollect?.();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      this.options.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
