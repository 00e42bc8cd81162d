import type { JobTypeInfo } from '../flow/type-commands.js';
import type { TypeJson } from './wire-types.js';

/** The wire form of a job type: plain limits, ISO `updatedAt`. */
export function toTypeJson(info: JobTypeInfo): TypeJson {
  const rate = info.limits.rateLimit;
  return {
    type: info.type,
    limits: {
      maxRunning: info.limits.maxRunning,
      maxRunningPerGroup: info.limits.maxRunningPerGroup,
      rateLimit: rate === null ? null : { limit: rate.limit, intervalMs: rate.intervalMs, perGroup: rate.perGroup },
    },
    paused: info.paused,
    counts: { total: info.counts.total, byStatus: { ...info.counts.byStatus } },
    updatedAt: info.updatedAt === null ? null : info.updatedAt.toISOString(),
  };
}
