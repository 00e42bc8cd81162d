import { describe, expect, it } from 'vitest';
import { JobValidationError, StoreError } from '../errors/jobtrail-error.js';
import { createFakeClock, type FakeClock } from '../testing/fake-clock.js';
import { StoreClock } from './store-clock.js';

const START = Date.UTC(2030, 0, 1);

/**
 * One scripted answer of the store's clock: the store reads its clock `readAtMs` after the
 * request left, its clock being `offsetMs` ahead of the local one, and the answer arrives
 * `roundTripMs` after the request left. Or an error to throw, or a raw value to answer.
 */
type Step = { offsetMs: number; roundTripMs?: number; readAtMs?: number } | { fail: unknown } | { answer: unknown };

/**
 * A time source driven by a script. With a round trip it moves the fake clock itself, so it may
 * only be used for measurements started outside `clock.advance` (the first one, or `sync()`).
 */
function scriptedSource(clock: FakeClock, steps: Step[]) {
  const calls: number[] = [];
  const source = async (): Promise<Date> => {
    calls.push(clock.now());
    const step = steps.shift();
    if (step === undefined) throw new Error('the script has no more answers');
    if ('fail' in step) throw step.fail;
    if ('answer' in step) return step.answer as Date;
    const roundTrip = step.roundTripMs ?? 0;
    const readAt = step.readAtMs ?? roundTrip / 2;
    if (readAt > 0) await clock.advance(readAt);
    const server = clock.now() + step.offsetMs;
    if (roundTrip - readAt > 0) await clock.advance(roundTrip - readAt);
    return new Date(server);
  };
  return { source, calls };
}

function collectErrors() {
  const errors: unknown[] = [];
  return { errors, onError: (error: unknown) => errors.push(error) };
}

