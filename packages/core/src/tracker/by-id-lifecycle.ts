import { InvalidTransitionError, JobConflictError, JobFinishedError, JobNotFoundError, JobValidationError } from '../errors/jobtrail-error.js';
import type { Job, JobScope } from '../model/job.js';
import { checkReadScope } from '../store/field-reads.js';
import type { Expectation, FieldReads, JobPatch, JobStore, StoreLimits } from '../store/job-store.js';
import { readInput } from '../util/read-input.js';
import { isUuid } from '../util/uuid-v7.js';
import type { AttemptRunner } from './attempt-runner.js';
import { AttemptWriter, type AttemptWriterDeps, type ProgressDetails } from './attempt-writer.js';
import type { ClockSync } from './clock-sync.js';
import { readOptions } from './job-queries.js';
import { keyHeldError } from './key-scope.js';
import type { LeaseKeeper } from './lease-keeper.js';
import {
  cancelTransition,
  checkTransition,
  completeTransition,
  failTransition,
  leaseTransition,
  retryTransition,
  skipTransition,
  startTransition,
} from './lifecycle-transitions.js';
import { inScope } from './query-filters.js';
import type { TrackerEmitter } from './tracker-emitter.js';
import type { ProgressEvent } from './tracker-events.js';
import { leaseMsOption, type TrackerSettings } from './tracker-settings.js';
import { assertJson, assertMetricIncrement, assertOptionalText, assertStorableText, cutText, isPlainObject, MAX_NOTE_LENGTH } from './validate-input.js';

/** What cancel and retry read to decide: neither looks at the large fields (nor returns them from this read). */
const DECIDE_WITHOUT_DATA: FieldReads = { payload: 'omit', result: 'omit', metadata: 'omit' };

export interface ByIdLifecycleDeps {
  store: JobStore;
  clock: ClockSync;
  limits: StoreLimits;
  settings: TrackerSettings;
  runner: AttemptRunner;
  emitter: TrackerEmitter;
  /** The leases this tracker renews: jobs it started itself (and `track()`'s). */
  leases: LeaseKeeper;
  /** Names the tracker as a lease owner. */
  owner: string;
}

/**
 * The lifecycle of jobs driven by id, from any process (`start`, `progress`, `complete`, `fail`,
 * `skip`, `cancel`, `retry`): read, decide with a transition of `lifecycle-transitions`,
 * compare-and-set; a lost race is decided again from the job as it is now.
 */
export class ByIdLifecycle {
  /** Types of jobs driven by id in this process, so their events carry it. */
  private readonly types = new Map<string, string>();
  private readonly writers = new Map<string, AttemptWriter>();
  private closed = false;

  constructor(private readonly deps: ByIdLifecycleDeps) {}

  async start(id: string, options: { leaseMs?: number; owner?: string } = {}): Promise<Job> {
    const { settings, clock, leases, emitter } = this.deps;
    const { leaseMs, owner } = readInput('options', () => {
      assertOptionalText(options.owner, 'owner');
      return { leaseMs: leaseMsOption(options.leaseMs, settings.leaseMs), owner: options.owner ?? this.deps.owner };
    });
    if (clock.pending) await clock.ready();
    const job = await this.change(id, 'start', (current) => startTransition(current, owner, leaseMs, clock.clock.now()));
    this.types.set(job.id, job.type);
    if (owner === this.deps.owner && !this.closed) leases.add(job.id, job.lease!.expiresAt.getTime());
    emitter.job('started', job);
    return job;
  }

  async heartbeat(id: string, options: { leaseMs?: number } = {}): Promise<Date> {
    const { store, settings, clock } = this.deps;
    const leaseMs = readInput('options', () => leaseMsOption(options.leaseMs, settings.leaseMs));
    if (!isUuid(id)) throw new JobNotFoundError(String(id));
    for (let tries = 0; tries < 5; tries++) {
      const current = await store.get(id);
      if (!current) throw new JobNotFoundError(id);
      const now = clock.clock.now();
      const expiresAt = new Date(now + leaseMs);
      // A job started without a lease (by an older version) gets one owned by this tracker.
      const patch = leaseTransition(current, current.lease?.owner ?? this.deps.owner, expiresAt, now);
      if (current.lease) {
        const held = await store.heartbeat(current.lease.owner, [id], expiresAt);
        if (held.includes(id)) return expiresAt;
      } else {
        const result = await store.transition(id, { status: 'running', leaseOwner: null, attempt: current.attempt }, patch);
        if (result.ok) return expiresAt;
      }
    }
    throw new JobConflictError(id, 'heartbeat kept losing to concurrent changes; try again.');
  }

  progress(id: string, fraction: number, details?: ProgressDetails | string): void {
    if (!isUuid(id)) throw new JobValidationError('id', 'must be a job id.');
    this.writer(id).progress(fraction, typeof details === 'string' ? { stage: details } : details);
  }

