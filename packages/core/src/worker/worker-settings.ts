import { JobValidationError } from '../errors/jobtrail-error.js';
import { isJobStatus, isTerminal } from '../model/job-status.js';
import type { AttemptRunner } from '../tracker/attempt-runner.js';
import type { Tracker } from '../tracker/tracker.js';
import type { TypePolicies } from '../tracker/type-policies.js';
import { leaseMsOption } from '../tracker/tracker-settings.js';
import { assertKnownKeys, integerOption } from '../tracker/validate-input.js';
import type { Clock } from '../util/clock.js';
import { parseDuration } from '../util/duration.js';
import type { JobStore } from '../store/job-store.js';
import type { RetentionOption, WorkerOptions } from './worker-options.js';

/** A worker's options, checked once and with every default applied (durations in ms). */
export interface WorkerSettings {
  leaseMs: number;
  heartbeatMs: number;
  pollIntervalMs: number;
  batchSize: number;
  shutdownGraceMs: number;
  recoverIntervalMs: number;
  retention: RetentionOption | undefined;
  retentionIntervalMs: number;
  keepAlive: boolean;
  schedules: boolean;
}

/** Every key of {@link WorkerOptions}, in the order the refusal of an unknown one lists them. */
const WORKER_OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys({
  tracker: true,
  handlers: true,
  concurrency: true,
  leaseMs: true,
  heartbeatMs: true,
  pollIntervalMs: true,
  batchSize: true,
  workerId: true,
  shutdownGraceMs: true,
  recoverIntervalMs: true,
  retention: true,
  retentionIntervalMs: true,
  keepAlive: true,
  schedules: true,
} satisfies Record<keyof WorkerOptions, true>));

// The members of a tracker the worker uses, by the type they belong to (so that a rename breaks
// the build here). A tracker is recognised by them, not by `instanceof`: a tracker made by another
// copy of core (its CommonJS build next to the ES module one) is a tracker all the same.
const TRACKER_METHODS = ['clockReady', 'recoverExpired', 'prune', 'fireDueSchedules'] as const satisfies ReadonlyArray<keyof Tracker>;
const STORE_METHODS = ['claim', 'heartbeat'] as const satisfies ReadonlyArray<keyof JobStore>;
const RUNNER_METHODS = ['run', 'release', 'retake', 'leaseLost', 'report'] as const satisfies ReadonlyArray<keyof AttemptRunner>;
const CLOCK_METHODS = ['now', 'setTimeout', 'clearTimeout'] as const satisfies ReadonlyArray<keyof Clock>;
const POLICY_METHODS = ['withOverrides', 'forType'] as const satisfies ReadonlyArray<keyof TypePolicies>;

function hasMethods(value: unknown, names: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
}

/**
 * Refuses anything but a tracker made by `createTracker()`, by the members the worker uses (a
 * few `typeof` checks), so that a look-alike fails here rather than as a `TypeError` later.
 *
 * @throws {JobValidationError} (`invalid_input`) on `tracker`.
 */
export function assertTracker(value: unknown): asserts value is Tracker {
  let ok = false;
  try {
    const tracker = value as Tracker;
    ok =
      hasMethods(tracker, TRACKER_METHODS) &&
      hasMethods(tracker.store, STORE_METHODS) &&
      (tracker.store.subscribe === undefined || typeof tracker.store.subscribe === 'function') &&
      hasMethods(tracker.attempts, RUNNER_METHODS) &&
      hasMethods(tracker.attempts.clock, CLOCK_METHODS) &&
      hasMethods(tracker.attempts.policies, POLICY_METHODS);
  } catch {
    // A getter that throws: not a tracker either.
  }
  if (!ok) throw new JobValidationError('tracker', 'must be a tracker made by createTracker().');
}

function booleanOption(value: unknown, field: string): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new JobValidationError(field, `must be a boolean; got ${String(value)}.`);
  return value;
}

/** @throws {JobValidationError} (`invalid_input`) naming the first bad option. */
export function resolveWorkerSettings(options: WorkerOptions): WorkerSettings {
  assertKnownKeys(options, WORKER_OPTION_KEYS, 'a worker');
  const leaseMs = leaseMsOption(options.leaseMs, 30_000);
  const heartbeatMs = integerOption(options.heartbeatMs, Math.floor(leaseMs / 3), 'heartbeatMs', 10, leaseMs - 1);
  const pollIntervalMs = integerOption(options.pollIntervalMs, 1000, 'pollIntervalMs', 1, 3_600_000);
  const batchSize = integerOption(options.batchSize, 20, 'batchSize', 1, 1000);
  const shutdownGraceMs = integerOption(options.shutdownGraceMs, 10_000, 'shutdownGraceMs', 0, 86_400_000);
  const defaultRecoverMs = Math.max(1000, Math.floor(leaseMs / 2));
  const recoverIntervalMs = integerOption(options.recoverIntervalMs, defaultRecoverMs, 'recoverIntervalMs', 10, 86_400_000);
  const retentionIntervalMs = integerOption(options.retentionIntervalMs, 3_600_000, 'retentionIntervalMs', 10, 86_400_000);
  const retention = options.retention;
  if (retention) {
    for (const [status, age] of Object.entries(retention)) {
      if (!isJobStatus(status) || !isTerminal(status)) {
        throw new JobValidationError(`retention.${status}`, 'only completed, failed, skipped and cancelled jobs can be pruned.');
      }
      parseDuration(age as number | string, `retention.${status}`);
    }
  }
  return {
    leaseMs,
    heartbeatMs,
    pollIntervalMs,
    batchSize,
    shutdownGraceMs,
    recoverIntervalMs,
    retention,
    retentionIntervalMs,
    keepAlive: booleanOption(options.keepAlive, 'keepAlive'),
    schedules: booleanOption(options.schedules, 'schedules'),
  };
}