describe('StoreClock', () => {
  it('tells local time plus the measured offset, in ms', async () => {
    const base = createFakeClock(START);
    const { source } = scriptedSource(base, [{ offsetMs: 40_000 }, { offsetMs: 40_000 }, { offsetMs: 40_000 }]);
    const clock = new StoreClock({ base, source });
    await clock.ready();
    expect(clock.offsetMs).toBe(40_000);
    expect(clock.roundTripMs).toBe(0);
    expect(clock.now()).toBe(base.now() + 40_000);
    await base.advance(1234);
    expect(clock.now()).toBe(START + 1234 + 40_000);
    clock.stop();
  });

  it('reads 0 before the first measurement has finished, and a negative offset when the store is behind', async () => {
    const base = createFakeClock(START);
    const { source } = scriptedSource(base, [{ offsetMs: -2500, roundTripMs: 100 }]);
    const clock = new StoreClock({ base, source, samples: 1 });
    expect(clock.offsetMs).toBe(0);
    expect(clock.now()).toBe(START);
    await clock.ready();
    // Measured -2500 over a 100 ms round trip: the offset nearest zero within ±50 ms.
    expect(clock.offsetMs).toBe(-2450);
    expect(clock.now()).toBe(base.now() - 2450);
    clock.stop();
  });

  it('keeps the sample with the smallest round trip', async () => {
    const base = createFakeClock(START);
    // The store's clock is 40 s ahead; slow round trips with lopsided legs misjudge it by up to half the trip.
    const { source, calls } = scriptedSource(base, [
      { offsetMs: 40_000, roundTripMs: 400, readAtMs: 350 }, // measures 40_150
      { offsetMs: 40_000, roundTripMs: 20, readAtMs: 12 }, // measures 40_002
      { offsetMs: 40_000, roundTripMs: 300, readAtMs: 0 }, // measures 39_850
    ]);
    const clock = new StoreClock({ base, source });
    await clock.ready();
    expect(calls).toHaveLength(3);
    // 40_002 measured over 20 ms: 39_992 is the offset nearest zero it allows.
    expect(clock.offsetMs).toBe(39_992);
    expect(clock.roundTripMs).toBe(20);
    clock.stop();
  });

  it('reads 0 for a store on the same clock, however lopsided a slow round trip was', async () => {
    const base = createFakeClock(START);
    const { source } = scriptedSource(base, [{ offsetMs: 0, roundTripMs: 400, readAtMs: 350 }]); // measures +150
    const clock = new StoreClock({ base, source, samples: 1 });
    await clock.ready();
    expect(clock.offsetMs).toBe(0);
    clock.stop();
  });

  it('takes as many samples as asked', async () => {
    const base = createFakeClock(START);
    const { source, calls } = scriptedSource(base, Array.from({ length: 5 }, () => ({ offsetMs: 7 })));
    const clock = new StoreClock({ base, source, samples: 5 });
    await clock.ready();
    expect(calls).toHaveLength(5);
    clock.stop();
  });

  it('resolves ready() after a failed first measurement, keeps offset 0, reports, and tries again at the next resync', async () => {
    const base = createFakeClock(START);
    const down = new Error('connection refused');
    const { source, calls } = scriptedSource(base, [{ fail: down }, { offsetMs: 3000 }, { offsetMs: 3000 }, { offsetMs: 3000 }]);
    const { errors, onError } = collectErrors();
    const clock = new StoreClock({ base, source, onError, resyncMs: 5000 });
    await clock.ready();
    // A measurement stops at its first failure: the store is likely unreachable.
    expect(calls).toHaveLength(1);
    expect(errors).toEqual([down]);
    expect(clock.offsetMs).toBe(0);
    expect(clock.roundTripMs).toBeUndefined();
    await base.advance(5000);
    expect(calls).toHaveLength(4);
    expect(clock.offsetMs).toBe(3000);
    expect(errors).toHaveLength(1);
    clock.stop();
  });

  it('keeps the old offset when a resync fails, and reports the failure', async () => {
    const base = createFakeClock(START);
    const refused = new Error('ECONNRESET');
    const { source } = scriptedSource(base, [{ offsetMs: 5000 }, { fail: refused }, { offsetMs: 9000 }]);
    const { errors, onError } = collectErrors();
    const clock = new StoreClock({ base, source, onError, samples: 1, resyncMs: 1000 });
    await clock.ready();
    expect(clock.offsetMs).toBe(5000);
    await base.advance(1000);
    expect(errors).toEqual([refused]);
    expect(clock.offsetMs).toBe(5000);
    expect(clock.now()).toBe(base.now() + 5000);
    await base.advance(1000);
    expect(clock.offsetMs).toBe(9000);
    clock.stop();
  });

  it('uses the samples taken before a failure within one measurement', async () => {
    const base = createFakeClock(START);
    const flaky = new Error('timeout');
    const { source, calls } = scriptedSource(base, [{ offsetMs: 1500 }, { fail: flaky }, { offsetMs: 99 }]);
    const { errors, onError } = collectErrors();
    const clock = new StoreClock({ base, source, onError });
    await clock.ready();
    expect(calls).toHaveLength(2);
    expect(clock.offsetMs).toBe(1500);
    expect(errors).toEqual([flaky]);
    clock.stop();
  });

  it('refuses an answer that is not a valid time (the offset would not be finite)', async () => {
    const base = createFakeClock(START);
    const { source } = scriptedSource(base, [
      { offsetMs: 250 },
      { answer: new Date(Number.NaN) },
      { answer: '2030-01-01T00:00:00Z' },
      { answer: null },
      { answer: new Date(Number.MAX_VALUE) },
    ]);
    const { errors, onError } = collectErrors();
    const clock = new StoreClock({ base, source, onError, samples: 1, resyncMs: 100 });
    await clock.ready();
    expect(clock.offsetMs).toBe(250);
    await base.advance(400);
    expect(errors).toHaveLength(4);
    for (const error of errors) {
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toMatch(/not a valid time/);
    }
    expect(clock.offsetMs).toBe(250);
    clock.stop();
  });

  it('gives up on an answer that does not come within timeoutMs', async () => {
    const base = createFakeClock(START);
    const { errors, onError } = collectErrors();
    let calls = 0;
    const clock = new StoreClock({
      base,
      source: () => {
        calls += 1;
        return new Promise<Date>(() => {});
      },
      onError,
      timeoutMs: 2000,
    });
    let ready = false;
    void clock.ready().then(() => {
      ready = true;
    });
    await base.advance(1999);
    expect(ready).toBe(false);
    await base.advance(1);
    expect(ready).toBe(true);
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StoreError);
    expect((errors[0] as Error).message).toMatch(/did not answer within 2000 ms/);
    expect(clock.offsetMs).toBe(0);
    clock.stop();
  });

  it('resyncs every resyncMs (default 60 s) and follows a changing offset', async () => {
    const base = createFakeClock(START);
    let storeAhead = 1000;
    let calls = 0;
    const clock = new StoreClock({
      base,
      source: async () => {
        calls += 1;
        return new Date(base.now() + storeAhead);
      },
      samples: 1,
    });
    await clock.ready();
    expect(clock.offsetMs).toBe(1000);
    storeAhead = 1800; // this process's clock drifted 800 ms behind
    await base.advance(59_999);
    expect(calls).toBe(1);
    expect(clock.offsetMs).toBe(1000);
    await base.advance(1);
    expect(calls).toBe(2);
    expect(clock.offsetMs).toBe(1800);
    await base.advance(60_000);
    expect(calls).toBe(3);
    clock.stop();
  });

  it('joins a measurement in flight, and reschedules the resync after an explicit sync()', async () => {
    const base = createFakeClock(START);
    let release: (() => void) | undefined;
    let calls = 0;
    const clock = new StoreClock({
      base,
      samples: 1,
      resyncMs: 10_000,
      source: () => {
        calls += 1;
        return new Promise<Date>((resolve) => {
          release = () => resolve(new Date(base.now() + 60));
        });
      },
    });
    expect(clock.sync()).toBe(clock.sync());
    expect(calls).toBe(1);
    release!();
    await clock.ready();
    expect(clock.offsetMs).toBe(60);
    await base.advance(4000);
    const manual = clock.sync();
    release!();
    await manual;
    expect(calls).toBe(2);
    // The next resync is 10 s after the explicit one, not after the first.
    await base.advance(9999);
    expect(calls).toBe(2);
    await base.advance(1);
    expect(calls).toBe(3);
    clock.stop();
  });

  it('stop() ends the resyncs; now() keeps the last offset and sync() still works on demand', async () => {
    const base = createFakeClock(START);
    let calls = 0;
    const clock = new StoreClock({
      base,
      samples: 1,
      resyncMs: 1000,
      source: async () => {
        calls += 1;
        return new Date(base.now() + 500 * calls);
      },
    });
    await clock.ready();
    await base.advance(1000);
    expect(calls).toBe(2);
    clock.stop();
    expect(base.pendingTimers()).toBe(0);
    await base.advance(600_000);
    expect(calls).toBe(2);
    expect(clock.offsetMs).toBe(1000);
    expect(clock.now()).toBe(base.now() + 1000);
    await clock.sync();
    expect(calls).toBe(3);
    expect(clock.offsetMs).toBe(1500);
    expect(base.pendingTimers()).toBe(0);
  });

  it('stop() during the first measurement: ready() still resolves, nothing is scheduled after', async () => {
    const base = createFakeClock(START);
    let release: (() => void) | undefined;
    const clock = new StoreClock({
      base,
      samples: 1,
      source: () => new Promise<Date>((resolve) => (release = () => resolve(new Date(base.now() + 42)))),
    });
    clock.stop();
    release!();
    await clock.ready();
    expect(clock.offsetMs).toBe(42);
    expect(base.pendingTimers()).toBe(0);
  });

  it('runs timers on the base clock (durations are not shifted by the offset)', async () => {
    const base = createFakeClock(START);
    const clock = new StoreClock({ base, samples: 1, source: async () => new Date(base.now() + 30_000) });
    await clock.ready();
    clock.stop();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 100);
    const cancelled = clock.setTimeout(() => fired.push(-1), 200);
    clock.clearTimeout(cancelled);
    await base.advance(1000);
    expect(fired).toEqual([START + 100 + 30_000]);
  });

  it('keeps working when onError throws', async () => {
    const base = createFakeClock(START);
    const { source } = scriptedSource(base, [{ fail: new Error('down') }]);
    const clock = new StoreClock({
      base,
      source,
      onError: () => {
        throw new Error('bad hook');
      },
    });
    await expect(clock.ready()).resolves.toBeUndefined();
    clock.stop();
  });

  it('refuses bad options with invalid_input', () => {
    const base = createFakeClock(START);
    const source = async () => new Date();
    const bad: unknown[] = [
      undefined,
      {},
      { source: 'now' },
      { source, base: {} },
      { source, resyncMs: 0 },
      { source, resyncMs: Number.POSITIVE_INFINITY },
      { source, samples: 0 },
      { source, samples: 1.5 },
      { source, samples: 11 },
      { source, timeoutMs: -1 },
      { source, onError: 'log' },
    ];
    for (const options of bad) {
      expect(() => new StoreClock({ base, ...(options as object) } as never), JSON.stringify(options)).toThrow(JobValidationError);
    }
    expect(() => new StoreClock(undefined as never)).toThrow(JobValidationError);
  });
});
