import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, expectJobtrailError, queryAll, type StoreContractOptions } from './store-contract-options.js';

/** The stable code of `JobValidationError`. */
const INVALID_INPUT = 'invalid_input';

/**
 * Bad input is refused with a `JobtrailError` carrying a stable `code` (so the HTTP layer can turn
 * it into a 400) — and refused before anything is written.
 */
export function badInputSuite(options: StoreContractOptions): void {
  describeWithStore('bad input', options, (store) => {
    const base = Date.UTC(2034, 5, 6, 7, 8, 9);

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