  async flush(id?: string): Promise<void> {
    const writers = id ? [this.writers.get(id)] : [...this.writers.values()];
    await Promise.all(writers.map((writer) => writer?.flush()));
  }

  async complete(id: string, outcome: { result?: unknown; note?: string | null } = {}): Promise<Job> {
    const { result, note } = readInput('outcome', () => {
      if (outcome.result !== undefined) assertJson(outcome.result, 'result', this.deps.limits);
      return { result: outcome.result, note: checkNote(outcome.note) };
    });
    const progress = await this.takeProgress(id);
    const job = await this.change(id, 'complete', (current) => {
      const at = new Date(this.deps.clock.clock.now());
      return {
        ...progress,
        ...completeTransition({ ...current, ...progress }, result ?? null, at, this.deps.settings.maxErrors),
        ...(note !== undefined ? { note } : {}),
      };
    });
    this.settled(id);
    this.deps.emitter.job('completed', job);
    return job;
  }

  async fail(id: string, error: unknown): Promise<Job> {
    const { policies } = this.deps.runner;
    const progress = await this.takeProgress(id);
    const job = await this.change(id, 'fail', (current) => {
      // Before the classifier runs: a job that cannot fail is refused without asking it.
      checkTransition(current, 'failed');
      const policy = policies.forType(current.type);
      const classification = policies.classify(policy, error, current);
      const now = this.deps.clock.clock.now();
      const decision = failTransition({ ...current, ...progress }, error, classification, policy.backoff, now, policies.failureOptions(current));
      return { ...progress, ...decision.patch };
    });
    this.settled(id);
    this.deps.emitter.job(job.status === 'retrying' ? 'retrying' : 'failed', job);
    return job;
  }

  async skip(id: string, outcome: { note?: string | null } = {}): Promise<Job> {
    const note = readInput('outcome', () => checkNote(outcome.note));
    const progress = await this.takeProgress(id);
    const job = await this.change(id, 'skip', (current) => ({
      ...progress,
      ...skipTransition(current, new Date(this.deps.clock.clock.now())),
      ...(note !== undefined ? { note } : {}),
    }));
    this.settled(id);
    this.deps.emitter.job('skipped', job);
    return job;
  }

  /** `read`: the job as a page of `cancelMany` just read it, tried before reading it again. */
  async cancel(id: string, scope?: JobScope, read?: Job): Promise<Job> {
    const job = await this.change(id, 'cancel', (current) => cancelTransition(current, new Date(this.deps.clock.clock.now())), scope, DECIDE_WITHOUT_DATA, read);
    this.writers.get(id)?.abandon();
    this.writers.delete(id);
    this.settled(id);
    this.deps.runner.abort(id, 'cancelled');
    this.deps.emitter.job('cancelled', job);
    return job;
  }

  /** `read`: as for {@link cancel}. */
  retry(id: string, scope?: JobScope, read?: Job): Promise<Job> {
    const { settings, clock } = this.deps;
    return this.change(id, 'retry', (current) => retryTransition(current, new Date(clock.clock.now()), settings), scope, DECIDE_WITHOUT_DATA, read);
  }

  /** See `Tracker.runNow`. */
  async runNow(id: string, scope?: JobScope): Promise<Job> {
    const { store, clock } = this.deps;
    const checkedScope = scope === undefined ? undefined : checkReadScope(scope);
    if (!isUuid(id)) throw new JobNotFoundError(String(id));
    const options = readOptions(checkedScope, DECIDE_WITHOUT_DATA);
    for (let tries = 0; tries < 5; tries++) {
      const current = await store.get(id, options);
      if (!current || !inScope(current, checkedScope)) throw new JobNotFoundError(id);
      if (current.status !== 'queued' && current.status !== 'retrying') {
        throw new InvalidTransitionError(id, current.status, 'queued', `Only a queued or retrying job can be run now${current.status === 'running' ? '' : '; retry(id) queues a finished one again'}.`);
      }
      const now = new Date(clock.clock.now());
      // Due already: moving its runAt to now would only lose its place in the claim order.
      if (current.runAt.getTime() <= now.getTime()) return (await store.get(id, checkedScope === undefined ? undefined : { scope: checkedScope })) ?? current;
      const result = await store.transition(id, { status: current.status, attempt: current.attempt, leaseOwner: null }, { runAt: now, updatedAt: now });
      if (result.ok) return result.job;
      if (result.reason === 'not_found') throw new JobNotFoundError(id);
    }
    throw new JobConflictError(id, 'run now kept losing to concurrent changes; try again.');
  }

