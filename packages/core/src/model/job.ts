import type { JobStatus } from './job-status.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who holds a running job and until when. */
export interface JobLease {
  owner: string;
  expiresAt: Date;
}

/** The failure of one attempt. */
export interface JobError {
  message: string;
  /** A stable, machine-readable code: the thrown error's `code`, or e.g. `lease_expired`. */
  code: string | null;
  /** The error's class name (`TypeError`, `FatalJobError`, ...). */
  name: string | null;
  retryable: boolean;
  attempt: number;
  at: Date;
  /** Only stored when the tracker is configured to keep stacks. */
  stack?: string | null;
}

/** The durable record of one unit of work. */
export interface Job<TPayload = unknown, TResult = unknown> {
  /** UUIDv7: time-ordered and unguessable. */
  id: string;
  type: string;
  /** Idempotency key: unique among the non-finished jobs of one type. */
  key: string | null;
  parentId: string | null;
  tenantId: string | null;
  ownerId: string | null;

  status: JobStatus;
  /** 0 before the first start, then 1-based. */
  attempt: number;
  maxAttempts: number;
  /** Higher runs first. */
  priority: number;
  /** The job is not claimable before this instant. */
  runAt: Date;
  lease: JobLease | null;

  /** Fraction 0..1. */
  progress: number;
  stage: string | null;
  current: number | null;
  total: number | null;

  payload: TPayload;
  result: TResult | null;
  metadata: Record<string, unknown>;
  metrics: Record<string, number>;
  note: string | null;

  error: JobError | null;
  /** Errors of earlier attempts, oldest first, bounded. */
  errors: JobError[];

  createdAt: Date;
  /** When the latest attempt started. */
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;

  /** W3C traceparent of the context that created the job. */
  trace: string | null;
}

/** Who is asking: every read path can be narrowed to one tenant and/or one owner. */
export interface JobScope {
  tenantId?: string | null;
  ownerId?: string | null;
}
