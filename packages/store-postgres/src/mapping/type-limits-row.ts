import type { TypeControl } from '@jobtrail/core/store';

/** A type limits row as node-postgres hands it over; `toTypeControl` is the one way to core's record. */
export interface TypeLimitsRow {
  type: string;
  max_running: number | null;
  max_running_per_group: number | null;
  rate_limit: number | null;
  rate_interval_ms: number | null;
  rate_per_group: boolean | null;
  paused: boolean;
  /** bigint: a string unless the application parses int8. */
  version: number | string;
  updated_at: Date | string;
}

export function toTypeControl(row: TypeLimitsRow): TypeControl {
  return {
    type: row.type,
    maxRunning: row.max_running === null ? null : Number(row.max_running),
    maxRunningPerGroup: row.max_running_per_group === null ? null : Number(row.max_running_per_group),
    rateLimit:
      row.rate_limit === null
        ? null
        : { limit: Number(row.rate_limit), intervalMs: Number(row.rate_interval_ms), perGroup: row.rate_per_group === true },
    paused: row.paused,
    version: Number(row.version),
    updatedAt: row.updated_at instanceof Date ? row.updated_at : new Date(row.updated_at),
  };
}

/** A record (checked by core's `guardStore`) as the write statements' $1..$9. */
export function typeLimitsParams(control: TypeControl): unknown[] {
  const rate = control.rateLimit;
  return [
    control.type,
    control.maxRunning,
    control.maxRunningPerGroup,
    rate === null ? null : rate.limit,
    rate === null ? null : rate.intervalMs,
    rate === null ? null : rate.perGroup,
    control.paused,
    String(control.version),
    control.updatedAt,
  ];
}
