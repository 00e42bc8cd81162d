import { JobValidationError } from '../errors/jobtrail-error.js';
import type { Job, JobError, JobLease } from '../model/job.js';
import { isJobStatus, isTerminal } from '../model/job-status.js';
import { assertStorableDate, show } from '../tracker/validate-input.js';
import { isUuid } from '../util/uuid-v7.js';
import type { ActivityQuery, ClaimRequest, Expectation, JobPatch, ProgressPatch, PruneRequest, StoreFilter, StoreQuery } from './job-store.js';
import { checkMetadataFilter } from './metadata-filter-check.js';
import { refusePartialJob } from './store-refusals.js';
import { toReadPlan } from './field-reads.js';

/**
 * The checks of every store operation's input, run once by `guardStore` for every store: what the
 * port's types promise (a Date is a storable Date, a count a non-negative integer, a status a
 * canonical one, a text a string) and nothing a particular database adds (integer widths, index
 * sizes: each store keeps those). Each check throws `JobValidationError` (`invalid_input`) naming
 * the field, before the store is called; none allocates for valid input. JSON values (payload,
 * result, metadata content) are the tracker's to check against the store's `limits`: they are
 * walked once, where the caller gave them.
 */

/** Largest page a query answers (the same for every store). */
export const MAX_QUERY_LIMIT = 1000;
/** Most jobs one `prune` call deletes when it names no limit. */
export const DEFAULT_PRUNE_LIMIT = 1000;

function requireObject(field: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new JobValidationError(field, `must be an object; got ${show(value)}.`);
  }
  return value as Record<string, unknown>;
}

/** A non-negative integer (attempts, counts, limits). */
export function requireCount(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new JobValidationError(field, `must be a non-negative integer; got ${show(value)}.`);
  }
  return value;
}

function requireFinite(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new JobValidationError(field, `must be a finite number; got ${show(value)}.`);
  }
}

/** A progress: a fraction from 0 to 1 (the port's `progress`; the tracker writes nothing else). */
function requireFraction(field: string, value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new JobValidationError(field, `must be a fraction from 0 to 1; got ${show(value)}.`);
  }
}

/** A job's `maxAttempts`: an integer of at least 1 (a job may always run once). */
function requireMaxAttempts(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new JobValidationError(field, `must be an integer of at least 1; got ${show(value)}.`);
  }
}

function optionalFinite(field: string, value: unknown): void {
  if (value != null) requireFinite(field, value);
}

export function optionalDate(field: string, value: unknown): void {
  if (value != null) assertStorableDate(value, field);
}

export function requireText(field: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new JobValidationError(field, `must be a non-empty string; got ${show(value)}.`);
}

/** A string or null (absent counts as null). Anything else could reach a query as an operator. */
export function optionalText(field: string, value: unknown): void {
  if (value != null && typeof value !== 'string') throw new JobValidationError(field, `must be a string or null; got ${show(value)}.`);
}

function requireStatus(field: string, value: unknown): void {
  if (!isJobStatus(value)) throw new JobValidationError(field, `must be a canonical status; got ${show(value)}.`);
}

/**
 * Metrics: finite numbers under non-empty names (the tracker writes no other). A history entry's
 * metrics (`named: false`) keep whatever names an earlier record held, the empty one too.
 */
function requireMetrics(field: string, value: unknown, named = true): void {
  const metrics = requireObject(field, value);
  for (const name in metrics) {
    if (!Object.hasOwn(metrics, name)) continue;
    if (named && name === '') throw new JobValidationError(field, 'holds a metric with an empty name; name every metric.');
    requireFinite(`${field}.${name}`, metrics[name]);
  }
}

function checkLease(field: string, lease: JobLease | null | undefined): void {
  if (lease == null) return;
  requireObject(field, lease);
  requireText(`${field}.owner`, lease.owner);
  assertStorableDate(lease.expiresAt, `${field}.expiresAt`);
}

function checkError(field: string, value: unknown): void {
  const error = requireObject(field, value) as Partial<JobError>;
  if (typeof error.message !== 'string') throw new JobValidationError(`${field}.message`, 'must be a string.');
  optionalText(`${field}.code`, error.code);
  optionalText(`${field}.name`, error.name);
  if (typeof error.retryable !== 'boolean') throw new JobValidationError(`${field}.retryable`, 'must be a boolean.');
  requireCount(`${field}.attempt`, error.attempt);
  assertStorableDate(error.at, `${field}.at`);
  optionalText(`${field}.stack`, error.stack);
}

