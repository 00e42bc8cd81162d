import type { JobHandler, Tracker } from '@jobtrail/core';
import { JOB_TYPES } from '../../shared/workflows.js';
import { sleep } from './sleep.js';

export interface ClientLeads {
  client: string;
  leads: number;
}

export interface LeadScoringRunPayload {
  clients: ClientLeads[];
}

const BATCH = 5;
const TOKENS_PER_LEAD = 350;
const ROLLUP_POLL_MS = 500;
const ROLLED_UP_METRICS = ['leadsProcessed', 'tokensUsed'] as const;

/**
 * The parent: one child job per client, then it waits for them and takes their summed metrics
 * as its own, so the parent row alone tells how the whole run went.
 */
export function createLeadScoringRun(tracker: Tracker): JobHandler<LeadScoringRunPayload> {
  return async (ctx) => {
    const { clients } = ctx.job.payload;
    ctx.progress(0.05, `Queueing ${clients.length} clients`);
    // A re-run (after a crash) must not score a client twice: children are found by client name,
    // since a dedupe key only guards against unfinished duplicates.
    const existing = await tracker.list({ parentId: ctx.job.id, limit: 100 });
    const queued = new Set(existing.jobs.map((child) => (child.payload as ClientLeads).client));
    for (const { client, leads } of clients) {
      if (queued.has(client)) continue;
      await tracker.enqueue(
        JOB_TYPES.leadScoringClient,
        { client, leads },
        {
          parentId: ctx.job.id,
          tenantId: ctx.job.tenantId,
          key: `${ctx.job.id}:${client}`,
          metadata: { client },
        },
      );
    }

    for (;;) {
      const rollup = await tracker.rollup(ctx.job.id);
      const done = rollup.total - rollup.byStatus.queued - rollup.byStatus.running - rollup.byStatus.retrying;
      ctx.progress(0.05 + 0.9 * (done / Math.max(1, rollup.total)), {
        stage: `Scoring clients: ${done} of ${rollup.total} done`,
        current: done,
        total: rollup.total,
      });
      if (rollup.finished) {
        for (const name of ROLLED_UP_METRICS) {
          // Increment by the difference, so a re-run never counts a child twice.
          const delta = (rollup.metrics[name] ?? 0) - (ctx.job.metrics[name] ?? 0);
          if (delta !== 0) ctx.metrics.increment(name, delta);
        }
        const { completed, skipped, failed, cancelled } = rollup.byStatus;
        const success = failed === 0 && cancelled === 0;
        ctx.note(`${rollup.total} clients: ${completed} scored, ${skipped} skipped, ${failed} failed`);
        ctx.progress(1, { stage: success ? 'All clients done' : 'Finished with failures', current: null, total: null });
        return {
          success,
          clients: rollup.total,
          scored: completed,
          skipped,
          failed,
          leadsProcessed: rollup.metrics['leadsProcessed'] ?? 0,
          tokensUsed: rollup.metrics['tokensUsed'] ?? 0,
        };
      }
      await sleep(ROLLUP_POLL_MS, ctx.signal);
    }
  };
}

/** One client's leads, scored in batches; a client with no leads ends `skipped`. */
export const scoreClientLeads: JobHandler<ClientLeads> = async (ctx) => {
  const { client, leads } = ctx.job.payload;
  if (leads === 0) {
    ctx.skip(`No leads to score for ${client}`);
    return { scored: 0 };
  }
  for (let done = 0; done < leads; ) {
    const batch = Math.min(BATCH, leads - done);
    await sleep(250, ctx.signal);
    done += batch;
    ctx.metrics.increment('leadsProcessed', batch);
    ctx.metrics.increment('tokensUsed', batch * TOKENS_PER_LEAD);
    ctx.progress(done / leads, { stage: `Scoring leads of ${client}`, current: done, total: leads });
  }
  return { scored: leads, averageScore: 72 };
};
