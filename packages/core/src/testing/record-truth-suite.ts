import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import type { JobStore } from '../store/job-store.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import type { TrackerOptions } from '../tracker/tracker-options.js';
import { createWorker, type Worker } from '../worker/worker.js';
import type { WorkerOptions } from '../worker/worker-options.js';
import { uniqueName } from './make-job.js';
import { describeWithStore, expectJobtrailError, type StoreContractOptions } from './store-contract-options.js';

/** Polls `read` until `done` holds; generous by default so a slow machine never fails a test. */
async function waitUntil<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const finished = (job: Job | null) => job !== null && ['completed', 'failed', 'skipped', 'cancelled'].includes(job.status);

/**
 * The record stays true whatever the handler, the policies or the timing do: run by the tracker
 * and a worker over the store under test. Every outcome is written once, promptly, and a handler
 * that succeeded never runs again because of the store.
 */
export function recordTruthSuite(options: StoreContractOptions): void {
  describeWithStore('record truth (tracker and worker over the store)', options, (store) => {
    const open: Array<{ tracker: Tracker; worker?: Worker }> = [];

    function setup(trackerOptions: Partial<TrackerOptions> = {}) {
      const tracker = createTracker({ store: store(), recoverIntervalMs: false, ...trackerOptions });
      const entry: { tracker: Tracker; worker?: Worker } = { tracker };
      open.push(entry);
      const errors: Array<{ error: unknown; operation: string }> = [];
      tracker.on('error', (error, context) => errors.push({ error, operation: context.operation }));
      const work = (handlers: WorkerOptions['handlers'], workerOptions: Partial<WorkerOptions> = {}) => {
        entry.worker = createWorker({ tracker, handlers, pollIntervalMs: 20, keepAlive: false, ...workerOptions }).start();
        return entry.worker;
      };
      return { tracker, errors, work };
    }

    async function teardown(): Promise<void> {
      for (const { tracker, worker } of open.splice(0)) {
        await worker?.stop();
        await tracker.close();
      }
    }

    async function settled(tracker: Tracker, id: string): Promise<Job> {
      return (await waitUntil(() => tracker.get(id), finished)) as Job;
    }

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

    it('falls back to the default backoff when a backoff policy is broken, and reports it', async () => {
      for (const policy of [() => undefined, () => Number.NaN, () => -5, () => { throw new Error('policy bug'); }]) {
        const { tracker, errors, work } = setup({ backoff: policy as unknown as () => number });
        const type = uniqueName('truth.backoff');
        work({ [type]: () => { throw new Error('boom'); } });
        const job = await tracker.enqueue(type, null, { maxAttempts: 3 });
        const retrying = await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'retrying');
        await teardown();
        const delay = retrying!.runAt.getTime() - retrying!.updatedAt.getTime();
        // The default: exponential from 1 s, factor 2, full jitter (the poll may see a later attempt).
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(1_000 * 2 ** (retrying!.attempt - 1));
        expect(errors.map((e) => e.operation)).toContain('backoff');
      }
    });

    it('caps a Retry-After, absurd or out of range, at maxRetryAfterMs', async () => {
      for (const retryAfter of ['10000000000000', '31536000']) {
        const { tracker, work } = setup({ maxRetryAfterMs: 60_000 });
        const type = uniqueName('truth.retry-after');
        work({ [type]: () => { throw Object.assign(new Error('slow down'), { status: 429, headers: { 'retry-after': retryAfter } }); } });
        const job = await tracker.enqueue(type, null, { maxAttempts: 3 });
        const retrying = await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'retrying');
        await teardown();
        expect(retrying!.runAt.getTime() - retrying!.updatedAt.getTime()).toBe(60_000);
      }
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

    it('keeps a stale attempt out of the next one: cancel, retry, and the old handler writes nothing into the new run', async () => {
      const { tracker, errors, work } = setup();
      const type = uniqueName('truth.stale');
      const staleWrites: string[] = [];
      tracker.on('stale', (info) => staleWrites.push(info.operation));
      const stages: Array<string | null> = [];
      tracker.on('progress', (event) => stages.push(event.stage));
      let release!: () => void;
      const old = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      const secondStarted = { value: false };
      work({
        [type]: async (ctx) => {
          calls++;
          if (calls === 1) {
            await old; // ignores its AbortSignal
            ctx.progress(0.8, 'old attempt');
            ctx.metrics.increment('leads', 500);
            await ctx.flush();
            return 'old';
          }
          secondStarted.value = true;
          // The old attempt writes now, while this one runs: its writes must be dropped.
          await waitUntil(() => staleWrites.length, (n) => n > 0);
          ctx.progress(0.2, 'new attempt');
          ctx.metrics.increment('leads', 7);
          return 'new';
        },
      }, { concurrency: 2 });
      const job = await tracker.enqueue(type, null);
      await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'running');
      await tracker.cancel(job.id);
      await tracker.retry(job.id);
      await waitUntil(() => secondStarted.value, Boolean);
      release();
      const done = await settled(tracker, job.id);
      await teardown();
      expect(done).toMatchObject({ status: 'completed', result: 'new', metrics: { leads: 7 }, stage: 'new attempt', attempt: 2 });
      // Attempt 1 (cancelled) became history when the job was retried; attempt 2 is the job itself.
      expect(done.history.map((entry) => (entry.kind === 'attempt' ? `${entry.attempt}:${entry.outcome}` : 'retry'))).toEqual([
        '1:cancelled',
        'retry',
      ]);
      expect(errors.filter((e) => e.operation.startsWith('settle'))).toEqual([]);
      // The superseded attempt reported nothing: no event for its late progress.
      expect(stages).toEqual(['new attempt']);
    });

    it('starts a new attempt from no progress and no metrics, and keeps each attempt in history', async () => {
      const { tracker, work } = setup({ backoff: () => 0 });
      const type = uniqueName('truth.attempts');
      const seen: Array<{ progress: number; stage: string | null; metrics: Record<string, number> }> = [];
      work({
        [type]: async (ctx) => {
          seen.push({ progress: ctx.job.progress, stage: ctx.job.stage, metrics: { ...ctx.job.metrics } });
          ctx.progress(0.8, 'almost');
          ctx.metrics.increment('leadsProcessed', 500);
          await ctx.flush();
          if (ctx.attempt === 1) throw new Error('upstream 503');
        },
      });
      const job = await tracker.enqueue(type, null, { maxAttempts: 2 });
      const done = await settled(tracker, job.id);
      await teardown();
      expect(seen).toEqual([
        { progress: 0, stage: null, metrics: {} },
        { progress: 0, stage: null, metrics: {} },
      ]);
      expect(done).toMatchObject({ status: 'completed', attempt: 2, metrics: { leadsProcessed: 500 } });
      expect(done.history).toMatchObject([
        { kind: 'attempt', attempt: 1, outcome: 'retrying', progress: 0.8, stage: 'almost', metrics: { leadsProcessed: 500 }, error: { message: 'upstream 503' } },
      ]);
      const [first] = done.history as Array<{ startedAt: Date; finishedAt: Date }>;
      expect(first!.startedAt.getTime()).toBeLessThanOrEqual(first!.finishedAt.getTime());
      expect(first!.finishedAt.getTime()).toBeLessThanOrEqual(done.startedAt!.getTime());
    });

    it('records a manual retry as such and never renumbers or rewrites an earlier attempt', async () => {
      const { tracker, work } = setup();
      const type = uniqueName('truth.manual-retry');
      let calls = 0;
      work({ [type]: () => { calls++; if (calls === 1) throw new Error('first run fails'); return 'ok'; } });
      const job = await tracker.enqueue(type, null, { maxAttempts: 1 });
      const failed = await settled(tracker, job.id);
      expect(failed.history).toEqual([]);
      await tracker.retry(job.id);
      const done = await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'completed');
      await teardown();
      expect(done!.attempt).toBe(2);
      // The first run's record is kept exactly as it ended, then the retry is recorded.
      expect(done!.history).toEqual([
        {
          kind: 'attempt',
          attempt: 1,
          owner: null,
          startedAt: failed.startedAt,
          finishedAt: failed.finishedAt,
          outcome: 'failed',
          error: failed.error,
          progress: failed.progress,
          stage: failed.stage,
          metrics: failed.metrics,
        },
        { kind: 'retry', at: expect.any(Date), afterAttempt: 1 },
      ]);
      expect(done!.startedAt!.getTime()).toBeGreaterThanOrEqual(failed.finishedAt!.getTime());
    });

    it('emits no progress after a job finished, and every progress event carries the type', async () => {
      const { tracker } = setup();
      const type = uniqueName('truth.events');
      const events: Array<{ type: string; progress: number }> = [];
      tracker.on('progress', (event) => events.push({ type: event.type, progress: event.progress }));
      const job = await tracker.create(type);
      await tracker.start(job.id);
      tracker.progress(job.id, 0.5, 'half');
      await tracker.complete(job.id);
      tracker.progress(job.id, 0.9, 'late');
      let late!: () => void;
      await tracker.track(type, (ctx) => {
        late = () => ctx.progress(0.7, 'after return');
        ctx.progress(0.3);
      });
      late();
      // A job driven from elsewhere: this tracker learns its type from the store.
      const other = setup();
      const foreign = await tracker.create(type);
      await tracker.start(foreign.id);
      other.tracker.on('progress', (event) => events.push({ type: event.type, progress: event.progress }));
      other.tracker.progress(foreign.id, 0.4);
      await waitUntil(() => events.length, (n) => n >= 3);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await teardown();
      expect(events).toEqual([
        { type, progress: 0.5 },
        { type, progress: 0.3 },
        { type, progress: 0.4 },
      ]);
    });

    it('bounds runOnce by maxDurationMs: a handler that never settles is aborted and handed back', async () => {
      const { tracker } = setup();
      const type = uniqueName('truth.run-once');
      const worker = createWorker({ tracker, handlers: { [type]: () => new Promise(() => {}) }, shutdownGraceMs: 100, keepAlive: false });
      const job = await tracker.enqueue(type, null);
      const summary = await worker.runOnce({ maxDurationMs: 300 });
      await teardown();
      expect(summary.stoppedBy).toBe('maxDurationMs');
      expect(summary.released).toBe(1);
      expect(await tracker.get(job.id)).toMatchObject({ status: 'queued', attempt: 1, lease: null });
    });

    it('recovers a job started by hand whose process died, and renews one whose process lives', async () => {
      const crashed = setup({ leaseMs: 200 });
      const type = uniqueName('truth.manual-lease');
      const dead = await crashed.tracker.create(type, { maxAttempts: 1 });
      const started = await crashed.tracker.start(dead.id);
      expect(started.lease).not.toBeNull();
      await crashed.tracker.close(); // the process dies: nobody renews the lease any more
      const alive = setup({ leaseMs: 200 });
      const live = await alive.tracker.create(type);
      await alive.tracker.start(live.id);
      const recoverer = setup({ recoverIntervalMs: 50 });
      const recovered = await waitUntil(() => recoverer.tracker.get(dead.id), (j) => j?.status === 'failed');
      expect(recovered!.error?.code).toBe('lease_expired');
      expect(recovered!).toMatchObject({ attempt: 1, history: [] });
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await recoverer.tracker.get(live.id))!.status).toBe('running');
      const renewed = await recoverer.tracker.heartbeat(live.id, { leaseMs: 60_000 });
      expect(renewed.getTime()).toBeGreaterThan(Date.now() + 30_000);
      await alive.tracker.complete(live.id, { result: 'done' });
      await expectJobtrailError(() => recoverer.tracker.heartbeat(live.id), 'invalid_transition');
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

    it('keeps a job whose claim a database crash undid while its handler ran: retaken by heartbeat, at settle, or re-claimed without running again', async () => {
      for (const when of ['heartbeat', 'settle', 'reclaim'] as const) {
        const { tracker, work } = setup();
        const type = uniqueName(`truth.lost-claim.${when}`);
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let runs = 0;
        const stale: string[] = [];
        tracker.on('stale', (info) => stale.push(info.operation));
        work(
          {
            [type]: async (ctx) => {
              runs++;
              ctx.metrics.increment('leads', 10);
              await ctx.flush();
              await gate;
              // Written after the claim was undone: kept, never counted twice, never lost.
              ctx.metrics.increment('leads', 5);
              ctx.progress(0.9, 'after the crash');
              await ctx.flush();
              return 'mine';
            },
          },
          {
            // With a free slot the worker claims the undone job again itself (it polls every 20 ms).
            concurrency: when === 'reclaim' ? 2 : 1,
            ...(when === 'heartbeat' ? { leaseMs: 2_000, heartbeatMs: 50 } : { leaseMs: 60_000, heartbeatMs: 30_000 }),
          },
        );
        const job = await tracker.enqueue(type, null);
        const running = (await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'running' && j.metrics['leads'] === 10))!;
        // What a crash that loses the claim's commit leaves: the job as it was before the claim.
        const undone = await store().transition(
          job.id,
          { status: 'running', attempt: running.attempt },
          { status: 'queued', attempt: running.attempt - 1, lease: null, startedAt: null, updatedAt: new Date() },
        );
        expect(undone.ok).toBe(true);
        if (when !== 'settle') {
          const retaken = await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'running');
          expect(retaken).toMatchObject({ attempt: running.attempt, lease: { owner: running.lease!.owner } });
          // A retake keeps the attempt's start; a new claim stamps its own.
          if (when === 'heartbeat') expect(retaken!.startedAt).toEqual(running.startedAt);
        }
        release();
        const done = await settled(tracker, job.id);
        await teardown();
        expect(done).toMatchObject({ status: 'completed', result: 'mine', attempt: running.attempt, metrics: { leads: 15 }, stage: 'after the crash' });
        expect(done.startedAt).toEqual(running.startedAt);
        expect({ when, runs }).toEqual({ when, runs: 1 });
        expect({ when, stale }).toEqual({ when, stale: [] });
      }
    });

    it('goes on recovering the other jobs when one cannot be recovered', async () => {
      const base = store();
      let poisoned = '';
      const refusing = new Proxy(base, {
        get(target, property, receiver) {
          if (property === 'transition') {
            return (id: string, ...rest: unknown[]) =>
              id === poisoned ? Promise.reject(new Error('poisoned row')) : (target.transition as (...a: unknown[]) => unknown)(id, ...rest);
          }
          const value = Reflect.get(target, property, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }) as JobStore;
      const crashed = setup({ leaseMs: 100 });
      const type = uniqueName('truth.poison');
      const jobs = [];
      for (let i = 0; i < 3; i++) {
        const job = await crashed.tracker.create(type, { maxAttempts: 1 });
        await crashed.tracker.start(job.id);
        jobs.push(job);
      }
      await crashed.tracker.close();
      poisoned = jobs[0]!.id;
      const errors: string[] = [];
      const recoverer = createTracker({ store: refusing, recoverIntervalMs: false });
      recoverer.on('error', (_e, context) => errors.push(`${context.operation}:${context.jobId}`));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const recovered = await recoverer.recoverExpired();
      await recoverer.close();
      await teardown();
      const ours = recovered.filter((job) => job.type === type);
      expect(ours.map((job) => job.id).sort()).toEqual([jobs[1]!.id, jobs[2]!.id].sort());
      expect(errors).toContain(`recover:${poisoned}`);
    });
  });
}
