import type { JobHandler } from '@jobtrail/core';
import { sleep } from './sleep.js';

export interface HeartbeatPayload {
  /** The services to check, one step each. */
  checks: string[];
}

/**
 * What the demo's schedules run on every tick: a quick check of a few services, with progress per
 * check. `ctx.job.scheduleName` and `scheduledFor` say which schedule and tick made the job.
 */
export const heartbeat: JobHandler<HeartbeatPayload> = async (ctx) => {
  const { checks } = ctx.job.payload;
  const latencies: Record<string, number> = {};
  for (const [index, service] of checks.entries()) {
    ctx.progress(index / checks.length, { stage: `Checking ${service}`, current: index, total: checks.length });
    await sleep(400, ctx.signal);
    latencies[service] = 20 + ((index * 37) % 60);
  }
  ctx.metrics.increment('checksPassed', checks.length);
  ctx.progress(1, { stage: 'All services answered', current: checks.length, total: checks.length });
  return { ok: true, schedule: ctx.job.scheduleName, tick: ctx.job.scheduledFor?.toISOString() ?? null, latencyMs: latencies };
};
