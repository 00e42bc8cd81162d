import type { JobScope } from '../model/job.js';
import type { ScheduleScope } from '../schedule/schedule-commands.js';
import { HttpError, badRequest, quote } from './http-error.js';
import type { CallerScope, ExposeOptions, JobsHandlerOptions } from './jobs-handler-options.js';
import { toScheduleJson } from './schedule-json.js';
import { toTypeJson } from './type-json.js';
import type { ScheduleAction, ScheduleResponse, TypeAction, TypeListResponse, TypeResponse } from './wire-types.js';

export interface ControlRouteDeps {
  tracker: JobsHandlerOptions['tracker'];
  canManageTypes: JobsHandlerOptions['canManageTypes'];
  canActOnSchedule: JobsHandlerOptions['canActOnSchedule'];
  expose: ExposeOptions;
  maxExposedBytes: number;
}

/**
 * The routes that read and steer job types and schedules rather than jobs: `GET /types`,
 * `POST /types/:type/pause|resume` and `POST /schedules/:name/pause|resume`. Every count is of
 * the caller's scope; the action guard (origin, body type) has run before an action gets here.
 */
export function createControlRoutes(deps: ControlRouteDeps) {
  const { tracker } = deps;

  /** The types the caller's scope has jobs of, plus the paused or limited ones; an unscoped caller sees every type. */
  async function types(scope: JobScope): Promise<TypeListResponse> {
    const unscoped = scope.tenantId === undefined && scope.ownerId === undefined;
    const list = await (unscoped ? tracker.listTypes() : tracker.listTypes({ scope }));
    return { types: list.map(toTypeJson) };
  }

  /** `admin`: the caller's `admin` as `authorize` returned it, read once with the scope. */
  async function actOnType(encodedType: string, action: TypeAction, caller: CallerScope, scope: JobScope, admin: boolean): Promise<TypeResponse> {
    const type = decodeSegment(encodedType, 'type');
    const unscoped = scope.tenantId === undefined && scope.ownerId === undefined;
    const allowed = deps.canManageTypes ? await deps.canManageTypes(caller, action, type) : unscoped && admin;
    if (!allowed) {
      throw new HttpError(403, 'forbidden', `You may not ${action} job types: a pause holds every tenant's jobs of the type (the server's canManageTypes decides).`);
    }
    const info = action === 'pause' ? await tracker.pauseType(type) : await tracker.resumeType(type);
    // The counts the caller may see: its own scope's.
    return { type: toTypeJson(unscoped ? info : await tracker.getType(type, { scope })) };
  }

  /**
   * A schedule belongs to a tenant and to no owner (see `GET /schedules`): a caller narrowed to an
   * owner sees none, and one outside its tenant gets the same 404 as for a missing schedule.
   */
  async function actOnSchedule(encodedName: string, action: ScheduleAction, caller: CallerScope, scope: JobScope): Promise<ScheduleResponse> {
    const name = decodeSegment(encodedName, 'name');
    if (scope.ownerId !== undefined && scope.ownerId !== null) throw scheduleNotFound();
    const scheduleScope: ScheduleScope = scope.tenantId === undefined ? {} : { tenantId: scope.tenantId };
    if (deps.canActOnSchedule) {
      const visible = await tracker.getSchedule(name, scheduleScope);
      if (visible === null) throw scheduleNotFound();
      if (!(await deps.canActOnSchedule(caller, action, visible))) {
        throw new HttpError(403, 'forbidden', `You may see this schedule but not ${action} it.`);
      }
    }
    const changed = action === 'pause' ? await tracker.pauseSchedule(name, scheduleScope) : await tracker.resumeSchedule(name, scheduleScope);
    return { schedule: toScheduleJson(changed, deps.expose, deps.maxExposedBytes) };
  }

  return { types, actOnType, actOnSchedule };
}

/** One missing or invisible schedule answers like another. */
export function scheduleNotFound(): HttpError {
  return new HttpError(404, 'schedule_not_found', 'Schedule not found.');
}

/** A percent-encoded path segment, decoded; 400 for a malformed escape. */
function decodeSegment(segment: string, field: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`${field}: ${quote(segment)} is not a valid percent-encoded path segment.`);
  }
}
