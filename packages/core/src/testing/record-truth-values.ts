import { expect, it } from 'vitest';
import type { RecordTruth } from './record-truth-harness.js';
import { uniqueName } from './make-job.js';
import { expectJobtrailError } from './store-contract-options.js';

/** Values no store can keep or no one can read (NUL characters, overflowing metrics, hostile payloads): refused up front or recorded sanitised. */
export function recordTruthValues(truth: RecordTruth): void {
  const { setup, teardown, settled } = truth;

  it('completes a job whose result holds text no store can keep: the result is dropped, the note says so, the handler ran once', async () => {
    const { tracker, errors, work } = setup();
    const type = uniqueName('truth.nul-result');
    let runs = 0;
    work({ [type]: () => { runs++; return { text: 'a\u0000b' }; } });
    const job = await tracker.enqueue(type, null, { maxAttempts: 3 });
    const done = await settled(tracker, job.id);
    await teardown();
    expect(done).toMatchObject({ status: 'completed', result: null, attempt: 1 });
    expect(done.note).toMatch(/result was not stored/);
    expect(runs).toBe(1);
    expect(errors.some((e) => e.operation === 'complete')).toBe(true);
  });

  it('records an error whose texts hold NUL characters, sanitised, and fails it after its attempts', async () => {
    const { tracker, work } = setup();
    const type = uniqueName('truth.nul-error');
    let runs = 0;
    work({ [type]: () => { runs++; throw Object.assign(new Error('x\u0000'), { code: 'E\u0000' }); } });
    const job = await tracker.enqueue(type, null, { maxAttempts: 1 });
    const done = await settled(tracker, job.id);
    await teardown();
    expect(done.status).toBe('failed');
    expect(done.error?.message).toBe('x\uFFFD');
    expect(typeof done.error?.code === 'string' && !done.error.code.includes('\u0000')).toBe(true);
    expect(runs).toBe(1);
  });

  it('refuses a NUL in a note or a stage inside the handler with invalid_input, and records that failure', async () => {
    const { tracker, work } = setup();
    const type = uniqueName('truth.nul-note');
    const codes: string[] = [];
    work({
      [type]: (ctx) => {
        for (const call of [() => ctx.note('n\u0000'), () => ctx.progress(0.5, 'p\u00001')]) {
          try {
            call();
          } catch (error) {
            codes.push((error as { code: string }).code);
          }
        }
        ctx.note('n\u0000');
      },
    });
    const job = await tracker.enqueue(type, null, { maxAttempts: 1 });
    const done = await settled(tracker, job.id);
    await teardown();
    expect(codes).toEqual(['invalid_input', 'invalid_input']);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'invalid_input' } });
  });

  it('records a string message for anything thrown: a revoked Proxy, a throwing getter, an object message', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const throwingCode = Object.defineProperty(new Error('with a bad code'), 'code', { get() { throw new Error('getter'); } });
    const objectMessage = Object.assign(new Error(), { message: { nested: true } as unknown as string });
    const { tracker, work } = setup();
    const types = [proxy, throwingCode, objectMessage].map((thrown) => [uniqueName('truth.thrown'), thrown] as const);
    work(Object.fromEntries(types.map(([type, thrown]) => [type, () => { throw thrown; }])));
    const jobs = await Promise.all(types.map(([type]) => tracker.enqueue(type, null, { maxAttempts: 1 })));
    const done = await Promise.all(jobs.map((job) => settled(tracker, job.id)));
    await teardown();
    for (const job of done) {
      expect(job.status).toBe('failed');
      expect(typeof job.error?.message).toBe('string');
      expect(job.error!.message.length).toBeGreaterThan(0);
    }
  });

  it('refuses text no store can keep before anything is written, naming the field', async () => {
    const { tracker } = setup();
    const type = uniqueName('truth.refuse');
    await expectJobtrailError(() => tracker.enqueue(type, { rows: [{ name: 'a\u0000' }] }), 'invalid_input');
    await expectJobtrailError(() => tracker.enqueue(type, null, { metadata: { ['k\u0000']: 1 } }), 'invalid_input');
    await expectJobtrailError(() => tracker.enqueue(type, null, { key: 'k\uD800' }), 'invalid_input');
    await expectJobtrailError(() => tracker.enqueue(`${type}\u0000`, null), 'invalid_input');
    await expectJobtrailError(() => tracker.enqueue(type, null, { runAt: new Date(Date.UTC(-5000, 0, 1)) }), 'invalid_input');
    await expect(tracker.enqueue(type, { rows: [{ name: 'a\u0000' }] })).rejects.toThrow(/payload\.rows\[0\]\.name/);
    expect((await tracker.list({ type })).jobs).toEqual([]);
    await teardown();
  });

  it('keeps metric names such as constructor and __proto__ as plain metrics, and refuses an increment that overflows', async () => {
    const { tracker, work } = setup();
    const type = uniqueName('truth.metric-names');
    const codes: string[] = [];
    work({
      [type]: (ctx) => {
        ctx.metrics.increment('constructor', 2);
        ctx.metrics.increment('__proto__', 1);
        ctx.metrics.increment('big', 1e308);
        try {
          ctx.metrics.increment('big', 1e308);
        } catch (error) {
          codes.push((error as { code: string }).code);
        }
        return 1;
      },
    });
    const job = await tracker.enqueue(type, null, { maxAttempts: 1 });
    const done = await settled(tracker, job.id);
    await teardown();
    expect(codes).toEqual(['invalid_input']);
    expect(done).toMatchObject({ status: 'completed', result: 1, note: null });
    expect(Object.entries(done.metrics).sort()).toEqual([['__proto__', 1], ['big', 1e308], ['constructor', 2]]);
  });

  it('refuses a by-id increment that would overflow, keeps the stored value, and the rollup still reads', async () => {
    const { tracker } = setup();
    const type = uniqueName('truth.metric-overflow');
    const parent = await tracker.create(type);
    const child = await tracker.create(type, { parentId: parent.id });
    expect(await tracker.incrementMetrics(child.id, { big: 1e308, rows: 1 })).toEqual({ big: 1e308, rows: 1 });
    await expectJobtrailError(() => tracker.incrementMetrics(child.id, { rows: 1, big: 1e308 }), 'invalid_input');
    expect((await tracker.get(child.id))?.metrics).toEqual({ big: 1e308, rows: 1 });
    expect((await tracker.rollup(parent.id)).metrics).toEqual({ big: 1e308, rows: 1 });
    await teardown();
  });

  it('refuses payloads it cannot read or that are nested beyond what the store holds, naming the field', async () => {
    const { tracker } = setup();
    const type = uniqueName('truth.unreadable');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    class Stamp extends Date {}
    const deep: unknown[] = [];
    let level = deep;
    for (let i = 0; i < 1_100; i++) {
      const next: unknown[] = [];
      level.push(next);
      level = next;
    }
    const cases: unknown[] = [
      { rows: [{ get name() { throw new Error('getter'); } }] },
      { rows: [proxy] },
      { at: new Stamp() },
      { at: Object.assign(new Date(), { toJSON: () => 'x\u0000' }) },
      deep,
    ];
    for (const payload of cases) {
      await expectJobtrailError(() => tracker.enqueue(type, payload), 'invalid_input');
    }
    await expect(tracker.enqueue(type, { rows: [{ get name() { throw new Error('getter'); } }] })).rejects.toThrow(/payload\.rows\[0\]/);
    expect((await tracker.list({ type })).jobs).toEqual([]);
    await teardown();
  });
}
