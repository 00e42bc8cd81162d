import { inspect } from 'node:util';
import vm from 'node:vm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createJobsHandler } from '../http/create-jobs-handler.js';
import { HttpError } from '../http/http-error.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { JobStore } from '../store/job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { isJobtrailError } from '../testing/store-contract-options.js';
import { createTracker } from '../tracker/tracker.js';
import * as here from '../index.js';
import { classifyError } from './classify-error.js';
import { FatalJobError, RetryableJobError } from './job-errors.js';
import { JobConflictError, JobNotFoundError, JobtrailError, JobValidationError, StoreError, defineErrorKind } from './jobtrail-error.js';

type Core = typeof here;
const MARKER = Symbol.for('jobtrail.error');

/**
 * A second, independent copy of core (every module evaluated again): what an application gets when
 * a store was built against core's CommonJS build and the application imports the ES module
 * build, or when two versions are installed. Its classes are different objects from ours.
 */
async function loadAnotherCopy(): Promise<Core> {
  vi.resetModules();
  return (await import('../index.js')) as Core;
}

/** One instance of every error class core exports, built from `core`'s classes. */
function samples(core: Core): Array<[string, Error]> {
  return [
    ['JobtrailError', new core.JobtrailError('custom', 'custom')],
    ['JobNotFoundError', new core.JobNotFoundError('id-1')],
    ['InvalidTransitionError', new core.InvalidTransitionError('id-1', 'queued', 'completed')],
    ['JobConflictError', new core.JobConflictError('id-1', 'lost a race')],
    ['UnknownStatusError', new core.UnknownStatusError('done')],
    ['JobValidationError', new core.JobValidationError('payload', 'bad')],
    ['InvalidProgressError', new core.InvalidProgressError(2)],
    ['StoreError', new core.StoreError('down')],
    ['JobFinishedError', new core.JobFinishedError('id-1', 'completed', 'cancel')],
    ['FatalJobError', new core.FatalJobError('no')],
    ['RetryableJobError', new core.RetryableJobError('later')],
    ['JobAbortedError', new core.JobAbortedError('id-1', 'cancelled')],
    ['JobTimeoutError', new core.JobTimeoutError('id-1', 10)],
  ];
}

const classes = (core: Core) =>
  ({
    JobtrailError: core.JobtrailError,
    JobNotFoundError: core.JobNotFoundError,
    InvalidTransitionError: core.InvalidTransitionError,
    JobConflictError: core.JobConflictError,
    UnknownStatusError: core.UnknownStatusError,
    JobValidationError: core.JobValidationError,
    InvalidProgressError: core.InvalidProgressError,
    StoreError: core.StoreError,
    JobFinishedError: core.JobFinishedError,
    FatalJobError: core.FatalJobError,
    RetryableJobError: core.RetryableJobError,
    JobAbortedError: core.JobAbortedError,
    JobTimeoutError: core.JobTimeoutError,
  }) as Record<string, { isInstance(value: unknown): boolean }>;

let other: Core;
beforeAll(async () => {
  other = await loadAnotherCopy();
});