function checkErrors(field: string, value: unknown): void {
  if (!Array.isArray(value)) throw new JobValidationError(field, 'must be a list of errors.');
  for (let index = 0; index < value.length; index++) checkError(`${field}[${index}]`, value[index]);
}

/** A history: attempt and retry entries with storable Dates, counts and finite numbers. */
function checkHistory(field: string, history: unknown): void {
  if (!Array.isArray(history)) throw new JobValidationError(field, 'must be a list of history entries.');
  for (let index = 0; index < history.length; index++) {
    const name = `${field}[${index}]`;
    const entry = requireObject(name, history[index]);
    const kind = entry['kind'];
    if (kind === 'retry') {
      assertStorableDate(entry['at'], `${name}.at`);
      requireCount(`${name}.afterAttempt`, entry['afterAttempt']);
      continue;
    }
    if (kind !== 'attempt') throw new JobValidationError(`${name}.kind`, `must be 'attempt' or 'retry'; got ${show(kind)}.`);
    requireCount(`${name}.attempt`, entry['attempt']);
    optionalText(`${name}.owner`, entry['owner']);
    optionalDate(`${name}.startedAt`, entry['startedAt']);
    assertStorableDate(entry['finishedAt'], `${name}.finishedAt`);
    requireText(`${name}.outcome`, entry['outcome']);
    if (entry['error'] != null) checkError(`${name}.error`, entry['error']);
    requireFinite(`${name}.progress`, entry['progress']);
    optionalText(`${name}.stage`, entry['stage']);
    requireMetrics(`${name}.metrics`, entry['metrics'], false);
  }
}

/**
 * The jobs of an `insertMany`: an array of at most {@link MAX_INSERT_MANY} jobs, each as
 * {@link checkJob} wants it, no id twice.
 *
 * @throws {JobValidationError} (`invalid_input`) naming the job's index (`jobs[3].payload`).
 */
export function checkJobs(jobs: readonly Job[]): void {
  if (!Array.isArray(jobs)) throw new JobValidationError('jobs', `must be an array of jobs; got ${show(jobs)}.`);
  if (jobs.length > MAX_INSERT_MANY) throw new JobValidationError('jobs', `must hold at most ${MAX_INSERT_MANY} jobs per call; got ${jobs.length}.`);
  const ids = new Set<string>();
  for (let index = 0; index < jobs.length; index++) {
    const job = jobs[index]!;
    try {
      checkJob(job);
    } catch (error) {
      if (error instanceof JobValidationError) throw new JobValidationError(`jobs[${index}].${error.field}`, error.message.slice(error.field.length + 2));
      throw error;
    }
    if (ids.has(job.id)) throw new JobValidationError(`jobs[${index}].id`, `${job.id} is given twice in one call.`);
    ids.add(job.id);
  }
}

/** Most jobs one `insertMany` call takes (core sends larger batches in chunks of this size). */
export const MAX_INSERT_MANY = 1000;

/**
 * A job record as `insert` takes it: a lowercase UUID id, a job read in full (see
 * `refusePartialJob`), a non-empty type, a canonical status, string-or-null texts, a non-negative
 * integer attempt, a `maxAttempts` of at least 1, a progress from 0 to 1, finite numbers, storable Dates, a lease with a non-empty owner, metrics of
 * finite numbers under non-empty names, valid errors and history. Nullable fields may be left `undefined`.
 *
 * @throws {JobValidationError} (`invalid_input`) naming the first field at fault.
 */
