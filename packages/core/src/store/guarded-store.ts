import { describeError } from '../util/read-input.js';
import { checkReadOptions } from './field-reads.js';
import { JobtrailError, JobValidationError, StoreError } from '../errors/jobtrail-error.js';
import { isUuid } from '../util/uuid-v7.js';
import type { JobStore, StoreWakeEvent } from './job-store.js';
import type { Job } from '../model/job.js';
import type { JobChangeListener } from './change-feed.js';
import {
  checkActivity,
  checkClaim,
  checkFilter,
  checkFindExpired,
  checkHeartbeat,
  checkIncrement,
  checkJob,
  checkJobs,
  checkProgress,
  checkPrune,
  checkQuery,
  checkTransition,
  MAX_INSERT_MANY,
} from './store-input.js';
import { unreadableInput, type ArgumentNames } from './unreadable-input.js';
import { takeVouch } from './vouched-drafts.js';
import { isCoreBatch, type NewJobBatch } from './new-job-batch.js';
import { checkDueSchedules, checkScheduleDelete, checkScheduleName, checkScheduleQuery, checkScheduleRecord, checkScheduleUpdate } from './schedule-input.js';
import { SCHEDULE_STORE_METHODS, type ScheduleStore } from './schedule-store.js';
import { checkControlType, checkCountStarts, checkTypeControl } from './flow-input.js';
import { FLOW_STORE_METHODS, type FlowStore } from './flow-store.js';

/**
 * The brand every copy of core (ESM and CommonJS builds, two versions side by side) puts on the
 * guards it makes, as a non-enumerable own property: a guard made by another copy is recognised
 * too, and not wrapped (and checked) twice. A registered symbol: the same in every copy.
 */
const GUARD_BRAND = Symbol.for('jobtrail.guardedStore');

/** Whether `store` is a guard, made by this copy of core or another. */
function isGuard(store: object): boolean {
  try {
    return Object.hasOwn(store, GUARD_BRAND);
  } catch {
    return false;
  }
}

// How each operation's arguments are named when reading them fails (see `unreadableInput`).
const JOB: ArgumentNames = [['job', '']];
const JOBS: ArgumentNames = [['jobs', 'jobs']];
const BATCH: ArgumentNames = [['batch', 'batch']];
const READ_OPTIONS: ArgumentNames = [['options', '']];
const TRANSITION: ArgumentNames = [['expected', 'expected'], ['patch', '']];
const REQUEST: ArgumentNames = [['request', '']];
const HEARTBEAT: ArgumentNames = [['owner', ''], ['ids', 'ids'], ['expiresAt', '']];
const FIND_EXPIRED: ArgumentNames = [['now', ''], ['limit', '']];
const PROGRESS: ArgumentNames = [['patch', ''], ['owner', ''], ['attempt', '']];
const INCREMENT: ArgumentNames = [['deltas', 'deltas'], ['updatedAt', ''], ['owner', ''], ['attempt', '']];
const FILTER: ArgumentNames = [['filter', '']];
const NONE: ArgumentNames = [];
const SCHEDULE: ArgumentNames = [['schedule', '']];
const NAME: ArgumentNames = [['name', '']];
const SCHEDULE_QUERY: ArgumentNames = [['query', '']];
const DUE: ArgumentNames = [['now', ''], ['limit', '']];
const DELETE_SCHEDULE: ArgumentNames = [['name', ''], ['expectedVersion', '']];
const SCHEDULE_UPDATE: ArgumentNames = [['name', ''], ['expectedVersion', ''], ['patch', '']];
const CONTROL_TYPE: ArgumentNames = [['type', '']];
const PUT_CONTROL: ArgumentNames = [['control', ''], ['expectedVersion', '']];
const ACTIVITY: ArgumentNames = [['query', '']];
const COUNT_STARTS: ArgumentNames = [['type', ''], ['since', ''], ['group', '']];
/**
 * Each store's one wrapper: trackers sharing a store share it too, and with it whatever core keys
 * by store (the measured clock offset). Weak, so a store and its wrapper are collected together.
 */
const wrappers = new WeakMap<object, JobStore>();

