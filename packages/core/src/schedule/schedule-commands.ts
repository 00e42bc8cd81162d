import { keepsSchedules } from '../store/guarded-store.js';
import { JobValidationError, ScheduleNotFoundError, StoreError } from '../errors/jobtrail-error.js';
import type { JobStore, StoreLimits } from '../store/job-store.js';
import { MAX_SCHEDULE_PAGE, type SchedulePatch, type ScheduleRecord, type ScheduleStore } from '../store/schedule-store.js';
import type { ClockSync } from '../tracker/clock-sync.js';
import { assertKnownKeys, integerOption, show } from '../tracker/validate-input.js';
import { readInput } from '../util/read-input.js';
import { toSchedule, type ListSchedulesOptions, type Schedule, type SchedulePage } from './schedule.js';
import { firstTickFrom, newScheduleRecord, specPatch } from './schedule-record.js';
import { assertScheduleName, checkScheduleSpec, type ScheduleSpec } from './schedule-spec.js';

/** Who may touch a schedule: `tenantId` given (null included) narrows to that tenant's. */
export interface ScheduleScope {
  tenantId?: string | null;
}

export interface ScheduleCommandsDeps {
  store: JobStore;
  clock: ClockSync;
  limits: StoreLimits;
}

/**
 * Compare-and-set rounds before a command gives up: each lost round means another process wrote
 * the same schedule in between, which a scheduler does at most once per tick.
 */
const MAX_ROUNDS = 20;
const DEFAULT_PAGE = 100;
const SCOPE_KEYS: ReadonlySet<string> = new Set(['tenantId']);
const LIST_KEYS: ReadonlySet<string> = new Set(['tenantId', 'after', 'limit']);

/** `tracker.schedule()` and the other schedule commands (see the Tracker's docstrings). */
export class ScheduleCommands {
  constructor(private readonly deps: ScheduleCommandsDeps) {}

