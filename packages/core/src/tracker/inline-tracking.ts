import { JobValidationError, StoreError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import { LazyAbortController } from '../util/lazy-abort-controller.js';
import { readInput } from '../util/read-input.js';
import type { AttemptRunner } from './attempt-runner.js';
import type { ClockSync } from './clock-sync.js';
import type { JobContext } from './job-context.js';
import type { JobCreation } from './job-creation.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { TrackerEmitter } from './tracker-emitter.js';
import type { TrackerSettings } from './tracker-settings.js';
import { assertJobType, validateCreateInput, type CreateJobInput } from './validate-input.js';

export interface TrackOptions<TPayload = unknown> extends CreateJobInput<TPayload> {
  /**
   * Default true: a store failure never breaks the tracked function; it is emitted as an `error`
   * event and the function's result or error reaches the caller unchanged.
   */
  safe?: boolean;
  /** Store the function's return value as the job's result. Default true. */
  storeResult?: boolean;
}

export interface InlineTrackingDeps {
  clock: ClockSync;
  settings: TrackerSettings;
  creation: JobCreation;
  runner: AttemptRunner;
  emitter: TrackerEmitter;
  leases: LeaseKeeper;
  limits: Parameters<typeof validateCreateInput>[2];
  owner: string;
}

/**
 * `Tracker.track`: work that runs in this process anyway becomes a job, created as running
 * (attempt 1 of 1) under a lease this process renews, and settled by the attempt runner like a
 * worker's. In safe mode a store failure is an `error` event, never the caller's problem: a job
 * that could not be created runs detached (nothing of it is written).
 */
export async function trackInline<T>(
  deps: InlineTrackingDeps,
  type: string,
  fn: (ctx: JobContext) => T | Promise<T>,
  options: TrackOptions,
): Promise<Awaited<T>> {
  const { clock, settings, creation, runner, emitter, leases } = deps;
  assertJobType(type);
  if (typeof fn !== 'function') throw new JobValidationError('fn', 'track() needs the function to run.');
  const checked = readInput('options', () => validateCreateInput(options, ['safe', 'storeResult'], deps.limits)) as TrackOptions;
  const safe = checked.safe ?? true;
  const { safe: _safe, storeResult, ...createInput } = checked;
  if (clock.pending) await clock.ready();
  const now = clock.clock.now();
  const draft = creation.draft(type, { maxAttempts: 1, ...createInput }, 'running');
  draft.attempt = 1;
  draft.startedAt = new Date(now);
  draft.lease = { owner: deps.owner, expiresAt: new Date(now + settings.leaseMs) };

  let job: Job = draft;
  let detached = false;
  try {
    job = await creation.insert(draft, createInput.transaction);
    if (job.id !== draft.id) {
      throw new JobValidationError('key', `a job of type "${type}" with key "${draft.key}" in the same tenant and owner is already in progress (${job.id}).`);
    }
  } catch (error) {
    if (!safe || JobValidationError.isInstance(error)) throw error;
    emitter.error(error, { operation: 'create', jobId: draft.id, type });
    detached = true;
    job = draft;
  }
  if (!detached) emitter.job('started', job);

  const leaseExpiresAt = job.lease?.expiresAt.getTime() ?? now + settings.leaseMs;
  if (!detached) leases.add(job.id, leaseExpiresAt);
  const result = await runner
    .run<Awaited<T>>({
      job,
      owner: deps.owner,
      mode: 'inline',
      fn: fn as unknown as (ctx: JobContext) => Awaited<T>,
      controller: new LazyAbortController(),
      storeResult: storeResult ?? true,
      detached,
      leaseExpiresAt: () => leases.expiresAt(job.id) ?? leaseExpiresAt,
    })
    .finally(() => leases.delete(job.id));

  if (result.storeError !== undefined && !safe) {
    throw result.storeError instanceof Error
      ? result.storeError
      : new StoreError('Could not record the outcome of the tracked job.', { cause: result.storeError });
  }
  if (result.threw) throw result.error;
  return result.value as Awaited<T>;
}
