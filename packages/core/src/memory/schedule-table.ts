import type {
  ScheduleInsertResult,
  SchedulePatch,
  ScheduleQuery,
  ScheduleRecord,
  ScheduleUpdateResult,
} from '../store/schedule-store.js';
import { cloneValue, copyIn } from './clone.js';

/**
 * The memory store's schedules: records by name, copied on the way in and out (a caller never
 * holds the stored object). Every operation is synchronous, so compare-and-set needs no lock.
 * Scans are linear: a memory store holds few schedules.
 */
export class ScheduleTable {
  private readonly records = new Map<string, ScheduleRecord>();

  insert(record: ScheduleRecord): ScheduleInsertResult {
    const stored = copyRecordIn(record);
    const existing = this.records.get(record.name);
    if (existing !== undefined) return { ok: false, reason: 'exists', current: copyRecord(existing) };
    this.records.set(stored.name, stored);
    return { ok: true, schedule: copyRecord(stored) };
  }

  get(name: string): ScheduleRecord | null {
    const record = this.records.get(name);
    return record === undefined ? null : copyRecord(record);
  }

  list(query: ScheduleQuery): ScheduleRecord[] {
    const after = query.after;
    const names = [...this.records.keys()].filter((name) => after === undefined || byCodePoints(name, after) > 0).sort(byCodePoints);
    const page: ScheduleRecord[] = [];
    for (const name of names) {
      const record = this.records.get(name)!;
      if (query.tenantId !== undefined && record.tenantId !== query.tenantId) continue;
      page.push(copyRecord(record));
      if (page.length === query.limit) break;
    }
    return page;
  }

  due(now: Date, limit: number): ScheduleRecord[] {
    const at = now.getTime();
    return [...this.records.values()]
      .filter((record) => record.pendingTicks.length > 0 || (isActive(record) && record.nextRunAt !== null && record.nextRunAt.getTime() <= at))
      .sort(byDueOrder)
      .slice(0, limit)
      .map(copyRecord);
  }

  nextRunAt(): Date | null {
    let next: number | null = null;
    for (const record of this.records.values()) {
      if (!isActive(record) || record.nextRunAt === null) continue;
      const at = record.nextRunAt.getTime();
      if (next === null || at < next) next = at;
    }
    return next === null ? null : new Date(next);
  }

  update(name: string, expectedVersion: number, patch: SchedulePatch): ScheduleUpdateResult {
    const current = this.records.get(name);
    if (current === undefined) return { ok: false, reason: 'not_found' };
    if (current.version !== expectedVersion) return { ok: false, reason: 'conflict', current: copyRecord(current) };
    const changes = copyRecordIn(patch as ScheduleRecord);
    const next: ScheduleRecord = { ...current, version: expectedVersion + 1 };
    for (const key of Object.keys(changes) as (keyof ScheduleRecord)[]) {
      if (changes[key] !== undefined) (next as unknown as Record<string, unknown>)[key] = changes[key];
    }
    this.records.set(name, next);
    return { ok: true, schedule: copyRecord(next) };
  }

  delete(name: string, expectedVersion?: number): boolean {
    const record = this.records.get(name);
    if (record === undefined || (expectedVersion !== undefined && record.version !== expectedVersion)) return false;
    return this.records.delete(name);
  }

  clear(): void {
    this.records.clear();
  }
}

function isActive(record: ScheduleRecord): boolean {
  return record.enabled && !record.paused;
}

/** `nextRunAt` ascending, a schedule without one first, then name. */
function byDueOrder(a: ScheduleRecord, b: ScheduleRecord): number {
  const left = a.nextRunAt?.getTime() ?? -Infinity;
  const right = b.nextRunAt?.getTime() ?? -Infinity;
  return left !== right ? left - right : byCodePoints(a.name, b.name);
}

/**
 * Unicode code point order: the order of PostgreSQL's `COLLATE "C"` and MongoDB's binary string
 * comparison. UTF-16 code unit order (`<`) differs only where a surrogate pair (beyond U+FFFF)
 * meets a character from U+E000 to U+FFFF.
 */
export function byCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800-0xDFFF) stands for a code point above every BMP character.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** A deep copy of what a caller handed in; a value no store could hold is `invalid_input`. */
function copyRecordIn(record: ScheduleRecord): ScheduleRecord {
  const copy = { ...record };
  if (record.payload !== undefined) copy.payload = copyIn(cloneValue, record.payload, 'payload');
  if (record.metadata !== undefined) copy.metadata = copyIn(cloneValue, record.metadata, 'metadata');
  return copyDates(copy);
}

function copyRecord(record: ScheduleRecord): ScheduleRecord {
  return copyDates({ ...record, payload: cloneValue(record.payload), metadata: cloneValue(record.metadata) });
}

function copyDates(record: ScheduleRecord): ScheduleRecord {
  for (const key of ['startAt', 'endAt', 'anchorAt', 'nextRunAt', 'lastRunAt', 'createdAt', 'updatedAt'] as const) {
    const value = record[key];
    if (value != null) (record as unknown as Record<string, Date>)[key] = new Date(value.getTime());
  }
  if (record.pendingTicks !== undefined) record.pendingTicks = record.pendingTicks.map((tick) => new Date(tick.getTime()));
  return record;
}