describe('isInstance across copies of core', () => {
  it('really has two copies: instanceof fails between them', () => {
    expect(other.JobNotFoundError).not.toBe(JobNotFoundError);
    expect(new other.JobNotFoundError('id-1') instanceof JobNotFoundError).toBe(false);
    expect(new JobNotFoundError('id-1') instanceof other.JobtrailError).toBe(false);
  });

  it('recognises an error of the same class from the other copy, both ways', () => {
    expect(JobNotFoundError.isInstance(new other.JobNotFoundError('id-1'))).toBe(true);
    expect(other.JobNotFoundError.isInstance(new JobNotFoundError('id-1'))).toBe(true);
    expect(JobtrailError.isInstance(new other.StoreError('down'))).toBe(true);
    expect(other.JobtrailError.isInstance(new StoreError('down'))).toBe(true);
  });

  it('tells every class apart: X.isInstance(error of Y) only for X = Y or X = JobtrailError', () => {
    for (const [mine, theirs] of [
      [here, other],
      [other, here],
    ] as const) {
      for (const [errorName, error] of samples(theirs)) {
        for (const [className, errorClass] of Object.entries(classes(mine))) {
          const expected = className === errorName || className === 'JobtrailError';
          expect(errorClass.isInstance(error), `${className}.isInstance(${errorName} of the other copy)`).toBe(expected);
        }
      }
    }
  });

  it('narrows the type, so the recognised error can be read without casts', () => {
    const error: unknown = new other.JobValidationError('payload', 'bad');
    if (!JobValidationError.isInstance(error)) throw new Error('not recognised');
    expect(error.field).toBe('payload');
    expect(error.code).toBe('invalid_input');
  });

  it('recognises errors of the client subpath, which a CommonJS app loads as a separate bundle', async () => {
    const client = await import('../client/index.js');
    const httpError = new client.JobsHttpError(404, 'job_not_found', 'gone');
    expect(client.JobsHttpError.isInstance(httpError)).toBe(true);
    expect(JobtrailError.isInstance(httpError)).toBe(true);
    expect(other.JobtrailError.isInstance(new client.JobsNetworkError('offline'))).toBe(true);
    expect(client.JobsNetworkError.isInstance(httpError)).toBe(false);
    expect(JobNotFoundError.isInstance(httpError)).toBe(false);
  });

  it('recognises an error made in another realm (vm context) that carries the marker', () => {
    // What a copy of core evaluated in another realm looks like: its own Error, the registry key.
    const foreign = vm.runInNewContext(`
      class JobtrailError extends Error {}
      Object.defineProperty(JobtrailError.prototype, Symbol.for('jobtrail.error'), { value: '@jobtrail/core:JobtrailError' });
      class JobNotFoundError extends JobtrailError {}
      Object.defineProperty(JobNotFoundError.prototype, Symbol.for('jobtrail.error'), { value: '@jobtrail/core:JobNotFoundError' });
      const error = new JobNotFoundError('Job x does not exist.');
      error.code = 'job_not_found';
      error;
    `) as unknown;
    expect(foreign instanceof Error).toBe(false);
    expect(JobNotFoundError.isInstance(foreign)).toBe(true);
    expect(JobtrailError.isInstance(foreign)).toBe(true);
    expect(JobConflictError.isInstance(foreign)).toBe(false);
  });
});

describe('isInstance refuses look-alikes', () => {
  class NamedLikeOurs extends Error {
    readonly code = 'job_not_found';
  }
  Object.defineProperty(NamedLikeOurs, 'name', { value: 'JobNotFoundError' });

  const lookAlikes: Array<[string, unknown]> = [
    ['a plain object with code, name and jobId', { code: 'job_not_found', name: 'JobNotFoundError', message: 'x', jobId: 'id-1' }],
    ['an Error with a jobtrail code and name', Object.assign(new Error('x'), { code: 'invalid_input', name: 'JobValidationError', field: 'deltas.x' })],
    ['an instance of a class named JobNotFoundError', new NamedLikeOurs('x')],
    ['a JSON round trip of a real error', JSON.parse(JSON.stringify(new JobNotFoundError('id-1')))],
    ['a structured clone of a real error', structuredClone(new JobNotFoundError('id-1'))],
    ['an object without prototype', Object.create(null)],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'job_not_found'],
    ['a number', 404],
    ['a function', () => undefined],
  ];

  it.each(lookAlikes)('%s is no JobtrailError', (_label, value) => {
    expect(JobtrailError.isInstance(value)).toBe(false);
    expect(JobNotFoundError.isInstance(value)).toBe(false);
    expect(JobValidationError.isInstance(value)).toBe(false);
    expect(isJobtrailError(value)).toBe(false);
  });

  it('never throws, not even for Proxies whose traps throw', () => {
    const hostile = new Proxy(new JobNotFoundError('id-1'), {
      getPrototypeOf() {
        throw new Error('trap');
      },
    });
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    expect(JobNotFoundError.isInstance(hostile)).toBe(false);
    expect(JobtrailError.isInstance(revocable.proxy)).toBe(false);
  });

  it('ends on a prototype chain that loops through a Proxy', () => {
    const looping: object = new Proxy(
      {},
      {
        getPrototypeOf: () => looping,
      },
    );
    expect(JobtrailError.isInstance(looping)).toBe(false);
  });
});

