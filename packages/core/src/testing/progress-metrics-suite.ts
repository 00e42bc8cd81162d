import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, type StoreContractOptions } from './store-contract-options.js';

/**
 * Progress writes land only on running jobs (and only for the lease owner when one is named), and
 * metric increments are atomic: many concurrent callers add up exactly, finished jobs stay as
 * they are.
 */
export function progressMetricsSuite(options: StoreContractOptions): void {
  describeWithStore('progress and metrics', options, (store) => {
    const base = Date.UTC(2032, 1, 3, 4, 5, 6, 789);

    function runningJob(overrides: Partial<Job> = {}): Job {
      return makeJob({
        type: uniqueName('progress'),
        status: 'running',
        attempt: 1,
        startedAt: at(base),
        lease: { owner: uniqueName('worker'), expiresAt: at(base, 60_000) },
        ...overrides,
      });
    }

    it('writes progress fields of a running job', async () => {
      const job = runningJob();
      await store().insert(job);
      const written = await store().updateProgress(job.id, { progress: 0.4, stage: 'Uploading — 上传', current: 4, total: 10, updatedAt: at(base, 1) });
      expect(written).toBe(true);
      const expected: Job = { ...job, progress: 0.4, stage: 'Uploading — 上传', current: 4, total: 10, updatedAt: at(base, 1) };
      expect(await store().get(job.id)).toEqual(expected);

      expect(await store().updateProgress(job.id, { stage: 'Parsing', updatedAt: at(base, 2) })).toBe(true);
      expect(await store().get(job.id)).toEqual({ ...expected, stage: 'Parsing', updatedAt: at(base, 2) });

      expect(await store().updateProgress(job.id, { stage: null, current: null, total: null, updatedAt: at(base, 3) })).toBe(true);
      expect(await store().get(job.id)).toMatchObject({ progress: 0.4, stage: null, current: null, total: null });
    });

    it('writes progress of a tracked running job that has no lease', async () => {
      const job = runningJob({ lease: null });
      await store().insert(job);
      expect(await store().updateProgress(job.id, { progress: 1, updatedAt: at(base, 1) })).toBe(true);
      expect(await store().get(job.id)).toMatchObject({ progress: 1 });
    });

    it('writes only for the lease owner when an owner is given', async () => {
      const job = runningJob();
      await store().insert(job);
      const owner = job.lease!.owner;
      expect(await store().updateProgress(job.id, { progress: 0.9, updatedAt: at(base, 1) }, uniqueName('intruder'))).toBe(false);
      expect(await store().get(job.id)).toEqual(job);
      expect(await store().updateProgress(job.id, { progress: 0.3, updatedAt: at(base, 2) }, owner)).toBe(true);
      expect(await store().get(job.id)).toMatchObject({ progress: 0.3, updatedAt: at(base, 2) });

      const tracked = runningJob({ lease: null });
      await store().insert(tracked);
      expect(await store().updateProgress(tracked.id, { progress: 0.5, updatedAt: at(base, 1) }, owner)).toBe(false);
    });

    it('refuses progress on jobs that are not running, and on missing jobs', async () => {
      const type = uniqueName('progress.not-running');
      const jobs = [
        makeJob({ type }),
        makeJob({ type, status: 'retrying', attempt: 1 }),
        makeJob({ type, status: 'completed', attempt: 1, finishedAt: at(base) }),
        makeJob({ type, status: 'cancelled', finishedAt: at(base) }),
      ];
      for (const job of jobs) {
        await store().insert(job);
        expect(await store().updateProgress(job.id, { progress: 0.7, stage: 'nope', updatedAt: at(base, 5) })).toBe(false);
        expect(await store().get(job.id)).toEqual(job);
      }
      expect(await store().updateProgress(makeJob().id, { progress: 0.7, updatedAt: at(base, 5) })).toBe(false);
    });

    it('adds deltas, starting missing names at 0, and answers the metrics after the increment', async () => {
      const job = runningJob({ metrics: { leads: 10 } });
      await store().insert(job);
      expect(await store().incrementMetrics(job.id, { leads: 5, tokens: 120 }, at(base, 1))).toEqual({ leads: 15, tokens: 120 });
      expect(await store().incrementMetrics(job.id, { leads: -3, 'cost.usd': 0.25 }, at(base, 2))).toEqual({
        leads: 12,
        tokens: 120,
        'cost.usd': 0.25,
      });
      expect(await store().get(job.id)).toEqual({ ...job, metrics: { leads: 12, tokens: 120, 'cost.usd': 0.25 }, updatedAt: at(base, 2) });
    });

    it('sums exactly when 50 callers increment two metrics concurrently', async () => {
      const job = runningJob();
      await store().insert(job);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store().incrementMetrics(job.id, { rows: 1, bytes: 1024 }, at(base, i))),
      );
      for (const result of results) expect(result).not.toBeNull();
      const seen = results.map((result) => (result as Record<string, number>)['rows']).sort((a, b) => a! - b!);
      // Each caller saw the state right after its own increment: 1..50, each exactly once.
      expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect((await store().get(job.id))?.metrics).toEqual({ rows: 50, bytes: 50 * 1024 });
    });

    it("answers 'finished' for a terminal job and leaves it unchanged", async () => {
      const type = uniqueName('metrics.finished');
      for (const status of ['completed', 'failed', 'skipped', 'cancelled'] as const) {
        const job = makeJob({ type, status, attempt: 1, metrics: { rows: 3 }, finishedAt: at(base) });
        await store().insert(job);
        expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 1))).toBe('finished');
        expect(await store().get(job.id)).toEqual(job);
      }
    });

    it('answers null for a missing job', async () => {
      expect(await store().incrementMetrics(makeJob().id, { rows: 1 }, at(base))).toBeNull();
    });

    it("sums each metric over a parent's children", async () => {
      const type = uniqueName('metrics.children');
      const parent = makeJob({ type, status: 'running', attempt: 1, metrics: { leads: 1000 } });
      const otherParent = makeJob({ type });
      await store().insert(parent);
      await store().insert(otherParent);
      const children = [
        makeJob({ type, parentId: parent.id, metrics: { leads: 3, tokens: 10 } }),
        makeJob({ type, parentId: parent.id, status: 'completed', attempt: 1, finishedAt: at(base), metrics: { leads: 4 } }),
        makeJob({ type, parentId: parent.id, metrics: {} }),
        makeJob({ type, parentId: parent.id, status: 'running', attempt: 1, metrics: { tokens: 0.5 } }),
        makeJob({ type, parentId: otherParent.id, metrics: { leads: 999, other: 1 } }),
      ];
      for (const child of children) await store().insert(child);
      expect(await store().incrementMetrics(children[3]!.id, { leads: 2 }, at(base, 1))).toEqual({ tokens: 0.5, leads: 2 });
      expect(await store().sumMetrics({ parentId: parent.id })).toEqual({ leads: 9, tokens: 10.5 });
      expect(await store().sumMetrics({ parentId: parent.id, status: ['completed'] })).toEqual({ leads: 4 });
      expect(await store().sumMetrics({ parentId: makeJob().id })).toEqual({});
    });
  });
}
