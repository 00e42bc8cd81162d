import type { AttemptOutcomeKind } from '../tracker/attempt-outcome-kind.js';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { assertKnownKeys, integerOption, isPlainObject, show } from '../tracker/validate-input.js';
import type { Clock } from '../util/clock.js';
import { raceTimeout } from '../util/race-timeout.js';

export type RunOnceSummary = Record<AttemptOutcomeKind, number> & {
  claimed: number;
  durationMs: number;
  /**
   * Why the run ended: nothing more was due, a limit was hit, or the store could not be reached
   * (with nothing left running: outcomes of jobs that ran were written, or left to recovery).
   */
  stoppedBy: 'empty' | 'maxJobs' | 'maxDurationMs' | 'storeError';
};

export interface RunOnceOptions {
  /** Most jobs to claim. Default: no limit. */
  maxJobs?: number;
  /** Longest run (ms); past it running handlers are aborted and handed back. Default: no limit. */
  maxDurationMs?: number;
}

const RUN_ONCE_KEYS: ReadonlySet<string> = new Set(Object.keys({ maxJobs: true, maxDurationMs: true } satisfies Record<keyof RunOnceOptions, true>));

/** What the run-once loop drives on its worker. */
export interface RunOnceHost {
  clock: Clock;
  batchSize: number;
  recover(): Promise<unknown>;
  /** Free slots across every type. */
  freeSlots(): number;
  /** How long claims still wait after the store was last unreachable (ms; 0 or less: none). */
  claimHoldMs(): number;
  /** Claims up to `max` jobs and starts them; rejects when the store could not be reached. */
  claim(max: number): Promise<number>;
  /** Attempts running or settling. */
  inflight(): number;
  /** Resolves when a slot or a settle finishes. */
  nextRelease(): Promise<void>;
  allDone(): Promise<unknown>;
  /** Aborts what still runs and hands it back (see the worker's drain). */
  drain(graceMs: number): Promise<void>;
  onSettled(listener: (result: { outcome: AttemptOutcomeKind }) => void): () => void;
}

/**
 * Claims and runs due jobs until none are left or a limit is hit (`Worker.runOnce`).
 *
 * @throws {JobValidationError} for options that are not an object, unknown keys or bad limits.
 */
export async function runOnceLoop(host: RunOnceHost, options: RunOnceOptions = {}): Promise<RunOnceSummary> {
  const given: unknown = options;
  if (!isPlainObject(given)) throw new JobValidationError('options', `must be an object { maxJobs?, maxDurationMs? }; got ${show(given)}.`);
  assertKnownKeys(options, RUN_ONCE_KEYS, 'a runOnce()');
  const maxJobs = integerOption(options.maxJobs, Number.MAX_SAFE_INTEGER, 'maxJobs', 1, Number.MAX_SAFE_INTEGER);
  const maxDurationMs = integerOption(options.maxDurationMs, Number.MAX_SAFE_INTEGER, 'maxDurationMs', 1, Number.MAX_SAFE_INTEGER);
  const { clock } = host;
  const startedAt = clock.now();
  const summary: RunOnceSummary = {
    claimed: 0, completed: 0, failed: 0, retrying: 0, skipped: 0, cancelled: 0, released: 0, lost: 0, unsettled: 0,
    durationMs: 0, stoppedBy: 'empty',
  };
  const stopCounting = host.onSettled((result) => {
    summary[result.outcome] += 1;
  });
  try {
    await host.recover();
    for (;;) {
      if (summary.claimed >= maxJobs) {
        summary.stoppedBy = 'maxJobs';
        break;
      }
      if (clock.now() - startedAt >= maxDurationMs) {
        summary.stoppedBy = 'maxDurationMs';
        break;
      }
      const left = maxDurationMs - (clock.now() - startedAt);
      const hold = host.claimHoldMs();
      if (hold > 0) {
        // The store was just unreachable: outcomes land first (see the worker's claim).
        await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(hold, left)));
        continue;
      }
      const asked = Math.min(host.freeSlots(), host.batchSize, maxJobs - summary.claimed);
      let claimed = 0;
      if (asked > 0) {
        try {
          claimed = await host.claim(asked);
        } catch {
          // Reported as an `error` event. With nothing running there is nothing to wait for.
          if (host.inflight() === 0) {
            summary.stoppedBy = 'storeError';
            break;
          }
          continue;
        }
      }
      summary.claimed += claimed;
      // Nothing due (or no free slot): wait for a running job to free a slot, or end.
      if (claimed < asked || asked === 0) {
        if (host.inflight() === 0) {
          if (asked > 0) break;
          continue;
        }
        await raceTimeout(host.nextRelease(), left, clock);
      }
    }
    const remaining = maxDurationMs - (clock.now() - startedAt);
    if (remaining > 0) await raceTimeout(host.allDone(), remaining, clock);
    if (host.inflight() > 0) {
      // Out of time: abort, give handlers that honour the signal a moment, hand the rest back.
      summary.stoppedBy = 'maxDurationMs';
      await host.drain(0);
    }
  } finally {
    stopCounting();
  }
  summary.durationMs = clock.now() - startedAt;
  return summary;
}
