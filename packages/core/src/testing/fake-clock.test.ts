import { describe, expect, it, vi } from 'vitest';
import { createFakeClock } from './fake-clock.js';

describe('createFakeClock', () => {
  it('starts at the given time and only moves when advanced', async () => {
    const clock = createFakeClock(1000);
    expect(clock.now()).toBe(1000);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(clock.now()).toBe(1000);
    await clock.advance(250);
    expect(clock.now()).toBe(1250);
    expect(createFakeClock().now()).toBe(0);
  });

  it('runs due timers in time order, ties in scheduling order, with now() at their due time', async () => {
    const clock = createFakeClock(0);
    const log: string[] = [];
    clock.setTimeout(() => log.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => log.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => log.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`b2@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`late@${clock.now()}`), 31);
    await clock.advance(30);
    expect(log).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(clock.now()).toBe(30);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(1);
    expect(log.at(-1)).toBe('late@31');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('does not run timers before they are due', async () => {
    const clock = createFakeClock(0);
    const fn = vi.fn();
    clock.setTimeout(fn, 100);
    await clock.advance(99);
    expect(fn).not.toHaveBeenCalled();
    await clock.advance(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('treats zero, negative and NaN delays as due now', async () => {
    const clock = createFakeClock(5);
    const fn = vi.fn();
    clock.setTimeout(fn, 0);
    clock.setTimeout(fn, -10);
    clock.setTimeout(fn, Number.NaN);
    expect(fn).not.toHaveBeenCalled();
    await clock.advance(0);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(clock.now()).toBe(5);
  });

  it('clears timers and ignores unknown handles', async () => {
    const clock = createFakeClock(0);
    const fn = vi.fn();
    const handle = clock.setTimeout(fn, 10);
    clock.setTimeout(() => {}, 20);
    clock.clearTimeout(handle);
    clock.clearTimeout(handle);
    clock.clearTimeout({});
    clock.clearTimeout(undefined);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(100);
    expect(fn).not.toHaveBeenCalled();
  });

  it('runs timers scheduled by timers within the same advance when they fall due', async () => {
    const clock = createFakeClock(0);
    const ticks: number[] = [];
    const tick = (): void => {
      ticks.push(clock.now());
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    await clock.advance(35);
    expect(ticks).toEqual([10, 20, 30]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('lets promise chains started by a timer settle before the next timer runs', async () => {
    const clock = createFakeClock(0);
    const log: string[] = [];
    const step = async (n: number): Promise<void> => {
      await Promise.resolve();
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      log.push(`settled ${n} @${clock.now()}`);
    };
    // A poll loop: the next timer is scheduled only after several awaits.
    const poll = (n: number): void => {
      log.push(`poll ${n} @${clock.now()}`);
      void step(n).then(async () => {
        await null;
        if (n < 3) clock.setTimeout(() => poll(n + 1), 100);
      });
    };
    clock.setTimeout(() => poll(1), 100);
    await clock.advance(300);
    expect(log).toEqual(['poll 1 @100', 'settled 1 @100', 'poll 2 @200', 'settled 2 @200', 'poll 3 @300', 'settled 3 @300']);
  });

  it('settles promises before running the first timer of an advance', async () => {
    const clock = createFakeClock(0);
    const fired = vi.fn();
    void Promise.resolve()
      .then(() => undefined)
      .then(() => clock.setTimeout(fired, 10));
    await clock.advance(10);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('runAll runs everything, moving time to each due time', async () => {
    const clock = createFakeClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 5000);
    }, 1000);
    clock.setTimeout(() => seen.push(clock.now()), 200);
    await clock.runAll();
    expect(seen).toEqual([200, 1000, 6000]);
    expect(clock.now()).toBe(6000);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runAll refuses to spin forever on a self-rescheduling timer', async () => {
    const clock = createFakeClock(0);
    const forever = (): void => {
      clock.setTimeout(forever, 1);
    };
    clock.setTimeout(forever, 1);
    await expect(clock.runAll(50)).rejects.toThrow(/rescheduling itself/);
  });

  it('rejects negative or non-finite advances', async () => {
    const clock = createFakeClock(0);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    await expect(clock.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    expect(clock.now()).toBe(0);
  });

  it('propagates an error thrown by a timer callback from advance', async () => {
    const clock = createFakeClock(0);
    clock.setTimeout(() => {
      throw new Error('boom');
    }, 1);
    await expect(clock.advance(5)).rejects.toThrow('boom');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps working while vitest fake timers are installed', async () => {
    vi.useFakeTimers();
    try {
      const clock = createFakeClock(0);
      const fn = vi.fn();
      clock.setTimeout(fn, 50);
      await clock.advance(50);
      expect(fn).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