/**
 * Wraps a store so that everything a store must not have to decide for itself is done once, in
 * core, the same way for every store (in the manner of an adapter factory):
 *
 * - **Input.** Every operation's arguments are checked before the store is called (see
 *   `store-input.ts`): job records, patches, expectations, claims, progress patches, fences,
 *   metric deltas, filters, page sizes and cursors, prune requests and read options. Bad input is
 *   refused with `JobValidationError` (`invalid_input`, naming the field) and nothing is written.
 *   Jobs core itself has just drafted from checked input (a single-use vouch, see
 *   `vouched-drafts.ts`) are not checked twice; any other job, the same object again included, is.
 * - **Ids.** A job id that is not a lowercase UUID names no job (insert refuses such ids), so
 *   `get`, `transition`, `updateProgress` and `incrementMetrics` answer "not there" without asking
 *   the store, and `heartbeat` renews only the ids that are job ids.
 * - **Open.** Once the store says it is `closed`, every call is refused with `StoreError`.
 * - **Errors.** Whatever the store throws that is not a jobtrail error becomes a `StoreError`
 *   naming the operation, with the original as `cause`. A store's own mapping (a unique violation
 *   to `invalid_input`, a lost connection to `StoreError`) runs first and passes through as it is.
 *
 * The store itself keeps only what its database adds (integer widths, index sizes, query-language
 * quirks). The wrapper has exactly the store's optional members (`limits`, `serverTime`, `activity`,
 * `subscribe`, `subscribeChanges`) and nothing else of it. Wrapping a wrapped store answers it unchanged (a tracker
 * given a guarded store does not check twice), whichever copy of core made the guard (the
 * `Symbol.for('jobtrail.guardedStore')` brand), and wrapping the same store twice answers the same
 * wrapper. Input whose reading throws is refused as bad input (see `unreadableInput`). Valid input costs the checks and nothing more: no
 * copies, no per-call closures.
 *
 * @example
 * const store = guardStore(new MyJobStore());
 * await store.insert(job); // JobValidationError for a bad job, before MyJobStore sees it
 */