describe('subclasses', () => {
  it('a subclass without a kind of its own is its parent for isInstance, and checks itself with instanceof', () => {
    class PaymentDeclined extends FatalJobError {}
    const declined = new PaymentDeclined('card declined');
    expect(FatalJobError.isInstance(declined)).toBe(true);
    expect(other.FatalJobError.isInstance(declined)).toBe(true);
    expect(JobtrailError.isInstance(declined)).toBe(true);
    expect(PaymentDeclined.isInstance(declined)).toBe(true);
    expect(PaymentDeclined.isInstance(new FatalJobError('other'))).toBe(false);
    expect(RetryableJobError.isInstance(declined)).toBe(false);
  });

  it('defineErrorKind makes a subclass recognisable across copies', () => {
    class QuotaError extends JobtrailError {
      static {
        defineErrorKind(this, 'test-app:QuotaError');
      }
    }
    // The same class, as the other copy of the application code defines it.
    class TheirQuotaError extends other.JobtrailError {
      static {
        other.defineErrorKind(this, 'test-app:QuotaError');
      }
    }
    expect(QuotaError.isInstance(new TheirQuotaError('c', 'm'))).toBe(true);
    expect(TheirQuotaError.isInstance(new QuotaError('c', 'm'))).toBe(true);
    expect(QuotaError.isInstance(new JobtrailError('c', 'm'))).toBe(false);
    expect(JobtrailError.isInstance(new TheirQuotaError('c', 'm'))).toBe(true);
  });

  it('defineErrorKind accepts a subclass of the other copy’s JobtrailError', () => {
    class Theirs extends other.StoreError {}
    defineErrorKind(Theirs, 'test-app:Theirs');
    expect(other.StoreError.isInstance(new Theirs('x'))).toBe(true);
    expect(Theirs.isInstance(new Theirs('x'))).toBe(true);
  });

  it('defineErrorKind refuses a class that is no JobtrailError, an empty kind and a second kind', () => {
    class Plain extends Error {}
    const refusal = (action: () => void) => {
      try {
        action();
      } catch (error) {
        return JobValidationError.isInstance(error) ? error.field : `unexpected ${String(error)}`;
      }
      return 'accepted';
    };
    expect(refusal(() => defineErrorKind(Plain as never, 'x:Plain'))).toBe('errorClass');
    expect(refusal(() => defineErrorKind((() => undefined) as never, 'x:Arrow'))).toBe('errorClass');
    expect(refusal(() => defineErrorKind(null as never, 'x:Null'))).toBe('errorClass');
    class Fresh extends JobtrailError {}
    expect(refusal(() => defineErrorKind(Fresh, ''))).toBe('kind');
    expect(refusal(() => defineErrorKind(Fresh, 42 as never))).toBe('kind');
    expect(refusal(() => defineErrorKind(JobNotFoundError, 'x:Renamed'))).toBe('kind');
    expect(refusal(() => defineErrorKind(JobtrailError, 'x:Base'))).toBe('kind');
    expect(JobNotFoundError.isInstance(new JobNotFoundError('id-1'))).toBe(true);
  });

  it('isInstance detached from its class throws a TypeError that says how to call it', () => {
    const detached = JobNotFoundError.isInstance;
    expect(() => detached.call(undefined as never, new JobNotFoundError('id-1'))).toThrow(/JobNotFoundError\.isInstance\(error\)/);
  });
});

describe('the marker changes nothing visible', () => {
  it('is a non-enumerable, read-only property of the prototype, never of the instance', () => {
    for (const [, error] of samples(here)) {
      expect(Object.getOwnPropertySymbols(error)).toEqual([]);
      expect(Reflect.ownKeys(error).some((key) => typeof key === 'symbol')).toBe(false);
    }
    const descriptor = Object.getOwnPropertyDescriptor(JobNotFoundError.prototype, MARKER);
    expect(descriptor).toMatchObject({ value: '@jobtrail/core:JobNotFoundError', enumerable: false, writable: false, configurable: false });
  });

  it('JSON, spreading and inspect show the same fields as before', () => {
    const error = new JobNotFoundError('id-1');
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'JobNotFoundError', code: 'job_not_found', jobId: 'id-1' });
    expect(Object.keys({ ...error })).toEqual(['code', 'name', 'jobId']);
    expect(inspect(error)).not.toContain('jobtrail.error');
    expect(inspect(error, { showHidden: false })).toContain("code: 'job_not_found'");
    for (const key in error) expect(typeof key).toBe('string');
  });
});

