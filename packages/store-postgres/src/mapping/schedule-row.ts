import type { SchedulePatch, ScheduleRecord } from '@jobtrail/core/store';
import { indexedText } from '../validation/checks.js';
import { toJsonText } from './job-record.js';

/**
 * The schedules table's columns, in one place: statements list them instead of `*` (a prepared
 * `RETURNING *` breaks as soon as a later migration adds a column while the app runs).
 */
export const SCHEDULE_COLUMN_NAMES = [
  'name',
  'type',
  'payload',
  'metadata',
  'tenant_id',
  'cron',
  'timezone',
  'every_ms',
  'start_at',
  'end_at',
  'anchor_at',
  'overlap',
  'catch_up',
  'max_catch_up',
  'enabled',
  'paused',
  'next_run_at',
  'last_run_at',
  'last_job_id',
  'pending_ticks',
  'version',
  'created_at',
  'updated_at',
] as const;

export type ScheduleColumn = (typeof SCHEDULE_COLUMN_NAMES)[number];

/** `name, type, ...` or, with an alias, `s.name, s.type, ...`. */
export function scheduleColumns(alias?: string): string {
  return alias === undefined ? SCHEDULE_COLUMN_NAMES.join(', ') : SCHEDULE_COLUMN_NAMES.map((name) => `${alias}.${name}`).join(', ');
}

/**
 * The SQL types of the columns a schedule input (`jsonb_to_record`) carries: the statements unpack
 * the JSON of `toScheduleInput` / `toSchedulePatchInput` with them, so every value is cast by
 * PostgreSQL exactly as its column is.
 */
export const SCHEDULE_INPUT_TYPES: Readonly<Record<ScheduleColumn, string>> = {
  name: 'text',
  type: 'text',
  payload: 'jsonb',
  metadata: 'jsonb',
  tenant_id: 'text',
  cron: 'text',
  timezone: 'text',
  every_ms: 'bigint',
  start_at: 'timestamptz',
  end_at: 'timestamptz',
  anchor_at: 'timestamptz',
  overlap: 'text',
  catch_up: 'text',
  max_catch_up: 'integer',
  enabled: 'boolean',
  paused: 'boolean',
  next_run_at: 'timestamptz',
  last_run_at: 'timestamptz',
  last_job_id: 'uuid',
  pending_ticks: 'timestamptz[]',
  version: 'bigint',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
};

/** A schedule row as node-postgres hands it over; `toScheduleRecord` is the one way to core's record. */
export interface ScheduleRow {
  name: string;
  type: string;
  payload: unknown;
  metadata: Record<string, unknown> | null;
  tenant_id: string | null;
  cron: string | null;
  timezone: string | null;
  /** bigint: a string unless the application parses int8. */
  every_ms: number | string | null;
  start_at: Date | string | null;
  end_at: Date | string | null;
  anchor_at: Date | string;
  overlap: ScheduleRecord['overlap'];
  catch_up: ScheduleRecord['catchUp'];
  max_catch_up: number;
  enabled: boolean;
  paused: boolean;
  next_run_at: Date | string | null;
  last_run_at: Date | string | null;
  last_job_id: string | null;
  pending_ticks: Array<Date | string> | null;
  version: number | string;
  created_at: Date | string;
  updated_at: Date | string;
}

/** Times arrive as Dates with pg's default parsers; strings too, if the application set its own. */
function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function toOptionalDate(value: Date | string | null | undefined): Date | null {
  return value == null ? null : toDate(value);
}

export function toScheduleRecord(row: ScheduleRow): ScheduleRecord {
  return {
    name: row.name,
    type: row.type,
    payload: row.payload ?? null,
    metadata: row.metadata ?? {},
    tenantId: row.tenant_id,
    cron: row.cron,
    timezone: row.timezone,
    everyMs: row.every_ms == null ? null : Number(row.every_ms),
    startAt: toOptionalDate(row.start_at),
    endAt: toOptionalDate(row.end_at),
    anchorAt: toDate(row.anchor_at),
    overlap: row.overlap,
    catchUp: row.catch_up,
    maxCatchUp: Number(row.max_catch_up),
    enabled: row.enabled,
    paused: row.paused,
    nextRunAt: toOptionalDate(row.next_run_at),
    lastRunAt: toOptionalDate(row.last_run_at),
    lastJobId: row.last_job_id,
    pendingTicks: (row.pending_ticks ?? []).map(toDate),
    version: Number(row.version),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/**
 * The fields of a record or patch by column, JSON-ready (Dates serialise to ISO strings), with only
 * the fields that are set: a patch's `undefined` leaves its column alone.
 *
 * Beyond core's checks, the type and tenant are kept to what the job table indexes: every job the
 * schedule fires carries them, and a schedule whose jobs could never be inserted is refused now,
 * naming the field, rather than failing at each tick.
 */
function toColumns(fields: Partial<ScheduleRecord>): Partial<Record<ScheduleColumn, unknown>> {
  const columns: Partial<Record<ScheduleColumn, unknown>> = {};
  const set = (column: ScheduleColumn, value: unknown): void => {
    if (value !== undefined) columns[column] = value;
  };
  set('name', fields.name);
  set('type', fields.type === undefined ? undefined : indexedText('type', fields.type));
  set('payload', fields.payload);
  set('metadata', fields.metadata);
  set('tenant_id', fields.tenantId === undefined ? undefined : indexedText('tenantId', fields.tenantId));
  set('cron', fields.cron);
  set('timezone', fields.timezone);
  set('every_ms', fields.everyMs);
  set('start_at', fields.startAt);
  set('end_at', fields.endAt);
  set('anchor_at', fields.anchorAt);
  set('overlap', fields.overlap);
  set('catch_up', fields.catchUp);
  set('max_catch_up', fields.maxCatchUp);
  set('enabled', fields.enabled);
  set('paused', fields.paused);
  set('next_run_at', fields.nextRunAt);
  set('last_run_at', fields.lastRunAt);
  set('last_job_id', fields.lastJobId);
  set('pending_ticks', fields.pendingTicks);
  set('version', fields.version);
  set('created_at', fields.createdAt);
  set('updated_at', fields.updatedAt);
  return columns;
}

/**
 * A new schedule (checked by core's `guardStore`) as the insert statement takes it: one JSON
 * object by column name. A payload left `undefined` is stored as null, as for jobs.
 */
export function toScheduleInput(record: ScheduleRecord): string {
  return toJson({ ...toColumns(record), payload: record.payload ?? null });
}

/**
 * A patch (checked by core's `guardStore`, which refuses one setting `name`, `version` or
 * `createdAt`) as the update statement takes it: only the columns it writes are keys (a key with
 * null writes NULL; an absent key leaves the column as it is).
 */
export function toSchedulePatchInput(patch: SchedulePatch): string {
  return toJson(toColumns(patch));
}

/** JSON text of the columns; when JSON cannot carry a value (a BigInt, a cycle), names the field. */
function toJson(columns: Partial<Record<ScheduleColumn, unknown>>): string {
  try {
    return JSON.stringify(columns);
  } catch {
    toJsonText('payload', columns.payload);
    toJsonText('metadata', columns.metadata);
    return toJsonText('schedule', columns);
  }
}
