import type { ScheduleCatchUp, ScheduleOverlap } from '../model/schedule-policy.js';

/**
 * A recurring schedule as a store holds it: the checked spec (see `checkScheduleSpec`), the
 * operator's `paused` flag, where firing stands, and a `version` for compare-and-set. Core
 * computes every field; a store only keeps them and performs the compare-and-set core asks for.
 *
 * Firing a tick (see docs/design.md, "Recurring schedules") is: advance the record with
 * compare-and-set, listing the claimed ticks in `pendingTicks`; insert their jobs (ids derived
 * from name and tick, so a second insert is refused by the primary key); clear `pendingTicks`.
 * A process that dies in between leaves `pendingTicks` for the next pass of any process.
 */
export interface ScheduleRecord {
  /** Unique in the store (across tenants), 1 to 255 characters. */
  name: string;
  type: string;
  payload: unknown;
  metadata: Record<string, unknown>;
  tenantId: string | null;
  /** Exactly one of `cron` (with `timezone`) and `everyMs` is set. */
  cron: string | null;
  timezone: string | null;
  /** The interval in ms (integer, 1 000 to 366 days). */
  everyMs: number | null;
  startAt: Date | null;
  endAt: Date | null;
  /** When the schedule's timing was last set: `every` ticks count from it without `startAt`. */
  anchorAt: Date;
  overlap: ScheduleOverlap;
  catchUp: ScheduleCatchUp;
  /** 1 to 1000. */
  maxCatchUp: number;
  /** From the spec (the code's say); a disabled schedule never fires. */
  enabled: boolean;
  /** The operator's say (`pauseSchedule`), kept when the code declares the schedule again. */
  paused: boolean;
  /** The next tick, or null when there is none (past `endAt`). */
  nextRunAt: Date | null;
  /**
   * The newest tick fired (claimed by a scheduler), or null before the first. Its job exists once
   * `pendingTicks` is empty; while the store refuses the insert, only the claim does.
   */
  lastRunAt: Date | null;
  /** The job of `lastRunAt`'s tick (its id is derived from name and tick). */
  lastJobId: string | null;
  /** Ticks claimed whose jobs may not exist yet, oldest first (at most 1000). Usually empty. */
  pendingTicks: Date[];
  /**
   * Set by core on insert (the creation time in ms, so a schedule deleted and declared again never
   * repeats a version its predecessor had: a stale compare-and-set cannot land on the new one);
   * each update sets it to the expected version + 1.
   */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields `updateSchedule` may set; `undefined` leaves a field as it is. */
export type SchedulePatch = Partial<Omit<ScheduleRecord, 'name' | 'version' | 'createdAt' | 'updatedAt'>> & {
  updatedAt: Date;
};

export type ScheduleInsertResult =
  | { ok: true; schedule: ScheduleRecord }
  /** A schedule of that name exists already (whatever its tenant): nothing was written. */
  | { ok: false; reason: 'exists'; current: ScheduleRecord };

export type ScheduleUpdateResult =
  | { ok: true; schedule: ScheduleRecord }
  | { ok: false; reason: 'not_found' }
  /** Its version is no longer the expected one: nothing was written. */
  | { ok: false; reason: 'conflict'; current: ScheduleRecord };

/**
 * What `listSchedules` answers: ordered by name ascending, in Unicode code point order (what
 * PostgreSQL's `COLLATE "C"` and MongoDB's default binary comparison give; JavaScript's `<` on
 * strings differs only for characters beyond U+FFFF).
 */
export interface ScheduleQuery {
  /** Only schedules of this tenant (`null`: without one; undefined: any). */
  tenantId?: string | null;
  /** Only names after this one in code point order (the previous page's last name). */
  after?: string;
  /** An integer from 1 to 1000. */
  limit: number;
}

/**
 * The schedule part of the persistence port. Optional as a whole: a store has all of these
 * methods or none (`guardStore` refuses a store with some of them). Without them
 * `tracker.schedule()` throws `StoreError` and workers fire nothing. Same rules as `JobStore`:
 * atomic, safe under concurrent calls from many processes, input checked by `guardStore`.
 */
export interface ScheduleStore {
  /**
   * Inserts a new schedule, as given. A schedule of that name already there
   * (whatever its tenant) answers `exists` with it, and nothing is written. When it inserted,
   * wakes subscribers with `{ schedule: name }` (in every process, where the store can).
   */
  insertSchedule(record: ScheduleRecord): Promise<ScheduleInsertResult>;

  /** The schedule, or null. */
  getSchedule(name: string): Promise<ScheduleRecord | null>;

  /** A page of schedules, name ascending. */
  listSchedules(query: ScheduleQuery): Promise<ScheduleRecord[]>;

  /**
   * Schedules a scheduler must look at `now`: those with `pendingTicks` (whatever their state),
   * and those enabled, not paused and with `nextRunAt <= now`. Up to `limit`, `nextRunAt`
   * ascending (a schedule without one first), then name.
   */
  dueSchedules(now: Date, limit: number): Promise<ScheduleRecord[]>;

  /** The earliest `nextRunAt` of the enabled, unpaused schedules, or null when none has one. */
  nextScheduleRunAt(): Promise<Date | null>;

  /**
   * Compare-and-set: applies `patch` and sets `version` to `expectedVersion + 1` only while the
   * schedule's version is `expectedVersion`. When it wrote, wakes subscribers with
   * `{ schedule: name }` (in every process, where the store can).
   */
  updateSchedule(name: string, expectedVersion: number, patch: SchedulePatch): Promise<ScheduleUpdateResult>;

  /**
   * Deletes the schedule (its jobs stay); answers whether it deleted it. With `expectedVersion`,
   * only while the schedule is at that version (compare-and-set: the record the caller read, not
   * one created again under the same name since). When it deleted, wakes subscribers.
   */
  deleteSchedule(name: string, expectedVersion?: number): Promise<boolean>;
}

/** The names of the {@link ScheduleStore} methods: a store has all of them or none. */
export const SCHEDULE_STORE_METHODS = [
  'insertSchedule',
  'getSchedule',
  'listSchedules',
  'dueSchedules',
  'nextScheduleRunAt',
  'updateSchedule',
  'deleteSchedule',
] as const satisfies ReadonlyArray<keyof ScheduleStore>;

/** Largest page `listSchedules` and `dueSchedules` answer. */
export const MAX_SCHEDULE_PAGE = 1000;
