/**
 * The propagation fields stored in `job.trace`, by field name, exactly as the propagator wrote
 * them (`traceparent`, `tracestate`, `baggage`, `b3`, ...). A null-prototype object, so that a
 * stored field named `__proto__` or `constructor` is data like any other.
 */
export type TraceCarrier = Record<string, string>;

/**
 * Most characters `job.trace` holds. W3C Baggage is capped at 8192 bytes and a traceparent with
 * a full tracestate at about 600; this leaves room for those plus a vendor's fields while
 * keeping a runaway propagator from bloating every job record.
 */
export const MAX_TRACE_CHARS = 16_384;

/** A value that reads back as itself when stored bare: printable ASCII, not starting with a space or `{`. */
const BARE_VALUE = /^[\x21-\x7a\x7c-\x7e][\x20-\x7e]*$/;

/**
 * `job.trace` for a carrier: null when it holds no field; the bare value when its only field is
 * `traceparent` (so the record reads as it did before other fields were stored, and any
 * `parseTraceparent(job.trace)` reader keeps working); otherwise a JSON object of the fields.
 * Only string-valued own fields count. Fields that would take the stored string past
 * {@link MAX_TRACE_CHARS} are left out, in the order the propagator wrote them, so an oversized
 * baggage does not cost the trace context written before it. Never throws for a plain object.
 */
export function encodeTraceCarrier(carrier: Readonly<Record<string, unknown>>): string | null {
  const kept: [string, string][] = [];
  let chars = 1; // the braces, less the comma the first field does without
  for (const key of Object.keys(carrier)) {
    const value = carrier[key];
    if (key === '' || typeof value !== 'string') continue;
    const entryChars = JSON.stringify(key).length + JSON.stringify(value).length + 2; // : and ,
    if (chars + entryChars > MAX_TRACE_CHARS) continue;
    chars += entryChars;
    kept.push([key, value]);
  }
  if (kept.length === 0) return null;
  const [first] = kept;
  if (kept.length === 1 && first![0] === 'traceparent' && BARE_VALUE.test(first![1])) return first![1];
  // JSON escapes control characters and lone surrogates, so every store accepts the string.
  return JSON.stringify(Object.fromEntries(kept));
}

/**
 * The carrier `job.trace` holds: the fields of a JSON object, a bare value as `traceparent`
 * (records written before other fields were stored, or by another writer of W3C traceparents),
 * and no field for null, a non-string, a blank string or a broken JSON object; fields that are
 * not strings are skipped. Never throws.
 */
export function decodeTraceCarrier(trace: unknown): TraceCarrier {
  const carrier: TraceCarrier = Object.create(null) as TraceCarrier;
  if (typeof trace !== 'string' || trace.trim() === '') return carrier;
  if (!trace.trimStart().startsWith('{')) {
    carrier['traceparent'] = trace;
    return carrier;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trace);
  } catch {
    return carrier;
  }
  // Text starting with `{` that parses is an object.
  for (const [key, value] of Object.entries(parsed as object)) {
    if (typeof value === 'string') carrier[key] = value;
  }
  return carrier;
}
