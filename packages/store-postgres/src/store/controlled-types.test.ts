import { describe, expect, it } from 'vitest';
import { ControlledTypes } from './controlled-types.js';

/** A loader answering what `sets` holds when called, on a clock the test moves. */
function setup(maxAgeMs = 1000) {
  let time = 0;
  const answers: string[][] = [[]];
  const pending: Array<(types: string[]) => void> = [];
  let manual = false;
  let loads = 0;
  const cache = new ControlledTypes(
    () => {
      loads++;
      if (manual) return new Promise<string[]>((resolve) => pending.push(resolve));
      return Promise.resolve(answers[0]!);
    },
    maxAgeMs,
    () => time,
  );
  return {
    cache,
    loads: () => loads,
    advance: (ms: number) => {
      time += ms;
    },
    answer: (types: string[]) => {
      answers[0] = types;
    },
    holdLoads: () => {
      manual = true;
    },
    /** Answers the oldest held load. */
    release: (types: string[]) => pending.shift()!(types),
  };
}

describe('ControlledTypes', () => {
  it('reads the set on first use, then again only once it is older than maxAgeMs', async () => {
    const t = setup();
    t.answer(['a']);
    expect(await t.cache.anyOf(['a', 'b'])).toBe(true);
    expect(await t.cache.anyOf(['b'])).toBe(false);
    expect(t.loads()).toBe(1);
    t.answer([]);
    t.advance(1000);
    expect(await t.cache.anyOf(['a'])).toBe(true);
    t.advance(1);
    expect(await t.cache.anyOf(['a'])).toBe(false);
    expect(t.loads()).toBe(2);
  });

  it('reads it again at the next use after invalidate()', async () => {
    const t = setup();
    expect(await t.cache.anyOf(['a'])).toBe(false);
    t.answer(['a']);
    t.cache.invalidate();
    expect(await t.cache.anyOf(['a'])).toBe(true);
    expect(t.loads()).toBe(2);
  });

  it('shares one read among concurrent uses', async () => {
    const t = setup();
    t.holdLoads();
    const uses = [t.cache.anyOf(['a']), t.cache.anyOf(['b']), t.cache.anyOf(['c'])];
    t.release(['b']);
    expect(await Promise.all(uses)).toEqual([false, true, false]);
    expect(t.loads()).toBe(1);
  });

  it('does not keep as fresh a read that began before an invalidation', async () => {
    const t = setup();
    t.holdLoads();
    const early = t.cache.anyOf(['a']);
    // A limits write lands while the read is under way: the read may predate it.
    t.cache.invalidate();
    const late = t.cache.anyOf(['a']);
    expect(t.loads()).toBe(2);
    t.release([]);
    t.release(['a']);
    expect(await early).toBe(false);
    expect(await late).toBe(true);
    // The second read counts as fresh; the first does not replace it.
    expect(await t.cache.anyOf(['a'])).toBe(true);
    expect(t.loads()).toBe(2);
  });

  it('answers a failed read as a failed use, and reads again at the next', async () => {
    let fail = true;
    const cache = new ControlledTypes(async () => {
      if (fail) throw new Error('connection lost');
      return ['a'];
    }, 1000);
    await expect(cache.anyOf(['a'])).rejects.toThrow('connection lost');
    fail = false;
    expect(await cache.anyOf(['a'])).toBe(true);
  });
});
