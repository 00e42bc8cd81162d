import type { Schedule } from '../schedule/schedule.js';
import { jsonBytes } from '../store/field-reads.js';
import type { ExposeOptions } from './jobs-handler-options.js';
import type { ScheduleJson } from './wire-types.js';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/**
 * The wire form of a schedule: ISO dates, and its payload and metadata under the handler's
 * `expose` rules for jobs, decided the safe way for a record that is not a job. A rule function
 * decides per job (`(job, scope) => boolean`) and has no job to look at here, so under one the
 * field is not sent; `payload` is sent only when its rule is `true`, `metadata` unless its rule is
 * `false` (the defaults of jobs: no payload, metadata). An exposed field over `maxBytes` is left out
 * and reported in `tooLarge`, as for jobs.
 */
export function toScheduleJson(schedule: Schedule, expose: ExposeOptions, maxBytes: number): ScheduleJson {
  const out: ScheduleJson = {
    name: schedule.name,
    type: schedule.type,
    tenantId: schedule.tenantId,
    cron: schedule.cron,
    timezone: schedule.timezone,
    every: schedule.every,
    startAt: iso(schedule.startAt),
    endAt: iso(schedule.endAt),
    overlap: schedule.overlap,
    catchUp: schedule.catchUp,
    maxCatchUp: schedule.maxCatchUp,
    enabled: schedule.enabled,
    paused: schedule.paused,
    nextRunAt: iso(schedule.nextRunAt),
    lastRunAt: iso(schedule.lastRunAt),
    lastJobId: schedule.lastJobId,
    createdAt: schedule.createdAt.toISOString(),
    updatedAt: schedule.updatedAt.toISOString(),
  };
  const sent = { payload: expose.payload === true, metadata: (expose.metadata ?? true) === true };
  for (const field of ['payload', 'metadata'] as const) {
    if (!sent[field]) continue;
    const bytes = jsonBytes(schedule[field]);
    if (bytes > maxBytes) {
      out.tooLarge ??= {};
      out.tooLarge[field] = bytes;
    } else if (field === 'payload') out.payload = schedule.payload;
    else out.metadata = schedule.metadata;
  }
  return out;
}
