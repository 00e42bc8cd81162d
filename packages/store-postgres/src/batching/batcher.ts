/**
 * Coalesces calls made in the same turn of the event loop into one batch, DataLoader-style, so
 * that N concurrent `transition()` (or `heartbeat()`) calls cost one SQL statement instead of N.
 *
 * - Calls are collected until `setImmediate` fires, i.e. until every promise callback queued in
 *   the current turn has run: all the settles a wave of finished handlers issues land together.
 * - At most `maxInFlight` batches run at once. While they do, new calls wait and form the next
 *   batch, so batches grow with load instead of piling up connections.
 * - Items with the same `keyOf` never share a batch (one statement cannot apply two
 *   compare-and-sets to one row in order); the later one waits for the next batch.
 * - `run` answers one outcome per item, in order: a failure of one item never fails the others.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface BatcherOptions<TItem> {
  maxBatchSize: number;
  maxInFlight: number;
  keyOf?: (item: TItem) => string;
}

interface Pending<TItem, TResult> {
  item: TItem;
  resolve: (value: TResult) => void;
  reject: (error: unknown) => void;
}

export class Batcher<TItem, TResult> {
  private queue: Array<Pending<TItem, TResult>> = [];
  private scheduled = false;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly run: (items: TItem[]) => Promise<Array<Outcome<TResult>>>,
    private readonly options: BatcherOptions<TItem>,
  ) {}

  add(item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every call made so far has been answered. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.take();
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        // Calls that queued up meanwhile go at once: they already waited a whole statement.
        if (this.queue.length > 0) this.flush();
        else if (this.inFlight === 0) this.notifyIdle();
      });
    }
  }

  private take(): Array<Pending<TItem, TResult>> {
    const { maxBatchSize, keyOf } = this.options;
    if (keyOf === undefined) return this.queue.splice(0, maxBatchSize);
    const batch: Array<Pending<TItem, TResult>> = [];
    const rest: Array<Pending<TItem, TResult>> = [];
    const keys = new Set<string>();
    for (const pending of this.queue) {
      const key = keyOf(pending.item);
      if (batch.length >= maxBatchSize || keys.has(key)) rest.push(pending);
      else {
        keys.add(key);
        batch.push(pending);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async execute(batch: Array<Pending<TItem, TResult>>): Promise<void> {
    let outcomes: Array<Outcome<TResult>>;
    try {
      outcomes = await this.run(batch.map((pending) => pending.item));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) pending.reject(new Error('internal: a batch answered fewer outcomes than items'));
      else if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