describe('where core recognises errors from another copy', () => {
  const T0 = Date.UTC(2026, 5, 1, 12);

  /** A memory store whose `method` throws `error` (as a store built against another copy of core would). */
  function storeThrowing(method: keyof JobStore, error: unknown): JobStore {
    const store = new MemoryJobStore();
    return Object.assign(Object.create(store) as JobStore, { [method]: () => Promise.reject(error) });
  }

  async function answer(store: JobStore, path: string, init: RequestInit = {}) {
    const errors: unknown[] = [];
    const tracker = createTracker({ store, clock: createFakeClock(T0) });
    const handler = createJobsHandler({ tracker, authorize: () => ({ admin: true }), onError: (error) => errors.push(error) });
    const response = await handler(new Request(`http://jobs.test${path}`, init));
    const body = (await response.json()) as { error: { code: string; message: string } };
    return { status: response.status, code: body.error.code, errors };
  }
  const ID = '01890000-0000-7000-8000-000000000001';

  it('the HTTP handler answers 404 for the other copy’s JobNotFoundError', async () => {
    const got = await answer(storeThrowing('get', new other.JobNotFoundError(ID)), `/jobs/${ID}`);
    expect(got).toMatchObject({ status: 404, code: 'job_not_found', errors: [] });
  });

  it('the HTTP handler answers 400 for the other copy’s JobValidationError', async () => {
    const got = await answer(storeThrowing('query', new other.JobValidationError('cursor', 'does not decode')), '/jobs');
    expect(got).toMatchObject({ status: 400, code: 'invalid_input', errors: [] });
  });

  it('the HTTP handler answers 409 for the other copy’s InvalidTransitionError and JobConflictError', async () => {
    const store = new MemoryJobStore();
    const tracker = createTracker({ store, clock: createFakeClock(T0) });
    const job = await tracker.create('reports.build', {});
    for (const error of [new other.InvalidTransitionError(job.id, 'queued', 'cancelled'), new other.JobConflictError(job.id, 'raced')]) {
      const failing = Object.assign(Object.create(store) as JobStore, { transition: () => Promise.reject(error) });
      const got = await answer(failing, `/jobs/${job.id}/cancel`, { method: 'POST' });
      expect(got).toMatchObject({ status: 409, code: error.code, errors: [] });
    }
  });

  it('the HTTP handler answers the other copy’s HttpError with its own status', async () => {
    const got = await answer(storeThrowing('get', new other.JobtrailError('x', 'y')), `/jobs/${ID}`);
    expect(got.status).toBe(500);
    const teapot = await answer(storeThrowing('get', new (await otherHttpError())(418, 'teapot', 'short and stout')), `/jobs/${ID}`);
    expect(teapot).toMatchObject({ status: 418, code: 'teapot', errors: [] });
  });

  it('the HTTP handler answers 500 (and reports) for a look-alike with a jobtrail code', async () => {
    const lookAlike = Object.assign(new Error('x'), { code: 'job_not_found', name: 'JobNotFoundError' });
    const got = await answer(storeThrowing('get', lookAlike), `/jobs/${ID}`);
    expect(got).toMatchObject({ status: 500, code: 'internal_error' });
    // No jobtrail error, so the store's wrapper (guardStore) reports it as the store's failure.
    expect(got.errors).toHaveLength(1);
    expect(StoreError.isInstance(got.errors[0])).toBe(true);
    expect((got.errors[0] as Error).cause).toBe(lookAlike);
    const storeError = new other.StoreError('connection reset');
    const down = await answer(storeThrowing('get', storeError), `/jobs/${ID}`);
    expect(down).toMatchObject({ status: 500, code: 'internal_error' });
    expect(down.errors).toEqual([storeError]);
  });

  it('classifyError fails at once on a subclass of the other copy’s FatalJobError', () => {
    class PaymentDeclined extends other.FatalJobError {}
    expect(classifyError(new PaymentDeclined('card declined'))).toMatchObject({ retryable: false, reason: 'fatal_error' });
    class SlowDown extends other.RetryableJobError {}
    expect(classifyError(new SlowDown('later', { retryAfterMs: 500 }))).toEqual({ retryable: true, retryAfterMs: 500, reason: 'retryable_error' });
  });

  it('the tracker drops the metric the other copy’s JobValidationError refuses, and writes the rest', async () => {
    const written = async (refusal: Error) => {
      const store = new MemoryJobStore();
      const refusing = Object.assign(Object.create(store) as JobStore, {
        incrementMetrics: (...args: Parameters<JobStore['incrementMetrics']>) =>
          'rows' in args[1] ? Promise.reject(refusal) : store.incrementMetrics(...args),
      });
      const clock = createFakeClock(T0);
      const tracker = createTracker({ store: refusing, clock, recoverIntervalMs: false });
      tracker.on('error', () => undefined);
      await tracker.track('reports.build', async (ctx) => {
        ctx.metrics.increment('rows', 7);
        ctx.metrics.increment('pages', 2);
        await ctx.flush();
        return 'ok';
      });
      return (await store.query({ limit: 1 })).jobs[0]?.metrics;
    };
    expect(await written(new other.JobValidationError('deltas.rows', 'would overflow'))).toEqual({ pages: 2 });
    // A look-alike is no refusal: the increments are kept and written with the outcome.
    const lookAlike = Object.assign(new Error('x'), { code: 'invalid_input', field: 'deltas.rows' });
    expect(await written(lookAlike)).toEqual({ rows: 7, pages: 2 });
  });

  it('the tracker writes the outcome without the result the other copy’s JobValidationError refuses', async () => {
    const settled = async (refusal: Error) => {
      const store = new MemoryJobStore();
      let refused = false;
      const refusing = Object.assign(Object.create(store) as JobStore, {
        transition: (...args: Parameters<JobStore['transition']>) => {
          if (!refused && args[2].status === 'completed') {
            refused = true;
            return Promise.reject(refusal);
          }
          return store.transition(...args);
        },
      });
      const clock = createFakeClock(T0);
      const tracker = createTracker({ store: refusing, clock, recoverIntervalMs: false });
      tracker.on('error', () => undefined);
      const tracked = tracker.track('reports.build', () => ({ rows: 3 }));
      await clock.advance(2_000);
      await tracked;
      return (await store.query({ limit: 1 })).jobs[0];
    };
    const degraded = await settled(new other.JobValidationError('result', 'too large for this store'));
    expect(degraded).toMatchObject({ status: 'completed', result: null });
    expect(degraded?.note).toMatch(/the result was not stored/);
    // A look-alike counts as an unreachable store: the same outcome is written again, result and all.
    const retried = await settled(Object.assign(new Error('x'), { code: 'invalid_input' }));
    expect(retried).toMatchObject({ status: 'completed', result: { rows: 3 }, note: null });
  });

  it('track() rethrows the other copy’s JobValidationError from the store even in safe mode', async () => {
    const refusal = new other.JobValidationError('payload', 'too large for this store');
    const tracker = createTracker({ store: storeThrowing('insert', refusal), clock: createFakeClock(T0) });
    await expect(tracker.track('reports.build', () => 'ran')).rejects.toBe(refusal);
    const down = createTracker({ store: storeThrowing('insert', new other.StoreError('down')), clock: createFakeClock(T0) });
    down.on('error', () => undefined);
    await expect(down.track('reports.build', () => 'ran')).resolves.toBe('ran');
  });
});

/** The other copy's HttpError (internal to core, so not on its index). */
async function otherHttpError(): Promise<typeof HttpError> {
  // The module registry was reset after `other` loaded; its http-error module is the one cached now.
  const module = (await import('../http/http-error.js')) as { HttpError: typeof HttpError };
  expect(module.HttpError).not.toBe(HttpError);
  return module.HttpError;
}
