import { EntitySchema } from 'typeorm';
import { DEFAULT_TABLE_NAME, resolveTableNames } from '../naming/table-names.js';

/**
 * A job row as TypeORM sees it (column names as in the table). For reporting queries and joins
 * in your own code; the store itself never goes through entities.
 */
export interface JobEntityRow {
  id: string;
  type: string;
  key: string | null;
  parentId: string | null;
  tenantId: string | null;
  ownerId: string | null;
  /** The job's group (`Job.group`), or null. */
  groupName: string | null;
  /** The schedule that fired the job (`Job.scheduleName`), or null. */
  scheduleName: string | null;
  /** The tick the job stands for (`Job.scheduledFor`), or null. */
  scheduledFor: Date | null;
  status: string;
  attempt: number;
  maxAttempts: number;
  priority: number;
  runAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  progress: number;
  stage: string | null;
  current: number | null;
  total: number | null;
  payload: unknown;
  result: unknown;
  metadata: Record<string, unknown>;
  metrics: Record<string, number>;
  note: string | null;
  error: unknown;
  errors: unknown[];
  /** Ended attempts and manual retries (`Job.history`); times inside are ISO strings. */
  history: unknown[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
  trace: string | null;
}

export interface JobEntityOptions {
  /** Schema of the job table; default: the DataSource's. */
  schema?: string;
  /** Default `jobtrail_jobs`. */
  tableName?: string;
  /** Entity name (must be unique in the DataSource). Default `JobtrailJob`. */
  name?: string;
}

/**
 * Defines the job table as a TypeORM `EntitySchema` (no decorators needed). `synchronize` is off:
 * the table, its partial indexes and constraints come from the jobtrail migrations.
 */
export function createJobEntity(options: JobEntityOptions = {}): EntitySchema<JobEntityRow> {
  if (options.schema !== undefined || options.tableName !== undefined) resolveTableNames(options.schema, options.tableName);
  const nullableText = { type: 'text', nullable: true } as const;
  const nullableTime = { type: 'timestamptz', nullable: true } as const;
  return new EntitySchema<JobEntityRow>({
    name: options.name ?? 'JobtrailJob',
    tableName: options.tableName ?? DEFAULT_TABLE_NAME,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    synchronize: false,
    columns: {
      id: { type: 'uuid', primary: true },
      type: { type: 'text' },
      key: nullableText,
      parentId: { name: 'parent_id', type: 'uuid', nullable: true },
      tenantId: { name: 'tenant_id', ...nullableText },
      ownerId: { name: 'owner_id', ...nullableText },
      groupName: { name: 'group_name', ...nullableText },
      scheduleName: { name: 'schedule_name', ...nullableText },
      scheduledFor: { name: 'scheduled_for', ...nullableTime },
      status: { type: 'text' },
      attempt: { type: 'integer' },
      maxAttempts: { name: 'max_attempts', type: 'integer' },
      priority: { type: 'integer' },
      runAt: { name: 'run_at', type: 'timestamptz' },
      leaseOwner: { name: 'lease_owner', ...nullableText },
      leaseExpiresAt: { name: 'lease_expires_at', ...nullableTime },
      progress: { type: 'double precision' },
      stage: nullableText,
      current: { type: 'double precision', nullable: true },
      total: { type: 'double precision', nullable: true },
      payload: { type: 'jsonb', nullable: true },
      result: { type: 'jsonb', nullable: true },
      metadata: { type: 'jsonb' },
      metrics: { type: 'jsonb' },
      note: nullableText,
      error: { type: 'jsonb', nullable: true },
      errors: { type: 'jsonb' },
      history: { type: 'jsonb' },
      createdAt: { name: 'created_at', type: 'timestamptz' },
      startedAt: { name: 'started_at', ...nullableTime },
      finishedAt: { name: 'finished_at', ...nullableTime },
      updatedAt: { name: 'updated_at', type: 'timestamptz' },
      trace: nullableText,
    },
  });
}

/** The job table (`jobtrail_jobs` in the DataSource's schema): add it to `entities`. */
export const JobEntity: EntitySchema<JobEntityRow> = createJobEntity();