export function checkJob(job: Job): void {
  if (job === null || typeof job !== 'object') throw new JobValidationError('job', 'must be a job record.');
  if (!isUuid(job.id)) throw new JobValidationError('id', `must be a lowercase UUID (use uuidv7()); got ${show(job.id)}.`);
  refusePartialJob(job);
  requireText('type', job.type);
  requireStatus('status', job.status);
  // A key that is not a string would fall outside every store's dedupe index and skip dedupe.
  optionalText('key', job.key);
  optionalText('parentId', job.parentId);
  optionalText('tenantId', job.tenantId);
  optionalText('ownerId', job.ownerId);
  optionalText('group', job.group);
  optionalText('scheduleName', job.scheduleName);
  optionalDate('scheduledFor', job.scheduledFor);
  requireCount('attempt', job.attempt);
  requireMaxAttempts('maxAttempts', job.maxAttempts);
  requireFinite('priority', job.priority);
  assertStorableDate(job.runAt, 'runAt');
  checkLease('lease', job.lease);
  requireFraction('progress', job.progress);
  optionalText('stage', job.stage);
  optionalFinite('current', job.current);
  optionalFinite('total', job.total);
  if (job.metadata != null) requireObject('metadata', job.metadata);
  if (job.metrics != null) requireMetrics('metrics', job.metrics);
  optionalText('note', job.note);
  if (job.error != null) checkError('error', job.error);
  if (job.errors != null) checkErrors('errors', job.errors);
  if (job.history != null) checkHistory('history', job.history);
  assertStorableDate(job.createdAt, 'createdAt');
  optionalDate('startedAt', job.startedAt);
  optionalDate('finishedAt', job.finishedAt);
  assertStorableDate(job.updatedAt, 'updatedAt');
  optionalText('trace', job.trace);
}

/**
 * A transition's compare-and-set condition: a status or a list of them, a lease owner (string, or
 * null for "no lease"), an attempt (non-negative integer) and a Date.
 */
export function checkExpectation(expected: Expectation): void {
  requireObject('expected', expected);
  const status = expected.status;
  if (typeof status === 'string') requireStatus('expected.status', status);
  else if (status !== undefined) {
    if (!Array.isArray(status)) throw new JobValidationError('expected.status', 'must be a status or a list of statuses.');
    for (let index = 0; index < status.length; index++) requireStatus(`expected.status[${index}]`, status[index]);
  }
  if (expected.leaseOwner !== undefined && expected.leaseOwner !== null && typeof expected.leaseOwner !== 'string') {
    throw new JobValidationError('expected.leaseOwner', `must be a string, or null for "no lease"; got ${show(expected.leaseOwner)}.`);
  }
  if (expected.attempt !== undefined) requireCount('expected.attempt', expected.attempt);
  if (expected.leaseExpiresBefore !== undefined) assertStorableDate(expected.leaseExpiresBefore, 'expected.leaseExpiresBefore');
}

/** The progress fields shared by a transition's patch and a progress write (`updatedAt` apart). */
function checkProgressFields(patch: ProgressPatch): void {
  if (patch.progress !== undefined) requireFraction('progress', patch.progress);
  optionalText('stage', patch.stage);
  optionalFinite('current', patch.current);
  optionalFinite('total', patch.total);
}

/** A transition's patch: every field it defines has the type of the job's field. */
export function checkPatch(patch: JobPatch): void {
  requireObject('patch', patch);
  if (patch.status !== undefined) requireStatus('status', patch.status);
  assertStorableDate(patch.updatedAt, 'updatedAt');
  if (patch.attempt !== undefined) requireCount('attempt', patch.attempt);
  if (patch.maxAttempts !== undefined) requireMaxAttempts('maxAttempts', patch.maxAttempts);
  if (patch.runAt !== undefined) assertStorableDate(patch.runAt, 'runAt');
  checkLease('lease', patch.lease);
  checkProgressFields(patch);
  optionalText('note', patch.note);
  if (patch.error != null) checkError('error', patch.error);
  if (patch.errors !== undefined) checkErrors('errors', patch.errors);
  if (patch.history !== undefined) checkHistory('history', patch.history);
  if (patch.metrics !== undefined) requireMetrics('metrics', patch.metrics);
  optionalDate('startedAt', patch.startedAt);
  optionalDate('finishedAt', patch.finishedAt);
}

/** A progress write: a storable `updatedAt` and the progress fields' types. */
export function checkProgressPatch(patch: ProgressPatch): void {
  requireObject('patch', patch);
  assertStorableDate(patch.updatedAt, 'updatedAt');
  checkProgressFields(patch);
}

/**
 * The fence of a progress write or metric increment: absent or null means no check; an owner is
 * a string, an attempt a non-negative integer (both reach the store's query as values).
 */
