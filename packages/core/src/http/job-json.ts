import type { Job, JobError, JobHistoryEntry, LargeJobField } from '../model/job.js';
import type { FieldRead, FieldReads } from '../store/job-store.js';
import { jsonBytes, LARGE_JOB_FIELDS } from '../store/field-reads.js';
import type { CallerScope, ExposeOptions, ExposeRule } from './jobs-handler-options.js';
import type { JobErrorJson, JobHistoryEntryJson, JobJson } from './wire-types.js';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

function allowed(rule: ExposeRule | undefined, fallback: boolean, job: Job, scope: CallerScope): boolean {
  if (rule === undefined) return fallback;
  return typeof rule === 'function' ? rule(job, scope) === true : rule === true;
}

function errorJson(error: JobError): JobErrorJson {
  // Listed field by field so a stack (or anything a store adds later) never leaves the server.
  return {
    message: error.message,
    code: error.code,
    name: error.name,
    retryable: error.retryable,
    attempt: error.attempt,
    at: error.at.toISOString(),
  };
}

function historyJson(entry: JobHistoryEntry, errors: boolean): JobHistoryEntryJson {
  if (entry.kind === 'retry') return { kind: 'retry', at: entry.at.toISOString(), afterAttempt: entry.afterAttempt };
  return {
    kind: 'attempt',
    attempt: entry.attempt,
    startedAt: iso(entry.startedAt),
    finishedAt: entry.finishedAt.toISOString(),
    outcome: entry.outcome,
    error: errors && entry.error ? errorJson(entry.error) : null,
    progress: entry.progress,
    stage: entry.stage,
    metrics: entry.metrics,
  };
}

/** Default of the handler's `maxExposedBytes`: 64 KiB. */
export const DEFAULT_MAX_EXPOSED_BYTES = 65_536;

const EXPOSE_DEFAULTS: Readonly<Record<LargeJobField, boolean>> = { payload: false, result: false, metadata: true };

/**
 * What the handler reads of each large field: nothing unless its rule may expose it, and then at
 * most `maxBytes` (a rule function decides per job after the read, on the job as read).
 */
export function readForExpose(expose: ExposeOptions, maxBytes: number): FieldReads {
  const read: FieldReads = {};
  for (const field of LARGE_JOB_FIELDS) {
    const rule = expose[field] ?? EXPOSE_DEFAULTS[field];
    const how: FieldRead = rule === false ? 'omit' : { maxBytes };
    read[field] = how;
  }
  return read;
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The W3C `traceparent` of a job's stored trace context, and nothing else. A telemetry adapter may
 * store more (a JSON object of propagation fields: `tracestate`, `baggage`); those can carry
 * internal data (user ids, feature flags) that must not reach a browser, so only a well-formed
 * traceparent leaves the server (W3C Trace Context, section 3.2).
 */
export function wireTrace(trace: string | null): string | null {
  if (trace === null) return null;
  if (TRACEPARENT.test(trace)) return trace;
  if (!trace.startsWith('{')) return null;
  try {
    const fields: unknown = JSON.parse(trace);
    const traceparent = fields !== null && typeof fields === 'object' ? (fields as { traceparent?: unknown }).traceparent : undefined;
    return typeof traceparent === 'string' && Object.hasOwn(fields as object, 'traceparent') && TRACEPARENT.test(traceparent) ? traceparent : null;
  } catch {
    return null;
  }
}

/**
 * The wire form of a job for this caller: ISO dates, no lease owner, no stacks, only exposed data.
 * `maxBytes` caps each exposed large field: a job read with `readForExpose` already says which
 * fields were too large (`job.unread`); a whole job (from retry/cancel) is measured here.
 */
export function toJobJson(
  job: Job,
  scope: CallerScope,
  expose: ExposeOptions = {},
  maxBytes: number = DEFAULT_MAX_EXPOSED_BYTES,
): JobJson {
  const errors = allowed(expose.errors, true, job, scope);
  const out: JobJson = {
    id: job.id,
    type: job.type,
    key: job.key,
    parentId: job.parentId,
    tenantId: job.tenantId,
    ownerId: job.ownerId,
    group: job.group ?? null,
    status: job.status,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    runAt: job.runAt.toISOString(),
    lease: job.lease ? { expiresAt: job.lease.expiresAt.toISOString() } : null,
    progress: job.progress,
    stage: job.stage,
    current: job.current,
    total: job.total,
    metrics: job.metrics,
    note: job.note,
    error: errors && job.error ? errorJson(job.error) : null,
    errors: errors ? job.errors.map(errorJson) : [],
    history: (job.history ?? []).map((entry) => historyJson(entry, errors)),
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    updatedAt: job.updatedAt.toISOString(),
    trace: wireTrace(job.trace),
    scheduleName: job.scheduleName ?? null,
    scheduledFor: iso(job.scheduledFor ?? null),
    waitingFor: job.waitingFor ?? null,
  };
  for (const field of LARGE_JOB_FIELDS) {
    if (!allowed(expose[field], EXPOSE_DEFAULTS[field], job, scope)) continue;
    const bytes = tooLargeBytes(job, field, maxBytes);
    if (bytes !== null) {
      out.tooLarge ??= {};
      out.tooLarge[field] = bytes;
    } else if (job.unread?.[field] === undefined) (out as unknown as Record<LargeJobField, unknown>)[field] = job[field];
  }
  return out;
}

/** The field's size when it must not be sent for being over `maxBytes`, else null. */
function tooLargeBytes(job: Job, field: LargeJobField, maxBytes: number): number | null {
  const unread = job.unread?.[field];
  if (unread) return unread.reason === 'too_large' ? unread.bytes : null;
  // Read under a plan (`unread` present): what was read is within the cap already.
  if (job.unread !== undefined) return null;
  const bytes = jsonBytes(job[field]);
  return bytes > maxBytes ? bytes : null;
}
