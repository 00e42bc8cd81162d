import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createTracker } from '../tracker/tracker.js';
import { createWorker } from './worker.js';
import { setup, stopWorkers } from './worker.test-support.js';

afterEach(stopWorkers);

describe('worker', () => {
  it('runOnce without maxDurationMs waits for slots without a timer (no overflowing timeouts, no busy loop)', async () => {
    const tracker = createTracker({ store: new MemoryJobStore(), recoverIntervalMs: false });
    await Promise.all([1, 2, 3].map((n) => tracker.enqueue('slow', { n })));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    let claims = 0;
    const worker = createWorker({
      tracker,
      concurrency: 1,
      keepAlive: false,
      handlers: { slow: () => new Promise((resolve) => setTimeout(resolve, 30)) },
    });
    worker.events.on('claimed', () => claims++);
    const summary = await worker.runOnce();
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(summary).toMatchObject({ stoppedBy: 'empty', completed: 3 });
    expect(warnings).toEqual([]);
    expect(claims).toBe(3);
    await tracker.close();
  });

  it('runOnce rides out an unreachable store: outcomes land, it never rejects, and it ends', async () => {
    const base = new MemoryJobStore();
    let failClaims = 1;
    let failOutcomes = 2;
    const store = Object.assign(Object.create(base) as MemoryJobStore, {
      claim: (...args: Parameters<MemoryJobStore['claim']>) =>
        failClaims-- > 0 ? Promise.reject(new Error('connect ECONNREFUSED')) : base.claim(...args),
      transition: (...args: Parameters<MemoryJobStore['transition']>) =>
        args[2].status === 'completed' && failOutcomes-- > 0 ? Promise.reject(new Error('read ECONNRESET')) : base.transition(...args),
    });
    const tracker = createTracker({ store, recoverIntervalMs: false });
    const jobs = await Promise.all([1, 2, 3].map((n) => tracker.enqueue('t', { n })));
    // The first claim fails with nothing running: the run ends at once, and says why.
    const first = await createWorker({ tracker, handlers: { t: () => 'ok' }, keepAlive: false }).runOnce();
    expect(first).toMatchObject({ stoppedBy: 'storeError', claimed: 0 });
    // Outcome writes fail twice: they are retried, and the run ends when everything is done.
    const second = await createWorker({ tracker, handlers: { t: () => 'ok' }, keepAlive: false }).runOnce({ maxDurationMs: 30_000 });
    expect(second).toMatchObject({ stoppedBy: 'empty', claimed: 3, completed: 3 });
    for (const job of jobs) expect(await tracker.get(job.id)).toMatchObject({ status: 'completed', result: 'ok', attempt: 1 });
    await tracker.close();
  });

  it('runOnce drains more jobs than its slots even when handlers finish synchronously', async () => {
    const { tracker, worker } = setup();
    for (let i = 0; i < 45; i++) await tracker.enqueue('sync', i);
    const seen = new Set<unknown>();
    const summary = await worker({ concurrency: 10, batchSize: 10, handlers: { sync: (ctx) => void seen.add(ctx.job.payload) } }).runOnce();
    expect(summary).toMatchObject({ claimed: 45, completed: 45, stoppedBy: 'empty' });
    expect(seen.size).toBe(45);
  });

  it('runOnce honours maxJobs and reports outcomes', async () => {
    const { tracker, worker } = setup();
    for (let i = 0; i < 5; i++) await tracker.enqueue('n', i, { maxAttempts: 1 });
    const w = worker({
      handlers: {
        n: (ctx) => {
          if (ctx.job.payload === 1) throw new Error('odd one');
          if (ctx.job.payload === 2) ctx.skip('nothing to do');
        },
      },
    });
    const first = await w.runOnce({ maxJobs: 3 });
    expect(first).toMatchObject({ claimed: 3, completed: 1, failed: 1, skipped: 1, stoppedBy: 'maxJobs' });
    const rest = await w.runOnce();
    expect(rest).toMatchObject({ claimed: 2, completed: 2, stoppedBy: 'empty' });
  });

  it('runOnce forgets a job it handed back; the abandoned handler returning later frees no extra slot and writes nothing', async () => {
    const tracker = createTracker({ store: new MemoryJobStore(), recoverIntervalMs: false });
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    let hungReturned = false;
    let active = 0;
    let most = 0;
    const worker = createWorker({
      tracker,
      concurrency: 1,
      keepAlive: false,
      handlers: {
        t: async (ctx) => {
          if (ctx.job.payload === 'hang') {
            // Ignores its signal.
            await gate;
            hungReturned = true;
            return 'late';
          }
          active++;
          most = Math.max(most, active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active--;
          return 'ok';
        },
      },
    });
    const hung = await tracker.enqueue('t', 'hang');
    const first = await worker.runOnce({ maxDurationMs: 100 });
    expect(first).toMatchObject({ claimed: 1, released: 1, stoppedBy: 'maxDurationMs' });
    expect(worker.running).toEqual([]);
    const released = await tracker.get(hung.id);
    expect(released).toMatchObject({ status: 'queued', attempt: 1, lease: null });

    // The slot was given back with the job: a second run works with exactly one slot.
    const jobs = await Promise.all([1, 2, 3].map((n) => tracker.enqueue('t', n)));
    finish();
    await vi.waitFor(() => expect(hungReturned).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await tracker.get(hung.id)).toEqual(released);
    const second = await worker.runOnce({ maxDurationMs: 10_000 });
    expect(second).toMatchObject({ claimed: 4, completed: 4, stoppedBy: 'empty' });
    expect(most).toBe(1);
    expect(worker.running).toEqual([]);
    for (const job of jobs) expect(await tracker.get(job.id)).toMatchObject({ status: 'completed', result: 'ok' });
    await tracker.close();
  });
});
