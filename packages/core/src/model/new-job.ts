import type { Job } from './job.js';

/** What differs from one new job to the next; everything else starts the same for every job. */
export interface NewJobFields {
  id: string;
  type: string;
  key: string | null;
  parentId: string | null;
  tenantId: string | null;
  ownerId: string | null;
  group: string | null;
  status: 'queued' | 'running';
  maxAttempts: number;
  priority: number;
  runAt: Date;
  payload: unknown;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

/**
 * A job as it is made, before its first attempt: no attempt, lease, progress, result, errors or
 * history, `updatedAt` equal to `createdAt`. The one definition of a new job's blank fields, for
 * core's drafts and for stores that answer jobs they stored from columns.
 */
export function newJob(fields: NewJobFields): Job {
  return {
    id: fields.id,
    type: fields.type,
    key: fields.key,
    parentId: fields.parentId,
    tenantId: fields.tenantId,
    ownerId: fields.ownerId,
    group: fields.group,
    scheduleName: null,
    scheduledFor: null,
    status: fields.status,
    attempt: 0,
    maxAttempts: fields.maxAttempts,
    priority: fields.priority,
    runAt: fields.runAt,
    lease: null,
    progress: 0,
    stage: null,
    current: null,
    total: null,
    payload: fields.payload,
    result: null,
    metadata: fields.metadata,
    metrics: {},
    note: null,
    error: null,
    errors: [],
    history: [],
    createdAt: fields.createdAt,
    startedAt: null,
    finishedAt: null,
    updatedAt: fields.createdAt,
    trace: null,
  };
}