export function checkFence(owner: unknown, attempt: unknown): void {
  if (owner != null && typeof owner !== 'string') throw new JobValidationError('owner', `must be a string or null; got ${show(owner)}.`);
  if (attempt != null) requireCount('attempt', attempt);
}

/** Metric deltas: an object of finite numbers, each named `deltas.<name>` when refused. */
export function checkDeltas(deltas: Readonly<Record<string, number>>): void {
  if (deltas === null || typeof deltas !== 'object' || Array.isArray(deltas)) {
    throw new JobValidationError('deltas', 'must be an object of numbers.');
  }
  for (const name in deltas) {
    if (!Object.hasOwn(deltas, name)) continue;
    if (name === '') throw new JobValidationError('deltas', 'holds a metric with an empty name; name every metric.');
    requireFinite(`deltas.${name}`, deltas[name]);
  }
}

/** A transition's expectation and patch. */
export function checkTransition(expected: Expectation, patch: JobPatch): void {
  checkExpectation(expected);
  checkPatch(patch);
}

/** A progress write: its patch and its fence. */
export function checkProgress(patch: ProgressPatch, owner: unknown, attempt: unknown): void {
  checkProgressPatch(patch);
  checkFence(owner, attempt);
}

/** A metric increment: its deltas, its time and its fence. */
export function checkIncrement(deltas: Readonly<Record<string, number>>, updatedAt: Date, owner: unknown, attempt: unknown): void {
  checkDeltas(deltas);
  assertStorableDate(updatedAt, 'updatedAt');
  checkFence(owner, attempt);
}

/** A claim: a non-empty owner, two storable Dates, a total and per-type counts. */
export function checkClaim(request: ClaimRequest): void {
  requireObject('request', request);
  requireText('owner', request.owner);
  assertStorableDate(request.now, 'now');
  assertStorableDate(request.leaseExpiresAt, 'leaseExpiresAt');
  requireCount('limit', request.limit);
  const limits = requireObject('limits', request.limits);
  for (const type in limits) {
    if (Object.hasOwn(limits, type)) requireCount(`limits.${type}`, limits[type]);
  }
}

/**
 * A heartbeat's arguments. Answers the ids to renew: `ids` itself when each is a job id (no copy
 * on the hot path), else only those that are (another string can name no job, so its lease is
 * simply not held).
 */
export function checkHeartbeat(owner: string, ids: readonly string[], expiresAt: Date): readonly string[] {
  requireText('owner', owner);
  assertStorableDate(expiresAt, 'expiresAt');
  if (!Array.isArray(ids)) throw new JobValidationError('ids', `must be a list of job ids; got ${show(ids)}.`);
  let allIds = true;
  for (let index = 0; index < ids.length; index++) {
    const id: unknown = ids[index];
    if (typeof id !== 'string') throw new JobValidationError(`ids[${index}]`, `must be a job id (a string); got ${show(id)}.`);
    if (allIds && !isUuid(id)) allIds = false;
  }
  return allIds ? ids : ids.filter((id) => isUuid(id));
}

/** `findExpired`'s arguments. */
export function checkFindExpired(now: Date, limit: number): void {
  assertStorableDate(now, 'now');
  requireCount('limit', limit);
}

/**
 * A filter of query, count and sumMetrics: status and type lists (of canonical statuses and
 * strings; empty matches nothing), tenant and owner as a string or null, a parent id string and
 * storable Dates.
 */