export function guardStore(store: JobStore): JobStore {
  if (store === null || typeof store !== 'object') {
    throw new JobValidationError('store', `must be a job store (an object implementing JobStore); got ${String(store)}.`);
  }
  if (isGuard(store)) return store;
  const existing = wrappers.get(store);
  if (existing !== undefined) return existing;
  const label = describeStore(store);
  const open = (): void => {
    if (store.closed === true) throw new StoreError(`The job store ${label} is closed; create a new store to keep working.`);
  };
  const failure = (error: unknown, operation: string): JobtrailError => {
    if (JobtrailError.isInstance(error)) return error;
    return new StoreError(`The job store ${label} failed in ${operation}: ${describeError(error)}`, { cause: error });
  };
  // One rejection handler per operation, made once: a call costs one derived promise, no closure.
  const failed = (operation: string) => (error: unknown): never => {
    throw failure(error, operation);
  };
  const onFailure = {
    insert: failed('insert'),
    get: failed('get'),
    transition: failed('transition'),
    claim: failed('claim'),
    heartbeat: failed('heartbeat'),
    findExpired: failed('findExpired'),
    updateProgress: failed('updateProgress'),
    incrementMetrics: failed('incrementMetrics'),
    query: failed('query'),
    count: failed('count'),
    sumMetrics: failed('sumMetrics'),
    prune: failed('prune'),
    insertMany: failed('insertMany'),
    insertNewJobs: failed('insertNewJobs'),
    close: failed('close'),
    serverTime: failed('serverTime'),
    insertSchedule: failed('insertSchedule'),
    getSchedule: failed('getSchedule'),
    listSchedules: failed('listSchedules'),
    dueSchedules: failed('dueSchedules'),
    nextScheduleRunAt: failed('nextScheduleRunAt'),
    updateSchedule: failed('updateSchedule'),
    deleteSchedule: failed('deleteSchedule'),
    getTypeControl: failed('getTypeControl'),
    listTypeControls: failed('listTypeControls'),
    putTypeControl: failed('putTypeControl'),
    countStarts: failed('countStarts'),
    activity: failed('activity'),
  } as const;
  /**
   * Calls `method` of the store with up to five arguments (passed one by one: no arguments array)
   * and answers its promise with failures mapped: one promise and one tick more than its own. A
   * store that throws instead of rejecting is mapped too.
   */
  // Only the store's own say-so: an object that merely inherits from such a store (a test double
  // made with Object.create, overriding an operation) is mapped.
  const passThrough = Object.hasOwn(store, 'mapsErrors') && store.mapsErrors === true;
  const forward = <T>(
    operation: keyof typeof onFailure,
    method: (...args: never[]) => Promise<T>,
    a?: unknown,
    b?: unknown,
    c?: unknown,
    d?: unknown,
    e?: unknown,
  ): Promise<T> => {
    let answer: Promise<T>;
    try {
      answer = (method as (...args: unknown[]) => Promise<T>).call(store, a, b, c, d, e);
    } catch (error) {
      return Promise.reject(failure(error, operation));
    }
    return passThrough ? answer : Promise.resolve(answer).then(undefined, onFailure[operation]);
  };

  /**
   * Undefined when the store is open and `check` accepts the arguments (passed one by one),
   * else the rejection to answer: a refused call never reaches the store. Input whose reading
   * throws (a proxy's trap, a getter) is bad input: `JobValidationError` naming what could not be
   * read (`names`), never the raw error. A jobtrail error passes as it is.
   */
  const refused = (
    check: (a: never, b: never, c: never, d: never) => unknown,
    names: ArgumentNames,
    a?: unknown,
    b?: unknown,
    c?: unknown,
    d?: unknown,
  ): Promise<never> | undefined => {
    try {
      open();
      (check as (...args: unknown[]) => unknown)(a, b, c, d);
      return undefined;
    } catch (error) {
      return Promise.reject(JobtrailError.isInstance(error) ? error : unreadableInput(error, names, a, b, c, d));
    }
  };

  const guard: { -readonly [K in keyof JobStore]: JobStore[K] } = {
    get closed() {
      return store.closed === true;
    },

    insert(job, options) {
      return refused(takeVouch(job) ? checkNothing : checkJob, JOB, job) ?? forward('insert', store.insert, job, options);
    },

    get(id, options) {
      const refusal = refused(checkReadOptions, READ_OPTIONS, options);
      if (refusal !== undefined) return refusal;
      return isUuid(id) ? forward('get', store.get, id, options) : Promise.resolve(null);
    },

    transition(id, expected, patch) {
      const refusal = refused(checkTransition, TRANSITION, expected, patch);
      if (refusal !== undefined) return refusal;
      return isUuid(id) ? forward('transition', store.transition, id, expected, patch) : Promise.resolve({ ok: false, reason: 'not_found' });
    },

    claim(request) {
      return refused(checkClaim, REQUEST, request) ?? forward('claim', store.claim, request);
    },

    heartbeat(owner, ids, expiresAt) {
      let wanted: readonly string[];
      try {
        open();
        wanted = checkHeartbeat(owner, ids, expiresAt);
      } catch (error) {
        return Promise.reject(JobtrailError.isInstance(error) ? error : unreadableInput(error, HEARTBEAT, owner, ids, expiresAt));
      }
      if (wanted.length === 0) return Promise.resolve([]);
      return forward('heartbeat', store.heartbeat, owner, wanted, expiresAt);
    },

    findExpired(now, limit) {
      const refusal = refused(checkFindExpired, FIND_EXPIRED, now, limit);
      if (refusal !== undefined) return refusal;
      return limit === 0 ? Promise.resolve([]) : forward('findExpired', store.findExpired, now, limit);
    },

    updateProgress(id, patch, owner, attempt) {
      const refusal = refused(checkProgress, PROGRESS, patch, owner, attempt);
      if (refusal !== undefined) return refusal;
      return isUuid(id) ? forward('updateProgress', store.updateProgress, id, patch, owner, attempt) : Promise.resolve(false);
    },

    incrementMetrics(id, deltas, updatedAt, owner, attempt) {
      const refusal = refused(checkIncrement, INCREMENT, deltas, updatedAt, owner, attempt);
      if (refusal !== undefined) return refusal;
      return isUuid(id) ? forward('incrementMetrics', store.incrementMetrics, id, deltas, updatedAt, owner, attempt) : Promise.resolve(null);
    },

    query(filter) {
      return refused(checkQuery, FILTER, filter) ?? forward('query', store.query, filter);
    },

    count(filter) {
      return refused(checkFilter, FILTER, filter) ?? forward('count', store.count, filter);
    },

    sumMetrics(filter) {
      return refused(checkFilter, FILTER, filter) ?? forward('sumMetrics', store.sumMetrics, filter);
    },

    prune(request) {
      return refused(checkPrune, REQUEST, request) ?? forward('prune', store.prune, request);
    },

    close() {
      return forward('close', store.close);
    },
  };

  if (store.limits !== undefined) guard.limits = store.limits;
  if (typeof store.insertMany === 'function') {
    const insertMany = store.insertMany;
    guard.insertMany = (jobs, options) =>
      refused(takeVouch(jobs) ? checkNothing : checkJobs, JOBS, jobs) ?? (jobs.length === 0 ? Promise.resolve({ results: [] }) : forward('insertMany', insertMany, jobs, options));
    if (typeof store.insertNewJobs === 'function') {
      const insertNewJobs = store.insertNewJobs;
      const checkedInsertMany = guard.insertMany;
      guard.insertNewJobs = (batch, options) => {
        // Core's own batch holds checked values only, in arrays nobody else holds: passed as it is.
        if (isCoreBatch(batch)) {
          return refused(checkNothing, NONE) ?? (batch.length === 0 ? Promise.resolve({ results: [] }) : forward('insertNewJobs', insertNewJobs, batch, options));
        }
        // Another copy of core's batch, or a caller's: the jobs it stands for, checked in full.
        let jobs: Job[];
        try {
          jobs = jobsOfBatch(batch);
        } catch (error) {
          return refused(() => {
            throw error;
          }, BATCH, batch)!;
        }
        return checkedInsertMany(jobs, options);
      };
    }
  }
  const schedules = scheduleMethods(store, label);
  if (schedules !== null) {
    guard.insertSchedule = (record) =>
      refused(checkScheduleRecord, SCHEDULE, record) ?? forward('insertSchedule', schedules.insertSchedule, record);
    guard.getSchedule = (name) => refused(checkScheduleName, NAME, name) ?? forward('getSchedule', schedules.getSchedule, name);
    guard.listSchedules = (query) =>
      refused(checkScheduleQuery, SCHEDULE_QUERY, query) ?? forward('listSchedules', schedules.listSchedules, query);
    guard.dueSchedules = (now, limit) =>
      refused(checkDueSchedules, DUE, now, limit) ?? forward('dueSchedules', schedules.dueSchedules, now, limit);
    guard.nextScheduleRunAt = () => refused(checkNothing, NONE) ?? forward('nextScheduleRunAt', schedules.nextScheduleRunAt);
    guard.updateSchedule = (name, expectedVersion, patch) =>
      refused(checkScheduleUpdate, SCHEDULE_UPDATE, name, expectedVersion, patch) ??
      forward('updateSchedule', schedules.updateSchedule, name, expectedVersion, patch);
    guard.deleteSchedule = (name, expectedVersion) =>
      refused(checkScheduleDelete, DELETE_SCHEDULE, name, expectedVersion) ?? forward('deleteSchedule', schedules.deleteSchedule, name, expectedVersion);
  }
  const flow = flowMethods(store, label);
  if (flow !== null) {
    guard.getTypeControl = (type) => refused(checkControlType, CONTROL_TYPE, type) ?? forward('getTypeControl', flow.getTypeControl, type);
    guard.listTypeControls = () => refused(checkNothing, NONE) ?? forward('listTypeControls', flow.listTypeControls);
    guard.putTypeControl = (control, expectedVersion) =>
      refused(checkTypeControl, PUT_CONTROL, control, expectedVersion) ?? forward('putTypeControl', flow.putTypeControl, control, expectedVersion);
    guard.countStarts = (type, since, group) =>
      refused(checkCountStarts, COUNT_STARTS, type, since, group) ?? forward('countStarts', flow.countStarts, type, since, group);
  }
  if (typeof store.activity === 'function') {
    const activity = store.activity;
    guard.activity = (query) => refused(checkActivity, ACTIVITY, query) ?? forward('activity', activity, query);
  }
  if (typeof store.serverTime === 'function') {
    guard.serverTime = () => refused(checkNothing, NONE) ?? forward('serverTime', store.serverTime!);
  }
  if (typeof store.subscribe === 'function') {
    const subscribe = store.subscribe;
    guard.subscribe = (listener: (event: StoreWakeEvent) => void) => {
      open();
      if (typeof listener !== 'function') throw new JobValidationError('listener', 'must be a function.');
      try {
        return subscribe.call(store, listener);
      } catch (error) {
        throw failure(error, 'subscribe');
      }
    };
  }
  if (typeof store.subscribeChanges === 'function') {
    const subscribeChanges = store.subscribeChanges;
    guard.subscribeChanges = (listener: JobChangeListener) => {
      open();
      if (typeof listener !== 'function') throw new JobValidationError('listener', 'must be a function.');
      try {
        return subscribeChanges.call(store, listener);
      } catch (error) {
        throw failure(error, 'subscribeChanges');
      }
    };
  }
  Object.defineProperty(guard, GUARD_BRAND, { value: true });
  wrappers.set(store, guard);
  return guard;
}

