import type { JobAction, JobJson } from '../http/wire-types.js';
import type { JobsClient } from './jobs-client.js';

export interface JobActionsResult {
  /** Ids with an action (retry, cancel, run now) in flight. */
  pendingIds: readonly string[];
  isPending: boolean;
  /** The last action's error; cleared by the next action. */
  error: Error | null;
}

const IDLE: JobActionsResult = Object.freeze({ pendingIds: Object.freeze([]) as readonly string[], isPending: false, error: null });

/**
 * Retry, cancel and run now with pending state, for buttons. `retry(id)` / `cancel(id)` /
 * `runNow(id)` resolve to the changed job, or to undefined when the action failed (the error is in the result), so an
 * onClick handler never leaks an unhandled rejection.
 */
export class JobActionsObserver {
  private result: JobActionsResult = IDLE;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly client: JobsClient) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): JobActionsResult => this.result;
  readonly getServerSnapshot = (): JobActionsResult => IDLE;

  readonly retry = (id: string): Promise<JobJson | undefined> => this.run(id, 'retry');
  readonly cancel = (id: string): Promise<JobJson | undefined> => this.run(id, 'cancel');
  readonly runNow = (id: string): Promise<JobJson | undefined> => this.run(id, 'run-now');

  private async run(id: string, action: JobAction): Promise<JobJson | undefined> {
    this.set({ pendingIds: [...this.result.pendingIds, id], isPending: true, error: null });
    let job: JobJson | undefined;
    let error: Error | null = null;
    try {
      job = await (action === 'retry' ? this.client.retry(id) : action === 'cancel' ? this.client.cancel(id) : this.client.runNow(id));
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
    }
    const pendingIds = [...this.result.pendingIds];
    pendingIds.splice(pendingIds.indexOf(id), 1);
    this.set({ pendingIds, isPending: pendingIds.length > 0, error });
    return job;
  }

  private set(result: JobActionsResult): void {
    this.result = result;
    for (const listener of [...this.listeners]) listener();
  }
}