export function checkFilter(filter: StoreFilter): void {
  requireObject('filter', filter);
  const { status, type } = filter;
  if (status !== undefined) {
    if (!Array.isArray(status)) throw new JobValidationError('status', `must be a list of statuses; got ${show(status)}.`);
    for (let index = 0; index < status.length; index++) requireStatus(`status[${index}]`, status[index]);
  }
  if (type !== undefined) {
    if (!Array.isArray(type)) throw new JobValidationError('type', `must be a list of job types; got ${show(type)}.`);
    for (let index = 0; index < type.length; index++) {
      if (typeof type[index] !== 'string') throw new JobValidationError(`type[${index}]`, `must be a string; got ${show(type[index])}.`);
    }
  }
  if (filter.tenantId !== undefined) optionalText('tenantId', filter.tenantId);
  if (filter.ownerId !== undefined) optionalText('ownerId', filter.ownerId);
  if (filter.group !== undefined) optionalText('group', filter.group);
  if (filter.key !== undefined) optionalText('key', filter.key);
  if (filter.scheduleName !== undefined) optionalText('scheduleName', filter.scheduleName);
  if (filter.errorCode !== undefined) requireText('errorCode', filter.errorCode);
  if (filter.metadata !== undefined) checkMetadataFilter(filter.metadata);
  if (filter.parentId !== undefined && typeof filter.parentId !== 'string') {
    throw new JobValidationError('parentId', `must be a job id (a string); got ${show(filter.parentId)}.`);
  }
  if (filter.createdAfter !== undefined) assertStorableDate(filter.createdAfter, 'createdAfter');
  if (filter.createdBefore !== undefined) assertStorableDate(filter.createdBefore, 'createdBefore');
  if (filter.activeSince !== undefined) assertStorableDate(filter.activeSince, 'activeSince');
}

/** A query: a filter, a page size from 1 to {@link MAX_QUERY_LIMIT}, a job id cursor, read options. */
export function checkQuery(query: StoreQuery): void {
  checkFilter(query);
  const limit = query.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new JobValidationError('limit', `must be an integer from 1 to ${MAX_QUERY_LIMIT}; got ${show(limit)}.`);
  }
  if (query.cursor !== undefined && !isUuid(query.cursor)) {
    throw new JobValidationError('cursor', 'must be the nextCursor of a previous page (a job id).');
  }
  if (query.read !== undefined) toReadPlan(query.read);
  if (query.order !== undefined && query.order !== 'newest' && query.order !== 'oldest') {
    throw new JobValidationError('order', `must be 'newest' or 'oldest'; got ${show(query.order)}.`);
  }
}

/** Most buckets `tracker.activity()` accepts for the range asked for (a day of minutes). */
export const MAX_ACTIVITY_BUCKETS = 1440;
/** Narrowest activity bucket, in ms. */
export const MIN_ACTIVITY_BUCKET_MS = 1000;

/**
 * An activity read: a filter, storable `since` before `until`, and a whole `bucketMs` of at least
 * {@link MIN_ACTIVITY_BUCKET_MS} giving at most {@link MAX_ACTIVITY_BUCKETS} + 1 buckets.
 */
export function checkActivity(query: ActivityQuery): void {
  requireObject('query', query);
  checkFilter(query.filter);
  assertStorableDate(query.since, 'since');
  assertStorableDate(query.until, 'until');
  const bucketMs = query.bucketMs;
  if (typeof bucketMs !== 'number' || !Number.isSafeInteger(bucketMs) || bucketMs < MIN_ACTIVITY_BUCKET_MS) {
    throw new JobValidationError('bucketMs', `must be an integer of at least ${MIN_ACTIVITY_BUCKET_MS} (ms); got ${show(bucketMs)}.`);
  }
  const span = query.until.getTime() - query.since.getTime();
  if (span <= 0) throw new JobValidationError('until', 'must be later than since.');
  // One more than the tracker allows: it floors `since` to a bucket boundary, which may add one.
  if (Math.ceil(span / bucketMs) > MAX_ACTIVITY_BUCKETS + 1) {
    throw new JobValidationError('bucketMs', `gives more than ${MAX_ACTIVITY_BUCKETS + 1} buckets from since to until; widen the buckets or narrow the range.`);
  }
}

/** A prune: cut-offs (storable Dates) of terminal statuses only, and a positive limit. */
export function checkPrune(request: PruneRequest): void {
  requireObject('request', request);
  const limit = request.limit ?? DEFAULT_PRUNE_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new JobValidationError('limit', `must be a positive integer; got ${show(limit)}.`);
  }
  const before = requireObject('before', request.before ?? {});
  for (const status in before) {
    if (!Object.hasOwn(before, status) || before[status] === undefined) continue;
    if (!isJobStatus(status) || !isTerminal(status)) {
      throw new JobValidationError(`before.${status}`, 'only terminal statuses (completed, failed, skipped, cancelled) can be pruned.');
    }
    assertStorableDate(before[status], `before.${status}`);
  }
}
