import { afterEach, describe, expect, it } from 'vitest';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { createWorker } from './worker.js';
import { setup, stopWorkers } from './worker.test-support.js';

afterEach(stopWorkers);

/** What `fn` threw, checked to be a `JobValidationError` naming `field`. */
function refusal(fn: () => unknown, field: string): JobValidationError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(JobValidationError.isInstance(thrown), `threw ${String(thrown)}`).toBe(true);
  expect((thrown as JobValidationError).field).toBe(field);
  return thrown as JobValidationError;
}

async function refusalOf(promise: Promise<unknown>, field: string): Promise<JobValidationError> {
  const thrown = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(JobValidationError.isInstance(thrown), `threw ${String(thrown)}`).toBe(true);
  expect((thrown as JobValidationError).field).toBe(field);
  return thrown as JobValidationError;
}

describe('worker options', () => {
  it('refuses anything but a tracker made by createTracker(), at construction', () => {
    const { tracker } = setup();
    const handlers = { t: () => 1 };
    const lookalikes: unknown[] = [
      undefined,
      null,
      'tracker',
      {},
      { attempts: {}, store: {} },
      { attempts: { run: () => {}, clock: {} }, store: { claim: () => {} } },
      { ...tracker, store: { ...tracker.store, claim: undefined } },
      { ...tracker, attempts: { run: tracker.attempts.run } },
      // Everything but the tracker's own methods (a spread copies no prototype methods).
      { ...tracker },
    ];
    for (const bad of lookalikes) {
      const error = refusal(() => createWorker({ tracker: bad as never, handlers }), 'tracker');
      expect(error.message).toBe('tracker: must be a tracker made by createTracker().');
    }
    expect(() => createWorker({ tracker, handlers, keepAlive: false })).not.toThrow();
  });

  it('refuses unknown worker options, naming the key and the allowed ones', () => {
    const { tracker } = setup();
    const error = refusal(() => createWorker({ tracker, handlers: { t: () => 1 }, concurency: 3 } as never), 'concurency');
    expect(error.message).toMatch(/^concurency: is not a worker option\. Known options: tracker, handlers, concurrency, /);
    expect(error.message).toContain('keepAlive');
    // Own keys only, whatever their name.
    refusal(() => createWorker({ tracker, handlers: { t: () => 1 }, ['__proto__']: 1 } as never), '__proto__');
    refusal(() => createWorker({ tracker, handlers: { t: () => 1 }, constructor: 1 } as never), 'constructor');
    refusal(() => createWorker({ tracker, handlers: { t: () => 1 }, store: tracker.store } as never), 'store');
  });

  it('refuses unknown keys of a handler definition, naming the type, the key and the allowed ones', () => {
    const { tracker } = setup();
    const error = refusal(() => createWorker({ tracker, handlers: { t: { handler: () => 1, maxAttempts: 0 } as never } }), 'handlers.t.maxAttempts');
    expect(error.message).toBe(
      'handlers.t.maxAttempts: is not a handler option. Known options: handler, concurrency, timeoutMs, backoff, classify.',
    );
    refusal(() => createWorker({ tracker, handlers: { t: { handler: () => 1, timeout: 5 } as never } }), 'handlers.t.timeout');
    refusal(() => createWorker({ tracker, handlers: { t: [() => 1] as never } }), 'handlers.t');
    // Every known key is taken.
    const worker = createWorker({
      tracker,
      keepAlive: false,
      handlers: { t: { handler: () => 1, concurrency: 2, timeoutMs: 1000, backoff: () => 0, classify: () => undefined } },
    });
    expect(worker.isRunning).toBe(false);
  });

  it('runOnce refuses options that are not an object, and unknown keys, before it claims anything', async () => {
    const { tracker, worker } = setup();
    const job = await tracker.enqueue('t', null);
    const w = worker({ handlers: { t: () => 1 } });
    for (const bad of [null, 5, 'fast', [], () => ({})]) {
      const error = await refusalOf(w.runOnce(bad as never), 'options');
      expect(error.message).toMatch(/^options: must be an object \{ maxJobs\?, maxDurationMs\? \}; got /);
    }
    const unknown = await refusalOf(w.runOnce({ bogus: 1 } as never), 'bogus');
    expect(unknown.message).toBe('bogus: is not a runOnce() option. Known options: maxJobs, maxDurationMs.');
    expect((await tracker.get(job.id))?.status).toBe('queued');
    // The refusals left the worker as it was: it still runs once.
    expect(await w.runOnce({ maxJobs: 1 })).toMatchObject({ claimed: 1, completed: 1 });
  });
});
