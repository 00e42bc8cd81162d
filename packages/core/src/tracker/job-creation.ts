import { JobValidationError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import type { JobStore, StoreLimits } from '../store/job-store.js';
import type { JobTelemetry } from '../telemetry/telemetry-port.js';
import { dateTime } from '../util/dates.js';
import { readInput } from '../util/read-input.js';
import { uuidv7 } from '../util/uuid-v7.js';
import type { ClockSync } from './clock-sync.js';
import { checkedInsertAnswer } from './key-scope.js';
import type { TrackerEmitter } from './tracker-emitter.js';
import type { TypePolicies } from './type-policies.js';
import { assertJobType, DATE_MAX, DATE_MIN, validateCreateInput, type CreateJobInput } from './validate-input.js';

export interface JobCreationDeps {
  store: JobStore;
  clock: ClockSync;
  limits: StoreLimits;
  policies: TypePolicies;
  emitter: TrackerEmitter;
  telemetry: { current: JobTelemetry | null };
}

/**
 * Makes new job records: checks the caller's input, drafts the job (defaults, due time), and
 * inserts it, deduped by key within its type, tenant and owner. The `created` event and the
 * telemetry's create span end when the job exists: at once, or when the caller's transaction commits.
 */
export class JobCreation {
  constructor(private readonly deps: JobCreationDeps) {}

  /** See `Tracker.create`. */
  async create(type: string, input: CreateJobInput | undefined): Promise<Job> {
    assertJobType(type);
    const checked = readInput('options', () => validateCreateInput(input, [], this.deps.limits));
    const { clock } = this.deps;
    if (clock.pending) await clock.ready();
    return this.insert(this.draft(type, checked, 'queued'), checked.transaction);
  }

  /** A new job record (not yet stored) from checked input, at the tracker's clock. */
  draft(type: string, input: CreateJobInput, status: 'queued' | 'running'): Job {
    const now = this.deps.clock.clock.now();
    const at = new Date(now);
    // A copy: the caller's Date (of any realm) is neither kept nor mutated through the record.
    const runAt = input.runAt === undefined ? new Date(now + (input.delayMs ?? 0)) : new Date(dateTime(input.runAt));
    if (input.delayMs !== undefined && !(runAt.getTime() >= DATE_MIN && runAt.getTime() <= DATE_MAX)) {
      throw new JobValidationError('delayMs', `${input.delayMs} ms from now is past the year 9999, the latest time every store can hold.`);
    }
    return {
      id: uuidv7(now),
      type,
      key: input.key ?? null,
      parentId: input.parentId ?? null,
      tenantId: input.tenantId ?? null,
      ownerId: input.ownerId ?? null,
      group: input.group ?? null,
      scheduleName: null,
      scheduledFor: null,
      status,
      attempt: 0,
      maxAttempts: input.maxAttempts ?? this.deps.policies.maxAttemptsFor(type),
      priority: input.priority ?? 0,
      runAt,
      lease: null,
      progress: 0,
      stage: null,
      current: null,
      total: null,
      payload: input.payload === undefined ? null : input.payload,
      result: null,
      metadata: input.metadata ?? {},
      metrics: {},
      note: null,
      error: null,
      errors: [],
      history: [],
      createdAt: at,
      startedAt: null,
      finishedAt: null,
      updatedAt: at,
      trace: null,
    };
  }

  /**
   * Stores the draft, or answers the unfinished job of the same key and scope.
   *
   * @throws {StoreError} when the store fails, or answers a job of another scope.
   */
  async insert(job: Job, transaction: unknown): Promise<Job> {
    const { store, emitter } = this.deps;
    const scope = this.deps.telemetry.current?.onCreate?.(job);
    if (scope?.trace) job.trace = scope.trace;
    try {
      const result = await store.insert(job, transaction === undefined ? undefined : { transaction });
      checkedInsertAnswer(job, result.job, result.created);
      const announce = () => {
        scope?.end({ job: result.job, created: result.created });
        if (result.created) emitter.job('created', result.job);
      };
      if (result.committed) {
        // Inside the caller's transaction: the job exists only once it commits.
        result.committed.then(
          (committed) => {
            if (committed) announce();
          },
          (error: unknown) => emitter.error(error, { operation: 'create', jobId: job.id, type: job.type }),
        );
      } else {
        announce();
      }
      return result.job;
    } catch (error) {
      scope?.end({ job: null, created: false, error });
      throw error;
    }
  }
}
