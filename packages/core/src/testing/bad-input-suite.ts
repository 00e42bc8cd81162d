import vm from 'node:vm';
import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import { guardStore } from '../store/guarded-store.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, expectJobtrailError, queryAll, type StoreContractOptions } from './store-contract-options.js';

/** The stable code of `JobValidationError`. */
const INVALID_INPUT = 'invalid_input';

/**
 * Bad input is refused with a `JobtrailError` carrying a stable `code` (so the HTTP layer can turn
 * it into a 400) — and refused before anything is written. The store is tested as a tracker uses
 * it, through `guardStore`: the checks are core's, once for every store; what this suite holds a
 * store to is that the wrapper's refusals, its "not there" for ids that are no job ids and its
 * refusal of a closed store (the store's `closed`) all hold over it.
 */
export function badInputSuite(options: StoreContractOptions): void {
  describeWithStore('bad input', options, (store) => {
    const base = Date.UTC(2034, 5, 6, 7, 8, 9);

    it('refuses bad claims, heartbeats, progress, metrics, expired-lease reads, prunes, filters and transitions', async () => {
      const now = at(base);
      const claim = { owner: 'w', now, leaseExpiresAt: at(base, 1), limits: { t: 1 }, limit: 1 };
      const id = makeJob().id;
      const calls: Array<() => Promise<unknown>> = [
        () => store().claim({ ...claim, limit: -1 }),
        () => store().claim({ ...claim, owner: '' }),
        () => store().claim({ ...claim, limits: { t: 1.5 } }),
        () => store().claim({ ...claim, limits: null as never }),
        () => store().claim({ ...claim, now: new Date(Number.NaN) }),
        () => store().claim({ ...claim, leaseExpiresAt: new Date(Date.parse('+020000-01-01T00:00:00Z')) }),
        () => store().heartbeat('w', 'x' as never, now),
        () => store().heartbeat('w', [{ $ne: null }] as never, now),
        () => store().heartbeat({ $ne: null } as never, [id], now),
        () => store().heartbeat('w', [id], 'soon' as never),
        () => store().findExpired(now, 1.5),
        () => store().findExpired(now, -1),
        () => store().findExpired(new Date(Number.NaN), 1),
        () => store().updateProgress(id, { progress: Number.NaN, updatedAt: now }),
        () => store().updateProgress(id, { stage: 3 as never, updatedAt: now }),
        () => store().updateProgress(id, { progress: 0.5 } as never),
        () => store().updateProgress(id, { updatedAt: now }, { $ne: null } as never),
        () => store().incrementMetrics(id, [1] as never, now),
        () => store().incrementMetrics(id, { a: 1 }, new Date(Number.NaN)),
        () => store().incrementMetrics(id, { a: 1 }, now, 42 as never),
        () => store().prune({ before: { queued: now } as never }),
        () => store().prune({ before: { completed: now }, limit: 0 }),
        () => store().prune({ before: { completed: 'yesterday' as never } }),
        () => store().query({ status: ['weird' as never], limit: 10 }),
        () => store().query({ createdAfter: 'yesterday' as never, limit: 10 }),
        () => store().query({ tenantId: { $ne: null } as never, limit: 10 }),
        () => store().query({ type: [{ $gt: '' }] as never, limit: 10 }),
        () => store().query({ limit: 10, read: { payload: 'some' as never } }),
        () => store().count({ ownerId: 5 as never }),
        () => store().sumMetrics({ status: 'running' as never }),
        () => store().get(id, { scope: { tenantId: 5 as never } }),
        () => store().get(id, { read: { note: 'omit' } as never }),
        () => store().transition(id, { status: 'nope' as never }, { updatedAt: now }),
        () => store().transition(id, { leaseOwner: { $ne: null } as never }, { updatedAt: now }),
        () => store().transition(id, { attempt: -1 }, { updatedAt: now }),
        () => store().transition(id, {}, { status: 'queued' } as never),
        () => store().transition(id, {}, { lease: { owner: '', expiresAt: now }, updatedAt: now }),
        () => store().transition(id, {}, { stage: { $set: 1 } as never, updatedAt: now }),
        () => store().transition(id, {}, { errors: [{ message: 'x' }] as never, updatedAt: now }),
        // What the port forbids: a progress outside 0..1, a maxAttempts below 1, an unnamed metric.
        () => store().transition(id, {}, { progress: 5, updatedAt: now }),
        () => store().transition(id, {}, { progress: -0.1, updatedAt: now }),
        () => store().transition(id, {}, { maxAttempts: 0, updatedAt: now }),
        () => store().transition(id, {}, { metrics: { '': 1 }, updatedAt: now }),
        () => store().updateProgress(id, { progress: 1.5, updatedAt: now }),
        () => store().incrementMetrics(id, { '': 1 }, now),
      ];
      for (const [index, call] of calls.entries()) {
        let caught: unknown;
        try {
          await call();
        } catch (error) {
          caught = error;
        }
        expect((caught as { code?: unknown } | undefined)?.code, `call ${index}`).toBe(INVALID_INPUT);
      }
    });

    it('refuses job records no store should hold, naming the field, and stores none of them', async () => {
      const type = uniqueName('bad.record');
      const cases: Array<[string, Partial<Job>]> = [
        ['id', { id: 'job-1' }],
        ['id', { id: makeJob().id.toUpperCase() }],
        ['type', { type: '' }],
        ['status', { status: 'done' as never }],
        ['key', { key: { $ne: null } as never }],
        ['tenantId', { tenantId: {} as never }],
        ['attempt', { attempt: -1 }],
        ['maxAttempts', { maxAttempts: 1.5 }],
        ['progress', { progress: Number.POSITIVE_INFINITY }],
        ['priority', { priority: Number.NaN }],
        ['runAt', { runAt: new Date(Number.NaN) }],
        ['createdAt', { createdAt: new Date(Date.parse('+020000-01-01T00:00:00Z')) }],
        ['finishedAt', { finishedAt: 5 as never }],
        ['lease.owner', { lease: { owner: '', expiresAt: at(base) } }],
        ['metrics.x', { metrics: { x: Number.NaN } }],
        ['error.retryable', { error: { message: 'x', code: null, name: null, retryable: 'yes' as never, attempt: 1, at: at(base) } }],
        ['unread', { unread: {} }],
        ['progress', { progress: 7 }],
        ['progress', { progress: -1 }],
        ['maxAttempts', { maxAttempts: 0 }],
        ['metrics', { metrics: { '': 1 } }],
      ];
      for (const [field, override] of cases) {
        const job = makeJob({ type, ...override });
        let caught: unknown;
        try {
          await store().insert(job);
        } catch (error) {
          caught = error;
        }
        expect((caught as { code?: unknown } | undefined)?.code, field).toBe(INVALID_INPUT);
        expect((caught as { field?: unknown }).field, field).toBe(field);
      }
      expect(await queryAll(store(), { type: [type] })).toEqual([]);
    });

    it('answers "not there" for ids that are not job ids, without an error', async () => {
      const now = at(base);
      for (const id of ['42', '', "'; DROP TABLE jobs; --", { $ne: null } as unknown as string]) {
        expect(await store().get(id)).toBeNull();
        expect(await store().transition(id, {}, { updatedAt: now })).toEqual({ ok: false, reason: 'not_found' });
        expect(await store().updateProgress(id, { progress: 1, updatedAt: now })).toBe(false);
        expect(await store().updateProgress(id, { progress: 1, updatedAt: now }, 'w', 1)).toBe(false);
        expect(await store().incrementMetrics(id, { a: 1 }, now)).toBeNull();
        expect(await store().incrementMetrics(id, { a: 1 }, now, 'w', 1)).toBeNull();
      }
      expect(await store().heartbeat('w', ['42', ''], now)).toEqual([]);
      expect((await store().query({ parentId: '42', limit: 10 })).jobs).toEqual([]);
    });

    it('refuses every call with store_error once the store is closed, and closing twice is fine', async () => {
      const raw = await options.createStore();
      const closed = guardStore(raw);
      try {
        const job = makeJob({ type: uniqueName('bad.closed') });
        await closed.insert(job);
        await closed.close();
        await closed.close();
        expect(closed.closed).toBe(true);
        const calls: Array<() => Promise<unknown>> = [
          () => closed.insert(makeJob()),
          () => closed.get(job.id),
          () => closed.transition(job.id, {}, { updatedAt: at(base) }),
          () => closed.claim({ owner: 'w', now: at(base), leaseExpiresAt: at(base, 1), limits: { [job.type]: 1 }, limit: 1 }),
          () => closed.heartbeat('w', [job.id], at(base)),
          () => closed.findExpired(at(base), 10),
          () => closed.updateProgress(job.id, { progress: 1, updatedAt: at(base) }),
          () => closed.incrementMetrics(job.id, { a: 1 }, at(base)),
          () => closed.query({ limit: 10 }),
          () => closed.count({}),
          () => closed.sumMetrics({}),
          () => closed.prune({ before: { completed: at(base) } }),
        ];
        if (closed.serverTime) calls.push(() => closed.serverTime!());
        for (const call of calls) await expectJobtrailError(call, 'store_error');
        if (closed.subscribe) await expectJobtrailError(() => closed.subscribe!(() => {}), 'store_error');
      } finally {
        await closed.close();
        await options.cleanup?.(raw);
      }
    });

    it('refuses a cursor that is not a job id', async () => {
      const type = uniqueName('bad.cursor');
      for (const cursor of ['', 'not-a-uuid', "'; DROP TABLE jobs; --", '0190a8f0-0000-7000-8000-00000000000', '{"$gt":""}']) {
        await expectJobtrailError(() => store().query({ type: [type], cursor, limit: 10 }), INVALID_INPUT);
      }
    });

    it('refuses page sizes outside 1..1000', async () => {
      const type = uniqueName('bad.limit');
      for (const limit of [0, -1, 1.5, 10_000, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expectJobtrailError(() => store().query({ type: [type], limit }), INVALID_INPUT);
      }
      expect((await store().query({ type: [type], limit: 1 })).jobs).toEqual([]);
      expect((await store().query({ type: [type], limit: 1000 })).jobs).toEqual([]);
    });

    it('refuses non-finite metric deltas and writes none of the batch', async () => {
      const job = makeJob({ type: uniqueName('bad.metrics'), status: 'running', attempt: 1, metrics: { rows: 1 } });
      await store().insert(job);
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '1' as unknown as number]) {
        await expectJobtrailError(() => store().incrementMetrics(job.id, { rows: 1, broken: bad }, at(base, 1)), INVALID_INPUT);
      }
      expect(await store().get(job.id)).toEqual(job);
    });

    it('refuses an attempt fence that is not a non-negative integer, and writes nothing', async () => {
      const job = makeJob({
        type: uniqueName('bad.attempt'),
        status: 'running',
        attempt: 1,
        lease: { owner: uniqueName('worker'), expiresAt: at(base, 60_000) },
        metrics: { rows: 1 },
      });
      await store().insert(job);
      const owner = job.lease!.owner;
      for (const attempt of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1' as unknown as number, { $gt: 0 } as unknown as number]) {
        await expectJobtrailError(() => store().updateProgress(job.id, { progress: 0.5, updatedAt: at(base, 1) }, owner, attempt), INVALID_INPUT);
        await expectJobtrailError(() => store().incrementMetrics(job.id, { rows: 1 }, at(base, 1), owner, attempt), INVALID_INPUT);
      }
      await expectJobtrailError(() => store().incrementMetrics(job.id, { rows: 1 }, at(base, 1), { $ne: null } as unknown as string, 1), INVALID_INPUT);
      expect(await store().get(job.id)).toEqual(job);
    });

    it('refuses a history that is not a list of valid entries, on insert and in a transition', async () => {
      const type = uniqueName('bad.history');
      const finished = { kind: 'attempt', attempt: 1, owner: null, startedAt: null, finishedAt: at(base), outcome: 'failed', error: null, progress: 0, stage: null, metrics: {} };
      const bad: unknown[] = [
        'history',
        { 0: finished },
        [null],
        [{ ...finished, kind: 'nope' }],
        [{ kind: 'retry', at: 'yesterday', afterAttempt: 1 }],
        [{ kind: 'retry', at: at(base), afterAttempt: -1 }],
        [{ ...finished, finishedAt: new Date(Number.NaN) }],
        [{ ...finished, startedAt: '2030-01-01' }],
        [{ ...finished, attempt: 1.5 }],
        [{ ...finished, progress: Number.NaN }],
        [{ ...finished, metrics: { rows: Number.POSITIVE_INFINITY } }],
        [{ ...finished, error: { message: 'x', code: null, name: null, retryable: true, attempt: 1, at: 'now' } }],
      ];
      for (const history of bad) {
        const job = makeJob({ type, history: history as Job['history'] });
        await expectJobtrailError(() => store().insert(job), INVALID_INPUT);
        expect(await store().get(job.id)).toBeNull();
      }
      const job = makeJob({ type, status: 'running', attempt: 1, metrics: { rows: 1 } });
      await store().insert(job);
      for (const history of [...bad, null]) {
        await expectJobtrailError(
          () => store().transition(job.id, {}, { status: 'retrying', history: history as Job['history'], updatedAt: at(base, 1) }),
          INVALID_INPUT,
        );
      }
      for (const metrics of [null, [1], { rows: Number.NaN }, { rows: '1' }]) {
        await expectJobtrailError(
          () => store().transition(job.id, {}, { status: 'retrying', metrics: metrics as unknown as Job['metrics'], updatedAt: at(base, 1) }),
          INVALID_INPUT,
        );
      }
      expect(await store().get(job.id)).toEqual(job);
    });

    it('refuses input whose reading throws as invalid_input, never the raw error', async () => {
      const unreadable = <T extends object>(target: T): T =>
        new Proxy(target, {
          get() {
            throw new Error('no reading');
          },
        });
      const now = at(base);
      const job = makeJob({ type: uniqueName('bad.unreadable') });
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['job', () => store().insert(unreadable(job))],
        ['scope', () => store().get(job.id, { scope: unreadable({ tenantId: 't' }) })],
        ['patch', () => store().transition(job.id, {}, unreadable({ updatedAt: now }))],
        ['request', () => store().claim(unreadable({ owner: 'w', now, leaseExpiresAt: now, limits: {}, limit: 1 }))],
        ['deltas', () => store().incrementMetrics(job.id, unreadable({ a: 1 }), now)],
        ['filter', () => store().query(unreadable({ limit: 1 }))],
        ['request', () => store().prune(unreadable({ before: {} }))],
      ];
      for (const [field, call] of calls) {
        let caught: unknown;
        try {
          await call();
        } catch (error) {
          caught = error;
        }
        expect((caught as { code?: unknown } | undefined)?.code, field).toBe(INVALID_INPUT);
        expect((caught as { field?: unknown }).field, field).toBe(field);
      }
      expect(await store().get(job.id)).toBeNull();
    });

    it('takes Dates made in another realm wherever a Date is expected', async () => {
      const foreign = (ms: number): Date => vm.runInNewContext(`new Date(${ms})`) as Date;
      const type = uniqueName('bad.realm');
      const job = makeJob({ type, createdAt: foreign(base), runAt: foreign(base), updatedAt: foreign(base) });
      await store().insert(job);
      const stored = await store().get(job.id);
      expect(stored!.createdAt).toEqual(at(base));
      expect(stored!.runAt).toEqual(at(base));
      const moved = await store().transition(job.id, { status: 'queued' }, { runAt: foreign(base + 5), updatedAt: foreign(base + 5) });
      expect(moved.ok && moved.job.runAt).toEqual(at(base, 5));
      expect((await store().query({ type: [type], createdAfter: foreign(base - 1), limit: 10 })).jobs.map((found) => found.id)).toEqual([job.id]);
    });

    it('refuses a second job with an existing id and leaves the first as it was', async () => {
      const type = uniqueName('bad.duplicate');
      const original = makeJob({ type, payload: { original: true } });
      await store().insert(original);
      const impostor = { ...makeJob({ type: uniqueName('bad.duplicate-other'), payload: { original: false } }), id: original.id };
      await expectJobtrailError(() => store().insert(impostor), INVALID_INPUT);
      expect(await store().get(original.id)).toEqual(original);
      expect(await queryAll(store(), { type: [impostor.type] })).toEqual([]);
    });
  });
}
