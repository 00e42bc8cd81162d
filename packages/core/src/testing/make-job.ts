import type { Job } from '../model/job.js';
import { uuidv7 } from '../util/uuid-v7.js';

/**
 * A complete, valid queued job with a fresh UUIDv7, for tests of stores and of code built on them.
 * Override any field. Ids are time-ordered and strictly increasing within a process, so create
 * jobs in the order you expect id-ordered results (queries, claim tie-breaks) to come back.
 */
export function makeJob<TPayload = unknown, TResult = unknown>(
  overrides: Partial<Job<TPayload, TResult>> = {},
): Job<TPayload, TResult> {
  const nowMs = Date.now();
  const now = new Date(nowMs);
  return {
    id: uuidv7(nowMs),
    type: 'test.job',
    key: null,
    parentId: null,
    tenantId: null,
    ownerId: null,
    group: null,
    scheduleName: null,
    scheduledFor: null,
    status: 'queued',
    attempt: 0,
    maxAttempts: 3,
    priority: 0,
    runAt: now,
    lease: null,
    progress: 0,
    stage: null,
    current: null,
    total: null,
    payload: {} as TPayload,
    result: null,
    metadata: {},
    metrics: {},
    note: null,
    error: null,
    errors: [],
    history: [],
    createdAt: new Date(nowMs),
    startedAt: null,
    finishedAt: null,
    updatedAt: new Date(nowMs),
    trace: null,
    ...overrides,
  };
}

/**
 * A name no other test uses (`prefix.k3j9x0a2`). Contract tests put every job under unique types,
 * tenants and owners so they can share one store, and one database, without seeing each other.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}.${Math.random().toString(36).slice(2, 10)}${Math.random().toString(36).slice(2, 6)}`;
}