  async incrementMetrics(id: string, deltas: Record<string, number>): Promise<Record<string, number>> {
    const { store, clock } = this.deps;
    if (!isUuid(id)) throw new JobNotFoundError(String(id));
    readInput('deltas', () => {
      if (!isPlainObject(deltas) || Object.getOwnPropertySymbols(deltas).length > 0) {
        throw new JobValidationError('deltas', 'must be a plain object of numbers with string names, e.g. { leadsProcessed: 5 }.');
      }
      for (const [name, delta] of Object.entries(deltas)) assertMetricIncrement(name, delta);
    });
    const result = await store.incrementMetrics(id, deltas, new Date(clock.clock.now()));
    if (result === null) throw new JobNotFoundError(id);
    // Unfenced increments are never stale; a store answering so anyway is treated as finished.
    if (result === 'finished' || result === 'stale') {
      const job = await store.get(id);
      throw new JobFinishedError(id, job?.status ?? 'finished', 'increment metrics of');
    }
    return result;
  }

  /** Stops renewing leases of jobs started here (they are recovered once their lease expires). */
  close(): void {
    this.closed = true;
  }

  /**
   * Read, decide, compare-and-set; re-decides on a lost race a few times before giving up.
   * `known`: the job as the caller just read it (a bulk action's page), decided on first instead
   * of reading it again; the compare-and-set fails if it changed since, and the next try reads.
   */
  private async change(id: string, action: string, decide: (current: Job) => JobPatch, scope?: JobScope, read?: FieldReads, known?: Job): Promise<Job> {
    const { store } = this.deps;
    const checkedScope = scope === undefined ? undefined : checkReadScope(scope);
    if (!isUuid(id)) throw new JobNotFoundError(String(id));
    // Scope in the store's query: an out-of-scope job is never read, just like a missing one.
    const options = readOptions(checkedScope, read);
    for (let tries = 0; tries < 5; tries++) {
      const current = tries === 0 && known !== undefined && known.id === id ? known : await (options ? store.get(id, options) : store.get(id));
      if (!current || !inScope(current, checkedScope)) throw new JobNotFoundError(id);
      const patch = decide(current);
      const expected: Expectation = { status: current.status, attempt: current.attempt, leaseOwner: current.lease?.owner ?? null };
      const result = await store.transition(id, expected, patch);
      if (result.ok) return result.job;
      if (result.reason === 'not_found') throw new JobNotFoundError(id);
      if (result.reason === 'duplicate_key') throw keyHeldError(action, current, result.holder);
    }
    throw new JobConflictError(id, `${action} kept losing to concurrent changes; try again.`);
  }

  private async takeProgress(id: string): Promise<Partial<JobPatch>> {
    const writer = this.writers.get(id);
    if (!writer) return {};
    this.writers.delete(id);
    return (await writer.finish()) ?? {};
  }

  /** A job driven by id was settled here: stop renewing its lease and forget it. */
  private settled(id: string): void {
    this.deps.leases.delete(id);
    this.types.delete(id);
  }

  /** The coalescing writer of a job driven through `tracker.progress(id)`. */
  private writer(id: string): AttemptWriter {
    let writer = this.writers.get(id);
    if (writer) return writer;
    const { emitter, store } = this.deps;
    const local = { id, type: this.types.get(id) ?? '', progress: 0, stage: null, current: null, total: null, metrics: {} } as unknown as Job;
    // Driven from another process: one read learns the type (and whether the job still runs);
    // events that arrive meanwhile wait for it, and only the latest of them is told.
    let lookup: 'none' | 'pending' | 'running' | 'not running' = local.type === '' ? 'none' : 'running';
    let waiting: ProgressEvent | null = null;
    const deps: AttemptWriterDeps = {
      ...this.deps.runner.writerDeps,
      onProgress: (event) => {
        if (!emitter.hasProgressListeners() || lookup === 'not running') return;
        if (lookup === 'running') {
          emitter.progress(event);
          return;
        }
        waiting = event;
        if (lookup === 'pending') return;
        lookup = 'pending';
        store.get(id).then(
          (job) => {
            lookup = job?.status === 'running' ? 'running' : 'not running';
            if (lookup === 'running') local.type = job!.type;
            if (waiting && lookup === 'running') emitter.progress({ ...waiting, type: local.type });
            waiting = null;
          },
          (error: unknown) => {
            lookup = 'none';
            emitter.error(error, { operation: 'progress', jobId: id });
          },
        );
      },
    };
    writer = new AttemptWriter(deps, local, null);
    this.writers.set(id, writer);
    return writer;
  }
}

/** A note must be text every store holds (or null to clear it); one longer than MAX_NOTE_LENGTH is cut. */
function checkNote(note: unknown): string | null | undefined {
  if (note === undefined || note === null) return note;
  if (typeof note !== 'string') throw new JobValidationError('note', 'must be a string or null.');
  assertStorableText(note, 'note');
  return cutText(note, MAX_NOTE_LENGTH);
}
