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
    close: failed('close'),
    serverTime: failed('serverTime'),
  } as const;
  /** The store's answer with its failures mapped: one promise and one tick more than its own. */
  const mapped = <T>(answer: Promise<T>, operation: keyof typeof onFailure): Promise<T> =>
    Promise.resolve(answer).then(undefined, onFailure[operation]);

  const guard: { -readonly [K in keyof JobStore]: JobStore[K] } = {
    get closed() {
      return store.closed === true;
    },

    insert(job, options) {
      try {
        open();
        checkJob(job);
      } catch (error) {
        return Promise.reject(error);
      }
      let answer: ReturnType<JobStore['insert']>;
      try {
        answer = store.insert(job, options);
      } catch (error) {
        return Promise.reject(failure(error, 'insert'));
      }
      return mapped(answer, 'insert');
    },

    get(id, options) {
      try {
        open();
        if (options !== undefined) checkReadOptions(options);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!isUuid(id)) return Promise.resolve(null);
      let answer: ReturnType<JobStore['get']>;
      try {
        answer = options === undefined ? store.get(id) : store.get(id, options);
      } catch (error) {
        return Promise.reject(failure(error, 'get'));
      }
      return mapped(answer, 'get');
    },

    transition(id, expected, patch) {
      try {
        open();
        checkExpectation(expected);
        checkPatch(patch);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!isUuid(id)) return Promise.resolve({ ok: false, reason: 'not_found' });
      let answer: ReturnType<JobStore['transition']>;
      try {
        answer = store.transition(id, expected, patch);
      } catch (error) {
        return Promise.reject(failure(error, 'transition'));
      }
      return mapped(answer, 'transition');
    },

    claim(request) {
      try {
        open();
        checkClaim(request);
      } catch (error) {
        return Promise.reject(error);
      }
      let answer: ReturnType<JobStore['claim']>;
      try {
        answer = store.claim(request);
      } catch (error) {
        return Promise.reject(failure(error, 'claim'));
      }
      return mapped(answer, 'claim');
    },

    heartbeat(owner, ids, expiresAt) {
      let wanted: readonly string[];
      try {
        open();
        wanted = checkHeartbeat(owner, ids, expiresAt);
      } catch (error) {
        return Promise.reject(error);
      }
      if (wanted.length === 0) return Promise.resolve([]);
      let answer: ReturnType<JobStore['heartbeat']>;
      try {
        answer = store.heartbeat(owner, wanted, expiresAt);
      } catch (error) {
        return Promise.reject(failure(error, 'heartbeat'));
      }
      return mapped(answer, 'heartbeat');
    },

    findExpired(now, limit) {
      try {
        open();
        checkFindExpired(now, limit);
      } catch (error) {
        return Promise.reject(error);
      }
      if (limit === 0) return Promise.resolve([]);
      let answer: ReturnType<JobStore['findExpired']>;
      try {
        answer = store.findExpired(now, limit);
      } catch (error) {
        return Promise.reject(failure(error, 'findExpired'));
      }
      return mapped(answer, 'findExpired');
    },

    updateProgress(id, patch, owner, attempt) {
      try {
        open();
        checkProgressPatch(patch);
        checkFence(owner, attempt);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!isUuid(id)) return Promise.resolve(false);
      let answer: ReturnType<JobStore['updateProgress']>;
      try {
        answer = store.updateProgress(id, patch, owner, attempt);
      } catch (error) {
        return Promise.reject(failure(error, 'updateProgress'));
      }
      return mapped(answer, 'updateProgress');
    },

    incrementMetrics(id, deltas, updatedAt, owner, attempt) {
      try {
        open();
        checkDeltas(deltas);
        assertStorableDate(updatedAt, 'updatedAt');
        checkFence(owner, attempt);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!isUuid(id)) return Promise.resolve(null);
      let answer: ReturnType<JobStore['incrementMetrics']>;
      try {
        answer = store.incrementMetrics(id, deltas, updatedAt, owner, attempt);
      } catch (error) {
        return Promise.reject(failure(error, 'incrementMetrics'));
      }
      return mapped(answer, 'incrementMetrics');
    },

    query(filter) {
      try {
        open();
        checkQuery(filter);
      } catch (error) {
        return Promise.reject(error);
      }
      let answer: ReturnType<JobStore['query']>;
      try {
        answer = store.query(filter);
      } catch (error) {
        return Promise.reject(failure(error, 'query'));
      }
      return mapped(answer, 'query');
    },

    count(filter) {
      try {
        open();
        checkFilter(filter);
      } catch (error) {
        return Promise.reject(error);
      }
      let answer: ReturnType<JobStore['count']>;
      try {
        answer = store.count(filter);
      } catch (error) {
        return Promise.reject(failure(error, 'count'));
      }
      return mapped(answer, 'count');
    },

    sumMetrics(filter) {
      try {
        open();
        checkFilter(filter);
      } catch (error) {
        return Promise.reject(error);
      }
      let answer: ReturnType<JobStore['sumMetrics']>;
      try {
        answer = store.sumMetrics(filter);
      } catch (error) {
        return Promise.reject(failure(error, 'sumMetrics'));
      }
      return mapped(answer, 'sumMetrics');
    },

    prune(request) {
      try {
        open();
        checkPrune(request);
      } catch (error) {
        return Promise.reject(error);
      }
      let answer: ReturnType<JobStore['prune']>;
      try {
        answer = store.prune(request);
      } catch (error) {
        return Promise.reject(failure(error, 'prune'));
      }
      return mapped(answer, 'prune');
    },

    close() {
      let answer: ReturnType<JobStore['close']>;
      try {
        answer = store.close();
      } catch (error) {
        return Promise.reject(failure(error, 'close'));
      }
      return mapped(answer, 'close');
    },
  };

  if (store.limits !== undefined) guard.limits = store.limits;
  if (typeof store.serverTime === 'function') {
    guard.serverTime = () => {
      try {
        open();
      } catch (error) {
        return Promise.reject(error);
      }
      let answer: Promise<Date>;
      try {
        answer = store.serverTime!();
      } catch (error) {
        return Promise.reject(failure(error, 'serverTime'));
      }
      return mapped(answer, 'serverTime');
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