function checkNothing(): void {}

/**
 * The store's schedule methods when it has all of them, null when it has none.
 *
 * @throws {JobValidationError} (`invalid_input`, field `store`) for a store with only some: a
 *   scheduler half served would lose ticks.
 */
function scheduleMethods(store: JobStore, label: string): ScheduleStore | null {
  const present = SCHEDULE_STORE_METHODS.filter((method) => typeof store[method] === 'function');
  if (present.length === 0) return null;
  if (present.length < SCHEDULE_STORE_METHODS.length) {
    const missing = SCHEDULE_STORE_METHODS.filter((method) => !present.includes(method));
    throw new JobValidationError('store', `${label} has some of the schedule methods but not ${missing.join(', ')}: implement all of ScheduleStore or none.`);
  }
  return store as JobStore & ScheduleStore;
}

/**
 * The store's flow-control methods when it has all of them, null when it has none.
 *
 * @throws {JobValidationError} (`invalid_input`, field `store`) for a store with only some.
 */
function flowMethods(store: JobStore, label: string): FlowStore | null {
  const present = FLOW_STORE_METHODS.filter((method) => typeof store[method] === 'function');
  if (present.length === 0) return null;
  if (present.length < FLOW_STORE_METHODS.length) {
    const missing = FLOW_STORE_METHODS.filter((method) => !present.includes(method));
    throw new JobValidationError('store', `${label} has some of the flow-control methods but not ${missing.join(', ')}: implement all of FlowStore or none.`);
  }
  return store as JobStore & FlowStore;
}

