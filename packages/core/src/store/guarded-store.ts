import { JobtrailError, JobValidationError, StoreError } from '../errors/jobtrail-error.js';
import { assertStorableDate } from '../tracker/validate-input.js';
import { isUuid } from '../util/uuid-v7.js';
import { checkReadOptions } from './field-reads.js';
import type { JobStore, StoreWakeEvent } from './job-store.js';
import {
  checkClaim,
  checkDeltas,
  checkExpectation,
  checkFence,
  checkFilter,
  checkFindExpired,
  checkHeartbeat,
  checkJob,
  checkPatch,
  checkProgressPatch,
  checkPrune,
  checkQuery,
} from './store-input.js';

/** The stores `guardStore` made: wrapping one again answers it as it is. */
const guarded = new WeakSet<object>();
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
 * - **Ids.** A job id that is not a lowercase UUID names no job (insert refuses such ids), so
 *   `get`, `transition`, `updateProgress` and `incrementMetrics` answer "not there" without asking
 *   the store, and `heartbeat` renews only the ids that are job ids.
 * - **Open.** Once the store says it is `closed`, every call is refused with `StoreError`.
 * - **Errors.** Whatever the store throws that is not a jobtrail error becomes a `StoreError`
 *   naming the operation, with the original as `cause`. A store's own mapping (a unique violation
 *   to `invalid_input`, a lost connection to `StoreError`) runs first and passes through as it is.
 *
 * The store itself keeps only what its database adds (integer widths, index sizes, query-language
 * quirks). The wrapper has exactly the store's optional members (`limits`, `serverTime`,
 * `subscribe`) and nothing else of it. Wrapping a wrapped store answers it unchanged (a tracker
 * given a guarded store does not check twice), and wrapping the same store twice answers the same
 * wrapper. Valid input costs the checks and nothing more: no
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
  if (guarded.has(store)) return store;
  const existing = wrappers.get(store);
  if (existing !== undefined) return existing;
  const label = describeStore(store);
  const open = (): void => {
    if (store.closed === true) throw new StoreError(`The job store ${label} is closed; create a new store to keep working.`);
  };
  const failure = (error: unknown, operation: string): JobtrailError => {
    if (JobtrailError.isInstance(error)) return error;
    return new StoreError(`The job store ${label} failed in ${operation}: ${describeFailure(error)}`, { cause: error });
  };

  const guard: { -readonly [K in keyof JobStore]: JobStore[K] } = {
    get closed() {
      return store.closed === true;
    },

    async insert(job, options) {
      open();
      checkJob(job);
      try {
        return await store.insert(job, options);
      } catch (error) {
        throw failure(error, 'insert');
      }
    },

    async get(id, options) {
      open();
      if (options !== undefined) checkReadOptions(options);
      if (!isUuid(id)) return null;
      try {
        return await (options === undefined ? store.get(id) : store.get(id, options));
      } catch (error) {
        throw failure(error, 'get');
      }
    },

    async transition(id, expected, patch) {
      open();
      checkExpectation(expected);
      checkPatch(patch);
      if (!isUuid(id)) return { ok: false, reason: 'not_found' };
      try {
        return await store.transition(id, expected, patch);
      } catch (error) {
        throw failure(error, 'transition');
      }
    },

    async claim(request) {
      open();
      checkClaim(request);
      try {
        return await store.claim(request);
      } catch (error) {
        throw failure(error, 'claim');
      }
    },

    async heartbeat(owner, ids, expiresAt) {
      open();
      const wanted = checkHeartbeat(owner, ids, expiresAt);
      if (wanted.length === 0) return [];
      try {
        return await store.heartbeat(owner, wanted, expiresAt);
      } catch (error) {
        throw failure(error, 'heartbeat');
      }
    },

    async findExpired(now, limit) {
      open();
      checkFindExpired(now, limit);
      if (limit === 0) return [];
      try {
        return await store.findExpired(now, limit);
      } catch (error) {
        throw failure(error, 'findExpired');
      }
    },

    async updateProgress(id, patch, owner, attempt) {
      open();
      checkProgressPatch(patch);
      checkFence(owner, attempt);
      if (!isUuid(id)) return false;
      try {
        return await store.updateProgress(id, patch, owner, attempt);
      } catch (error) {
        throw failure(error, 'updateProgress');
      }
    },

    async incrementMetrics(id, deltas, updatedAt, owner, attempt) {
      open();
      checkDeltas(deltas);
      assertStorableDate(updatedAt, 'updatedAt');
      checkFence(owner, attempt);
      if (!isUuid(id)) return null;
      try {
        return await store.incrementMetrics(id, deltas, updatedAt, owner, attempt);
      } catch (error) {
        throw failure(error, 'incrementMetrics');
      }
    },

    async query(filter) {
      open();
      checkQuery(filter);
      try {
        return await store.query(filter);
      } catch (error) {
        throw failure(error, 'query');
      }
    },

    async count(filter) {
      open();
      checkFilter(filter);
      try {
        return await store.count(filter);
      } catch (error) {
        throw failure(error, 'count');
      }
    },

    async sumMetrics(filter) {
      open();
      checkFilter(filter);
      try {
        return await store.sumMetrics(filter);
      } catch (error) {
        throw failure(error, 'sumMetrics');
      }
    },

    async prune(request) {
      open();
      checkPrune(request);
      try {
        return await store.prune(request);
      } catch (error) {
        throw failure(error, 'prune');
      }
    },

    async close() {
      try {
        await store.close();
      } catch (error) {
        throw failure(error, 'close');
      }
    },
  };

  if (store.limits !== undefined) guard.limits = store.limits;
  if (typeof store.serverTime === 'function') {
    const serverTime = store.serverTime;
    guard.serverTime = async () => {
      open();
      try {
        return await serverTime.call(store);
      } catch (error) {
        throw failure(error, 'serverTime');
      }
    };
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
  guarded.add(guard);
  wrappers.set(store, guard);
  return guard;
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

function describeFailure(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'an error that cannot be shown';
  }
}