  async schedule(name: string, spec: ScheduleSpec): Promise<Schedule> {
    const store = this.scheduleStore();
    const { clock, limits } = this.deps;
    if (clock.pending) await clock.ready();
    const definition = readInput('spec', () => checkScheduleSpec(name, spec, { limits }));
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = new Date(clock.clock.now());
      const current = await store.getSchedule(definition.name);
      if (current === null) {
        const record = newScheduleRecord(definition, now);
        if (record.nextRunAt === null) throw noTickLeft(now);
        const inserted = await store.insertSchedule(record);
        if (inserted.ok) return toSchedule(inserted.schedule);
        continue; // declared by another process just now: compare with theirs
      }
      if (current.tenantId !== definition.tenantId) {
        throw new JobValidationError(
          'tenantId',
          `schedule ${JSON.stringify(definition.name)} exists for another tenant; schedule names are unique across tenants (prefix them with the tenant).`,
        );
      }
      const patch = specPatch(current, definition, now);
      if (patch === null) return toSchedule(current);
      if (patch.anchorAt !== undefined && patch.nextRunAt === null) throw noTickLeft(now);
      const updated = await store.updateSchedule(definition.name, current.version, patch);
      if (updated.ok) return toSchedule(updated.schedule);
    }
    throw contended(definition.name);
  }

  async unschedule(name: string, scope?: ScheduleScope): Promise<boolean> {
    const store = this.scheduleStore();
    const wanted = checkScope(scope);
    assertScheduleName(name);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await store.getSchedule(name);
      if (current === null || !inScope(current, wanted)) return false;
      // The record just read, not one created again under the same name meanwhile.
      if (await store.deleteSchedule(name, current.version)) return true;
    }
    throw contended(name);
  }

  pause(name: string, scope?: ScheduleScope): Promise<Schedule> {
    return this.change(name, scope, (current) => (current.paused ? null : { paused: true }));
  }

  resume(name: string, scope?: ScheduleScope): Promise<Schedule> {
    return this.change(name, scope, (current, now) =>
      // The ticks it was paused for are not fired: they were held back on purpose, not missed.
      current.paused ? { paused: false, nextRunAt: firstTickFrom(current, now) } : null,
    );
  }

  async get(name: string, scope?: ScheduleScope): Promise<Schedule | null> {
    const store = this.scheduleStore();
    const wanted = checkScope(scope);
    assertScheduleName(name);
    const current = await store.getSchedule(name);
    return current === null || !inScope(current, wanted) ? null : toSchedule(current);
  }

  async list(options: ListSchedulesOptions = {}): Promise<SchedulePage> {
    const store = this.scheduleStore();
    const query = readInput('options', () => {
      if (options === null || typeof options !== 'object') throw new JobValidationError('options', `must be an object; got ${show(options)}.`);
      assertKnownKeys(options, LIST_KEYS, 'a listSchedules');
      const limit = integerOption(options.limit, DEFAULT_PAGE, 'limit', 1, MAX_SCHEDULE_PAGE);
      const tenantId = checkScope({ tenantId: options.tenantId }).tenantId;
      const after = options.after; // read once: what is checked is what is used
      if (after !== undefined) assertScheduleName(after, 'after');
      return { limit, tenantId, after };
    });
    // One more than asked tells whether a next page exists; at the store's largest page, a full
    // page answers a cursor (the next page may then be empty), never a silent end.
    const records = await store.listSchedules({
      limit: Math.min(query.limit + 1, MAX_SCHEDULE_PAGE),
      ...(query.tenantId === undefined ? {} : { tenantId: query.tenantId }),
      ...(query.after === undefined ? {} : { after: query.after }),
    });
    const page = records.slice(0, query.limit);
    const more = records.length > query.limit || (records.length === MAX_SCHEDULE_PAGE && query.limit === MAX_SCHEDULE_PAGE);
    return { schedules: page.map(toSchedule), nextCursor: more ? page[page.length - 1]!.name : null };
  }

  /** Applies `decide`'s patch with compare-and-set; null from `decide` means nothing to do. */
  private async change(
    name: string,
    scope: ScheduleScope | undefined,
    decide: (current: ScheduleRecord, now: Date) => Omit<SchedulePatch, 'updatedAt'> | null,
  ): Promise<Schedule> {
    const store = this.scheduleStore();
    const wanted = checkScope(scope);
    assertScheduleName(name);
    const { clock } = this.deps;
    if (clock.pending) await clock.ready();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await store.getSchedule(name);
      if (current === null || !inScope(current, wanted)) throw new ScheduleNotFoundError(name);
      const now = new Date(clock.clock.now());
      const patch = decide(current, now);
      if (patch === null) return toSchedule(current);
      const updated = await store.updateSchedule(name, current.version, { ...patch, updatedAt: now });
      if (updated.ok) return toSchedule(updated.schedule);
      if (updated.reason === 'not_found') throw new ScheduleNotFoundError(name);
    }
    throw contended(name);
  }

  private scheduleStore(): ScheduleStore {
    const store = this.deps.store;
    if (!keepsSchedules(store)) {
      throw new StoreError('This job store keeps no schedules (it implements no ScheduleStore methods); use a store that does, such as MemoryJobStore, PostgresJobStore or MongoJobStore.');
    }
    return store;
  }
}

function checkScope(scope: ScheduleScope | undefined): ScheduleScope {
  return readInput('scope', () => {
    if (scope === undefined) return {};
    if (scope === null || typeof scope !== 'object') throw new JobValidationError('scope', `must be an object such as { tenantId }; got ${show(scope)}.`);
    // A misspelt key ({ tenantid }) must not widen the scope to every tenant.
    assertKnownKeys(scope, SCOPE_KEYS, 'a schedule scope');
    const tenantId = scope.tenantId;
    if (tenantId !== undefined && tenantId !== null && typeof tenantId !== 'string') {
      throw new JobValidationError('tenantId', `must be a string or null; got ${show(tenantId)}.`);
    }
    return tenantId === undefined ? {} : { tenantId };
  });
}

function inScope(record: ScheduleRecord, scope: ScheduleScope): boolean {
  return scope.tenantId === undefined || record.tenantId === scope.tenantId;
}

/** A new or re-timed schedule whose every tick lies in the past: it could never fire. */
function noTickLeft(now: Date): JobValidationError {
  return new JobValidationError('endAt', `leaves no tick after now (${now.toISOString()}): the schedule would never fire.`);
}

function contended(name: string): StoreError {
  return new StoreError(`Schedule ${JSON.stringify(name)} kept changing under this call (${MAX_ROUNDS} compare-and-set rounds lost); try again.`);
}
