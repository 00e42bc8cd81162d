import { expect, it } from 'vitest';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, queryAll, type StoreContractOptions } from './store-contract-options.js';

/**
 * Idempotency keys: a key is unique among the non-finished jobs of one type, so enqueueing the
 * same work twice — even concurrently — yields one job, while finished jobs free their key.
 */
export function dedupeSuite(options: StoreContractOptions): void {
  describeWithStore('dedupe', options, (store) => {
    const base = Date.UTC(2031, 0, 2, 3, 4, 5);

    it('answers the existing active job, created: false, for the same type and key', async () => {
      const type = uniqueName('dedupe.same');
      const key = uniqueName('key');
      const first = makeJob({ type, key, payload: { n: 1 } });
      const second = makeJob({ type, key, payload: { n: 2 } });
      expect(await store().insert(first)).toEqual({ job: first, created: true });
      expect(await store().insert(second)).toEqual({ job: first, created: false });
      expect(await store().get(second.id)).toBeNull();
      expect(await queryAll(store(), { type: [type] })).toEqual([first]);
    });

    it('dedupes against running and retrying jobs too', async () => {
      const type = uniqueName('dedupe.active');
      for (const status of ['running', 'retrying'] as const) {
        const key = uniqueName('key');
        const first = makeJob({ type, key, status, attempt: 1 });
        await store().insert(first);
        const again = await store().insert(makeJob({ type, key }));
        expect(again).toEqual({ job: first, created: false });
      }
    });

    it('allows the same key for a different type', async () => {
      const key = uniqueName('key');
      const a = makeJob({ type: uniqueName('dedupe.a'), key });
      const b = makeJob({ type: uniqueName('dedupe.b'), key });
      expect((await store().insert(a)).created).toBe(true);
      expect((await store().insert(b)).created).toBe(true);
    });

    it('never dedupes jobs without a key', async () => {
      const type = uniqueName('dedupe.nokey');
      expect((await store().insert(makeJob({ type }))).created).toBe(true);
      expect((await store().insert(makeJob({ type }))).created).toBe(true);
      expect(await queryAll(store(), { type: [type] })).toHaveLength(2);
    });

    it('frees the key once the job reaches a terminal status', async () => {
      const type = uniqueName('dedupe.terminal');
      for (const status of ['completed', 'failed', 'skipped', 'cancelled'] as const) {
        const key = uniqueName('key');
        const first = makeJob({ type, key });
        await store().insert(first);
        const finished = await store().transition(
          first.id,
          { status: 'queued' },
          { status, finishedAt: at(base), updatedAt: at(base) },
        );
        expect(finished.ok).toBe(true);
        const next = makeJob({ type, key });
        expect(await store().insert(next)).toEqual({ job: next, created: true });
      }
    });

    it('does not dedupe against a job inserted already finished', async () => {
      const type = uniqueName('dedupe.inserted-finished');
      const key = uniqueName('key');
      await store().insert(makeJob({ type, key, status: 'completed', finishedAt: at(base) }));
      const next = makeJob({ type, key });
      expect(await store().insert(next)).toEqual({ job: next, created: true });
    });

    it('creates exactly one job when many inserts with one key race', async () => {
      const type = uniqueName('dedupe.race');
      const key = uniqueName('key');
      const attempts = Array.from({ length: 12 }, (_, i) => makeJob({ type, key, payload: { i } }));
      const results = await Promise.all(attempts.map((job) => store().insert(job)));
      const created = results.filter((result) => result.created);
      expect(created).toHaveLength(1);
      const winner = created[0]!.job;
      for (const result of results) expect(result.job).toEqual(winner);
      expect(await queryAll(store(), { type: [type] })).toEqual([winner]);
    });

    it('takes the key back on a manual retry, and refuses the retry while another active job holds it', async () => {
      const type = uniqueName('dedupe.retry');
      const key = uniqueName('key');
      const failed = makeJob({ type, key });
      await store().insert(failed);
      await store().transition(failed.id, { status: 'queued' }, { status: 'cancelled', finishedAt: at(base), updatedAt: at(base) });

      const holder = makeJob({ type, key });
      expect((await store().insert(holder)).created).toBe(true);
      const refused = await store().transition(
        failed.id,
        { status: ['failed', 'cancelled'] },
        { status: 'queued', finishedAt: null, updatedAt: at(base, 1) },
      );
      expect(refused).toMatchObject({ ok: false, reason: 'duplicate_key', holder: { id: holder.id, key } });
      expect(await store().get(failed.id)).toMatchObject({ status: 'cancelled' });

      await store().transition(holder.id, { status: 'queued' }, { status: 'cancelled', finishedAt: at(base, 2), updatedAt: at(base, 2) });
      const retried = await store().transition(
        failed.id,
        { status: ['failed', 'cancelled'] },
        { status: 'queued', finishedAt: null, updatedAt: at(base, 3) },
      );
      expect(retried).toMatchObject({ ok: true, job: { status: 'queued' } });
      const duplicate = await store().insert(makeJob({ type, key }));
      expect(duplicate.created).toBe(false);
      expect(duplicate.job.id).toBe(failed.id);
    });
  });
}