/** `MemoryJobStore "orders"`: the class, and the store's own name where it has one. */
function describeStore(store: JobStore): string {
  let kind = 'JobStore';
  let name: unknown;
  try {
    const constructorName: unknown = (store as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof constructorName === 'string' && constructorName !== '' && constructorName !== 'Object') kind = constructorName;
    name = (store as { name?: unknown }).name ?? (store as { collectionName?: unknown }).collectionName;
  } catch {
    // A store whose getters throw is still wrapped; it is only named less precisely.
  }
  return typeof name === 'string' ? `${kind} "${name}"` : kind;
}

/**
 * Whether `store` keeps schedules. One method is enough to ask: a guarded store (every tracker's)
 * has all of them or none (`guardStore` refuses a store with only some).
 */
export function keepsSchedules(store: JobStore): store is JobStore & ScheduleStore {
  return typeof store.dueSchedules === 'function';
}

/** Whether `store` has flow control (see `keepsSchedules` for why one method is enough to ask). */
export function keepsFlowControl(store: JobStore): store is JobStore & FlowStore {
  return typeof store.putTypeControl === 'function';
}

/** The jobs a batch not made by this copy of core stands for: `batch.job(i)` for each index. */
function jobsOfBatch(batch: NewJobBatch): Job[] {
  const length: unknown = batch === null || typeof batch !== 'object' ? undefined : batch.length;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > MAX_INSERT_MANY || typeof batch.job !== 'function') {
    throw new JobValidationError('batch', `must be a batch of at most ${MAX_INSERT_MANY} new jobs ({ length, job(index) }); got ${String(batch)}.`);
  }
  const jobs = new Array<Job>(length);
  for (let index = 0; index < length; index++) jobs[index] = batch.job(index);
  return jobs;
}
