import type { ScheduleSpec, Tracker } from '@jobtrail/core';
import type { JobStore } from '@jobtrail/core/store';
import { JOB_TYPES, type TenantId } from '../shared/workflows.js';
import type { HeartbeatPayload } from './workflows/heartbeat.js';

export interface DemoSchedule {
  /** Unique across tenants: each carries its tenant's prefix. */
  name: string;
  spec: ScheduleSpec<HeartbeatPayload> & { tenantId: TenantId };
}

/**
 * The schedules the server declares at every start (declaring an unchanged schedule writes
 * nothing, and a paused one stays paused). The worker process fires them: each tick enqueues one
 * `demo.heartbeat` job for the schedule's tenant, which sees only its own schedules.
 */
export const DEMO_SCHEDULES: readonly DemoSchedule[] = [
  {
    name: 'acme.heartbeat',
    spec: {
      type: JOB_TYPES.heartbeat,
      every: '30s',
      tenantId: 'acme',
      payload: { checks: ['database', 'places API', 'mail relay'] },
      metadata: { description: 'Checks the services every 30 seconds.' },
    },
  },
  {
    name: 'globex.heartbeat',
    spec: {
      type: JOB_TYPES.heartbeat,
      cron: '* * * * *',
      timezone: 'America/New_York',
      tenantId: 'globex',
      payload: { checks: ['database', 'partner API'] },
      metadata: { description: 'Checks the services every minute, on New York time.' },
    },
  },
];

/**
 * Declares the demo's schedules, if the store keeps schedules (a store implements all of the
 * optional `ScheduleStore` methods or none). Answers whether it does.
 */
export async function declareSchedules(tracker: Tracker, store: JobStore): Promise<boolean> {
  if (typeof store.insertSchedule !== 'function') return false;
  for (const { name, spec } of DEMO_SCHEDULES) await tracker.schedule(name, spec);
  return true;
}
