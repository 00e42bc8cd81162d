import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import { TERMINAL_STATUSES, type TerminalStatus } from '../model/job-status.js';
import type { JobStore } from '../store/job-store.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, type StoreContractOptions } from './store-contract-options.js';

/**
 * `prune` is not scoped by type, so these tests finish their jobs in the 1980s — long before any
 * real data — and first prune everything finished before 1990 (leftovers of interrupted runs).
 * Never run the contract suite against a database that holds real jobs.
 */
const RETENTION_HORIZON = Date.UTC(1990, 0, 1);

/**
 * Retention: finished jobs are deleted once older than the cut-off of their status, in bounded
 * batches; active jobs are never deleted, whatever their timestamps say.
 */
export function retentionSuite(options: StoreContractOptions): void {
  describeWithStore('retention', options, (store) => {
    const everything = (date: Date): Partial<Record<TerminalStatus, Date>> =>
      Object.fromEntries(TERMINAL_STATUSES.map((status) => [status, date]));

    async function drainOldJobs(target: JobStore): Promise<void> {
      for (let round = 0; round < 1000; round++) {
        if ((await target.prune({ before: everything(new Date(RETENTION_HORIZON)), limit: 1000 })) === 0) return;
      }
    }

    function finishedJob(type: string, status: TerminalStatus, finishedAt: Date): Job {
      return makeJob({ type, status, attempt: 1, createdAt: finishedAt, updatedAt: finishedAt, finishedAt });
    }

    async function exists(job: Job): Promise<boolean> {
      return (await store().get(job.id)) !== null;
    }

    it('deletes finished jobs older than the cut-off of their status and answers how many', async () => {
      await drainOldJobs(store());
      const w = Date.UTC(1985, 0, 1);
      const type = uniqueName('prune.cutoffs');
      const oldCompleted = finishedJob(type, 'completed', at(w, 1000));
      const newCompleted = finishedJob(type, 'completed', at(w, 5000));
      const oldFailed = finishedJob(type, 'failed', at(w, 1000));
      const midFailed = finishedJob(type, 'failed', at(w, 5000));
      const atCutOff = finishedJob(type, 'failed', at(w, 6000)); // finishedAt == cut-off: kept
      const oldCancelled = finishedJob(type, 'cancelled', at(w, 1000));
      const oldSkipped = finishedJob(type, 'skipped', at(w, 1000));
      const all = [oldCompleted, newCompleted, oldFailed, midFailed, atCutOff, oldCancelled, oldSkipped];
      for (const job of all) await store().insert(job);

      const deleted = await store().prune({ before: { completed: at(w, 3000), failed: at(w, 6000) } });
      expect(deleted).toBe(3);
      expect(await exists(oldCompleted)).toBe(false);
      expect(await exists(oldFailed)).toBe(false);
      expect(await exists(midFailed)).toBe(false);
      for (const kept of [newCompleted, atCutOff, oldCancelled, oldSkipped]) expect(await exists(kept)).toBe(true);

      expect(await store().prune({ before: { cancelled: at(w, 2000), skipped: at(w, 2000) } })).toBe(2);
      expect(await exists(oldCancelled)).toBe(false);
      expect(await exists(oldSkipped)).toBe(false);
      expect(await store().prune({ before: {} })).toBe(0);
      await drainOldJobs(store());
    });

    it('never deletes active jobs, whatever their timestamps', async () => {
      await drainOldJobs(store());
      const w = Date.UTC(1986, 0, 1);
      const type = uniqueName('prune.active');
      const active = [
        // A manually retried job may still carry the finishedAt of its earlier run.
        makeJob({ type, status: 'queued', createdAt: at(w), finishedAt: at(w, 1) }),
        makeJob({ type, status: 'retrying', attempt: 1, createdAt: at(w), finishedAt: at(w, 1) }),
        makeJob({ type, status: 'running', attempt: 1, createdAt: at(w), finishedAt: at(w, 1) }),
      ];
      for (const job of active) await store().insert(job);
      expect(await store().prune({ before: everything(new Date(RETENTION_HORIZON)) })).toBe(0);
      for (const job of active) expect(await store().get(job.id)).toEqual(job);
    });

    it('deletes at most `limit` jobs per call', async () => {
      await drainOldJobs(store());
      const w = Date.UTC(1987, 0, 1);
      const type = uniqueName('prune.limit');
      const jobs = Array.from({ length: 5 }, (_, i) => finishedJob(type, 'completed', at(w, i * 1000)));
      for (const job of jobs) await store().insert(job);
      const cutOff = { completed: new Date(RETENTION_HORIZON) };
      expect(await store().prune({ before: cutOff, limit: 2 })).toBe(2);
      expect(await store().prune({ before: cutOff, limit: 2 })).toBe(2);
      expect(await store().prune({ before: cutOff, limit: 2 })).toBe(1);
      expect(await store().prune({ before: cutOff, limit: 2 })).toBe(0);
      for (const job of jobs) expect(await exists(job)).toBe(false);
    });
  });
}
