import type { Job } from '@jobtrail/core';
import { newJob, type NewJobBatch } from '@jobtrail/core/store';
import { isoTimes, plainArrayLiteral, quotedArrayLiteral } from '../connection/array-literal.js';
import { indexedText, optionalUuid, requireInt } from '../validation/checks.js';
import { toJsonText } from './job-record.js';

/**
 * A batch of new keyless jobs (`insertNewJobs`) as the parameters of `insertBatchStatement` (all
 * but the channel and the types to wake), read straight from core's column arrays: the literals
 * `toColumnArrays` would write for the jobs the batch stands for, each value checked as
 * `toJobRecord` checks it, with no job or record per item. Answers are built from what was sent,
 * on first read.
 *
 * @throws {JobValidationError} naming the field, for what the table cannot hold.
 */
export function batchColumnArrays(batch: NewJobBatch): { params: string[]; withMetadata: boolean; storedJob: (index: number) => Job } {
  const count = batch.length;
  const iso = isoTimes();
  const { ids, types, runAt, maxAttempts, priorities, parentIds, tenantIds, ownerIds, groups } = batch;
  for (let index = 0; index < count; index++) {
    indexedText('type', types[index]!);
    requireInt('maxAttempts', maxAttempts[index], 0);
    requireInt('priority', priorities[index]);
  }
  const payloadText = jsonArray('payload', batch.payloads);
  const metadataText = batch.metadata === null ? null : jsonArray('metadata', batch.metadata);
  // In the order of BATCH_COLUMNS, then metadata when some job has any.
  const params = [
    plainArrayLiteral(count, (index) => ids[index]),
    quotedArrayLiteral(count, (index) => types[index]),
    parentIds === null ? '{}' : plainArrayLiteral(count, (index) => optionalUuid('parentId', parentIds[index])),
    texts('tenantId', tenantIds, count),
    texts('ownerId', ownerIds, count),
    texts('group', groups, count),
    plainArrayLiteral(count, (index) => maxAttempts[index]),
    plainArrayLiteral(count, (index) => priorities[index]),
    plainArrayLiteral(count, (index) => iso(new Date(runAt[index]!))),
    payloadText,
  ];
  if (metadataText !== null) params.push(metadataText);
  params.push(iso(new Date(batch.createdAt))!);
  return { params, withMetadata: metadataText !== null, storedJob: storedBatchJob(batch, payloadText, metadataText) };
}

/** The types of the batch's jobs due at `now`, each once (for the statement's NOTIFY, or the process's own workers). */
export function batchTypesDueAt(batch: NewJobBatch, now: number): string[] {
  const types = new Set<string>();
  for (let index = 0; index < batch.length; index++) if (batch.runAt[index]! <= now) types.add(batch.types[index]!);
  return [...types];
}

function texts(field: string, values: ReadonlyArray<string | null> | null, count: number): string {
  if (values === null) return '{}';
  return quotedArrayLiteral(count, (index) => indexedText(field, values[index]));
}

/** The column's values as one JSON array (a JSON null for a job without); a value JSON cannot hold is named by its field. */
function jsonArray(field: string, values: readonly unknown[]): string {
  try {
    return JSON.stringify(values);
  } catch {
    for (const value of values) toJsonText(field, value);
    return toJsonText(field, values);
  }
}

/**
 * Job `index` of the batch as stored, built when an answer is first read: from the values sent
 * (JSON parsed back from the text sent, so normalised as PostgreSQL returns it), never from the
 * caller's objects, which may have changed since.
 */
function storedBatchJob(batch: NewJobBatch, payloadText: string, metadataText: string | null): (index: number) => Job {
  const { ids, types, runAt, maxAttempts, priorities, parentIds, tenantIds, ownerIds, groups, createdAt } = batch;
  let payloads: unknown[] | undefined;
  let metadata: Array<Record<string, unknown>> | undefined;
  return (index) => {
    payloads ??= JSON.parse(payloadText) as unknown[];
    if (metadataText !== null) metadata ??= JSON.parse(metadataText) as Array<Record<string, unknown>>;
    return newJob({
      id: ids[index]!,
      type: types[index]!,
      key: null,
      parentId: parentIds?.[index] ?? null,
      tenantId: tenantIds?.[index] ?? null,
      ownerId: ownerIds?.[index] ?? null,
      group: groups?.[index] ?? null,
      status: 'queued',
      maxAttempts: maxAttempts[index]!,
      priority: priorities[index]!,
      runAt: new Date(runAt[index]!),
      payload: payloads[index] ?? null,
      metadata: metadata?.[index] ?? {},
      createdAt: new Date(createdAt),
    });
  };
}
