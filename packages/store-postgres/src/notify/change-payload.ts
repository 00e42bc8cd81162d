import { StoreError, defineErrorKind, isJobStatus, type JobChange } from '@jobtrail/core';
import { isUuid } from '@jobtrail/core/store';

/**
 * Largest routing item (`[id, type, tenant, owner, status, version]` as JSON) the triggers send
 * whole; a larger one (a very long type or tenant) is sent as `[id]` and read by the listener.
 */
export const MAX_CHANGE_ITEM_BYTES = 1000;
/**
 * Where the triggers cut a statement's items into notifications: a notification holds at most
 * this plus one item and its brackets (< 7,500 bytes), under PostgreSQL's 8000-byte payload limit.
 */
export const CHANGE_CHUNK_BYTES = 6400;

/** What one notification on the change channel carries. */
export interface ParsedChanges {
  /** Changes carried whole. */
  changes: JobChange[];
  /** Jobs whose routing fields did not fit: to be read. */
  idsOnly: string[];
}

/** A notification on the change channel that is not what the triggers send. */
export class ChangeNotificationError extends StoreError {
  static {
    defineErrorKind(this, '@jobtrail/store-postgres:ChangeNotificationError');
  }

  constructor(reason: string) {
    super(`Ignored a malformed notification on the change channel (${reason}); change listeners get a gap and read again.`);
    this.name = 'ChangeNotificationError';
  }
}

/**
 * Parses a change notification: a JSON array of items, each `[id, type, tenant_id, owner_id,
 * status, updated_at ms]` or `[id]`. Anyone who may NOTIFY can write to the channel, so every
 * field is checked; throws ChangeNotificationError on anything else (the whole payload is
 * dropped: the caller reports a gap).
 */
export function parseChangePayload(payload: string | undefined): ParsedChanges {
  let items: unknown;
  try {
    items = JSON.parse(payload ?? '');
  } catch {
    throw new ChangeNotificationError('not JSON');
  }
  if (!Array.isArray(items)) throw new ChangeNotificationError('not an array');
  const changes: JobChange[] = [];
  const idsOnly: string[] = [];
  for (const item of items) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || !isUuid(item[0])) throw new ChangeNotificationError('an item without a job id');
    if (item.length === 1) {
      idsOnly.push(item[0]);
      continue;
    }
    const [jobId, type, tenantId, ownerId, status, version] = item as unknown[];
    if (item.length !== 6 || typeof type !== 'string' || !isNullableString(tenantId) || !isNullableString(ownerId)) {
      throw new ChangeNotificationError('an item without routing fields');
    }
    if (typeof status !== 'string' || !isJobStatus(status)) throw new ChangeNotificationError('an unknown status');
    if (typeof version !== 'number' || !Number.isSafeInteger(version)) throw new ChangeNotificationError('a version that is not a time in ms');
    changes.push({ jobId: jobId as string, type, tenantId, ownerId, status, version });
  }
  return { changes, idsOnly };
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}
