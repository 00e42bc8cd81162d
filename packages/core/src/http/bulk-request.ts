import { JOB_STATUSES, isJobStatus, type JobStatus } from '../model/job-status.js';
import { MAX_JOB_TYPE_LENGTH } from '../model/job-type.js';
import { checkMetadataFilter } from '../store/metadata-filter-check.js';
import { JOB_FILTER_KEYS, type JobFilter } from '../tracker/query-filters.js';
import { assertStorableDate } from '../tracker/validate-input.js';
import { isUuid } from '../util/uuid-v7.js';
import { HttpError, badRequest, quote } from './http-error.js';
import { parseIsoInstant } from './iso-date.js';

/** Largest filter body `POST /jobs/retry|cancel` reads, in bytes: far above any real filter. */
export const MAX_BULK_BODY_BYTES = 16_384;

/** Most values a `status` or `type` list may hold, as for the query string's lists. */
const MAX_LIST_VALUES = 50;

/** The fields a bulk filter body may hold: the list filters (the caller's scope is added, never taken from here). */
const BULK_FILTER_FIELDS: readonly string[] = JOB_FILTER_KEYS.filter((key) => key !== 'scope');

/**
 * The filter of `POST /jobs/retry` / `POST /jobs/cancel`: a JSON object body (`Content-Type:
 * application/json`, at most {@link MAX_BULK_BODY_BYTES}) with the list filters, e.g.
 * `{ "type": "emails.send", "status": "failed", "errorCode": "http_503", "createdAfter": "2026-11-30T10:00:00Z" }`.
 * `status` and `type` take a string or an array; dates are ISO 8601 strings; `metadata` is an
 * object of field: value. Unknown fields answer 400, so a typo never widens what is acted on.
 *
 * @throws HttpError 415 for another content type, 413 for a larger body, 400 `invalid_input` for bad JSON or fields.
 */
export async function readBulkFilter(request: Request): Promise<JobFilter> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', 'Send the filter as an application/json body, e.g. {"type":"emails.send","status":"failed"}.');
  }
  const text = await readText(request, MAX_BULK_BODY_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('The body is not JSON; send a filter object such as {"type":"emails.send","status":"failed"}.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The body must be a JSON object of filters, such as {"type":"emails.send","status":"failed"}.');
  }
  return toJobFilter(body as Record<string, unknown>);
}

function toJobFilter(body: Record<string, unknown>): JobFilter {
  const filter: JobFilter = {};
  for (const field of Object.keys(body)) {
    if (!BULK_FILTER_FIELDS.includes(field)) {
      throw badRequest(`Unknown filter ${quote(field)}; a bulk action takes ${BULK_FILTER_FIELDS.join(', ')}.`);
    }
  }
  if (body.status !== undefined) filter.status = listOf(body.status, 'status').map(checkStatus);
  if (body.type !== undefined) {
    filter.type = listOf(body.type, 'type').map((value) => {
      if (value.length > MAX_JOB_TYPE_LENGTH) throw badRequest(`type: at most ${MAX_JOB_TYPE_LENGTH} characters; got ${value.length}.`);
      return value;
    });
  }
  for (const field of ['tenantId', 'ownerId', 'group', 'key', 'scheduleName'] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') throw badRequest(`${field}: must be a string or null.`);
    filter[field] = value;
  }
  if (body.errorCode !== undefined) {
    if (typeof body.errorCode !== 'string') throw badRequest('errorCode: must be a string.');
    filter.errorCode = body.errorCode;
  }
  if (body.metadata !== undefined) filter.metadata = checkMetadataFilter(body.metadata);
  if (body.parentId !== undefined) {
    if (typeof body.parentId !== 'string' || !isUuid(body.parentId)) throw badRequest('parentId: must be a job id (a lowercase UUID).');
    filter.parentId = body.parentId;
  }
  for (const field of ['createdAfter', 'createdBefore'] as const) {
    const value = body[field];
    if (value === undefined) continue;
    const date = typeof value === 'string' ? parseIsoInstant(value) : null;
    if (!date) throw badRequest(`${field}: must be an ISO 8601 date such as 2026-01-31T12:00:00Z.`);
    assertStorableDate(date, field);
    filter[field] = date;
  }
  return filter;
}

function listOf(value: unknown, field: string): string[] {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw badRequest(`${field}: must not be an empty list.`);
  if (values.length > MAX_LIST_VALUES) throw badRequest(`${field}: at most ${MAX_LIST_VALUES} values.`);
  for (const item of values) {
    if (typeof item !== 'string' || item === '') throw badRequest(`${field}: must be a non-empty string or an array of them.`);
  }
  return values as string[];
}

function checkStatus(value: string): JobStatus {
  if (!isJobStatus(value)) throw badRequest(`status: ${quote(value)} is not a status; use ${JOB_STATUSES.join(', ')}.`);
  return value;
}

/** The body as UTF-8 text, refusing (413) more than `maxBytes` without reading past them. */
async function readText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      // The client went away (or sent a broken chunked body): its problem, not a server failure to log.
      throw badRequest('The request body could not be read to its end.');
    });
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('The body is not UTF-8 text.');
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'payload_too_large', `A filter body is at most ${maxBytes} bytes.`);
}
