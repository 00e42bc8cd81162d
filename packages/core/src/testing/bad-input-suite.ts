import { expect, it } from 'vitest';
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
