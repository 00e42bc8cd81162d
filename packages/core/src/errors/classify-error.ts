import { FatalJobError, RetryableJobError } from './job-errors.js';
import { JobValidationError } from './jobtrail-error.js';
import { dateTime, isDate } from '../util/dates.js';

/** The retry decision for one failed attempt. */
export interface ErrorClassification {
  /** `true`: schedule another attempt if any remain; `false`: fail the job now. */
  retryable: boolean;
  /**
   * The earliest the failing party asked to be retried (`Retry-After`, `RetryableJobError`), in
   * ms from now: finite, >= 0 and, from `Retry-After`, at most `Number.MAX_SAFE_INTEGER`. Not
   * capped further here: the worker weighs it against its backoff policy and its maximum.
   */
  retryAfterMs?: number;
  /** Stable, short, machine-readable: `fatal_error`, `http_429`, `network_ECONNRESET`, `unknown`... */
  reason: string;
}

/**
 * A user's rule, run before the built-in {@link classifyError}. Return a classification to
 * decide, or `undefined` (or `null`) to defer. `next(error)` runs the rest of the chain (later
 * classifiers, then the built-in) so a classifier can adjust its result; `next()` without an
 * argument classifies the same error.
 */
export type ErrorClassifier = (
  error: unknown,
  next: (error?: unknown) => ErrorClassification,
) => ErrorClassification | undefined | null;

/** Options of {@link classifyError}. */
export interface ClassifyErrorOptions {
  /**
   * The current time, used to turn a `Retry-After` HTTP-date into a delay: epoch ms, a `Date`,
   * or a function such as `() => clock.now()`. Default: `Date.now()` at the time of the call.
   */
  now?: number | Date | (() => number);
}

/** What {@link composeClassifier} returns: the built-in classification with the user's rules first. */
export type ComposedClassifier = (error: unknown, options?: ClassifyErrorOptions) => ErrorClassification;

const RETRYABLE_HTTP = new Set([408, 429]);
const FATAL_HTTP = new Set([400, 401, 403, 404, 409, 422]);

/** Transient network failures; ENOTFOUND is included because DNS outages are usually temporary. */
const NETWORK_CODES = new Set([
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ESOCKETTIMEDOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

const MESSAGE_RULES: ReadonlyArray<readonly [RegExp, boolean, string]> = [
  [/rate.?limit|too many requests/i, true, 'message_rate_limit'],
  [/timed? ?out|timeout/i, true, 'message_timeout'],
  [/temporarily unavailable/i, true, 'message_unavailable'],
  [/invalid/i, false, 'message_invalid'],
  [/not found/i, false, 'message_not_found'],
  [/permission denied|forbidden|unauthori[sz]ed/i, false, 'message_permission_denied'],
  [/unsupported/i, false, 'message_unsupported'],
];

/** How far `cause` chains (and AggregateError members) are followed. */
const MAX_NODES = 32;

/**
 * Decides whether a failed attempt is worth retrying, from what was thrown. Rules, first match
 * wins:
 *
 * 1. `FatalJobError` → fail (`fatal_error`); `RetryableJobError` → retry with its
 *    `retryAfterMs` (`retryable_error`). What user code says wins. Also matched by `name`, so
 *    errors from another copy of the package count.
 * 2. `name` `AbortError` or `TimeoutError` → retry (`timeout`).
 * 3. HTTP status from `status`, `statusCode` or `response.status`: 408, 429 and every 5xx →
 *    retry (`http_503`), with `Retry-After` (seconds or HTTP-date, RFC 9110 §10.2.3) read from
 *    `headers` or `response.headers` (plain object, `Map`, `Headers`) as `retryAfterMs`; 400,
 *    401, 403, 404, 409, 422 → fail (`http_404`). Other statuses do not decide on their own.
 * 4. Node/undici network codes (`ETIMEDOUT`, `ECONNREFUSED`, `ECONNRESET`, `EAI_AGAIN`, `EPIPE`,
 *    `ENOTFOUND`, `ECONNABORTED`, `UND_ERR_*`, ...) → retry (`network_ECONNRESET`).
 * 5. Rules 1-4 are tried on `error.cause`, recursively (fetch's `TypeError: fetch failed`
 *    carries the real code there), and on the members of an `AggregateError`.
 * 6. Messages, last resort: rate limit / too many requests / timeout / temporarily unavailable →
 *    retry; invalid / not found / permission denied / forbidden / unauthorized / unsupported →
 *    fail (`message_invalid`...).
 * 7. Anything else → retry (`unknown`): attempts are bounded, and losing a job to an
 *    unrecognised transient error is worse than one more attempt.
 *
 * Never throws for any thrown value (strings, `undefined`, revoked Proxies, objects whose
 * getters throw, cycles), only for invalid `options`: what cannot be read does not count, and
 * if reading fails in an unforeseen way the error is classified as in rule 7.
 *
 * @throws {JobValidationError} when `options.now` is not a finite time (or whatever a `now`
 *   function throws, when a `Retry-After` date needs it).
 */
export function classifyError(error: unknown, options?: ClassifyErrorOptions): ErrorClassification {
  const now = clockOf(options);
  try {
    return classifyReadable(error, now);
  } catch (failure) {
    if (failure instanceof ClockFailure) throw failure.error;
    return { retryable: true, reason: 'unknown' };
  }
}

/** Carries an error of the caller's clock through the safety net of {@link classifyError}. */
class ClockFailure {
  constructor(readonly error: unknown) {}
}

function classifyReadable(error: unknown, now: () => number): ErrorClassification {
  const nodes = collect(error);
  for (const node of nodes) {
    const decided = typeof node === 'object' || typeof node === 'function' ? classifyOwn(node as object, now) : undefined;
    if (decided) return decided;
  }
  for (const node of nodes) {
    const message = typeof node === 'string' ? node : read(node, 'message');
    if (typeof message !== 'string') continue;
    for (const [pattern, retryable, reason] of MESSAGE_RULES) {
      if (pattern.test(message)) return { retryable, reason };
    }
  }
  return { retryable: true, reason: 'unknown' };
}

/**
 * Puts the user's classifiers in front of the built-in {@link classifyError}: each is tried in
 * order, may decide, defer (return `undefined`) or call `next` to refine the rest of the chain's
 * answer. `undefined`/`null` entries are skipped, so optional configuration can be passed as is.
 * Classifiers' results are checked and copied; their exceptions propagate.
 *
 * @throws {JobValidationError} now, when an entry is not a function; later, when a classifier
 *   returns something other than `undefined` or `{ retryable: boolean, reason?: string,
 *   retryAfterMs?: number >= 0 }` (a missing `reason` becomes `'custom'`).
 */
export function composeClassifier(...classifiers: Array<ErrorClassifier | undefined>): ComposedClassifier {
  const chain: Array<readonly [ErrorClassifier, number]> = [];
  classifiers.forEach((classifier, index) => {
    if (classifier === undefined || classifier === null) return;
    if (typeof classifier !== 'function') {
      throw new JobValidationError(
        `classifiers[${index}]`,
        `expected a function (error, next) => classification | undefined; got ${describe(classifier)}.`,
      );
    }
    chain.push([classifier, index]);
  });

  return (error, options) => {
    const run = (position: number, current: unknown): ErrorClassification => {
      const entry = chain[position];
      if (!entry) return classifyError(current, options);
      const [classifier, index] = entry;
      const next = (...args: unknown[]) => run(position + 1, args.length === 0 ? current : args[0]);
      const result: unknown = classifier(current, next);
      if (result === undefined || result === null) return run(position + 1, current);
      return checked(result, index);
    };
    return run(0, error);
  };
}

function classifyOwn(error: object, now: () => number): ErrorClassification | undefined {
  const name = read(error, 'name');
  if (FatalJobError.isInstance(error) || name === 'FatalJobError') {
    return { retryable: false, reason: 'fatal_error' };
  }
  if (RetryableJobError.isInstance(error) || name === 'RetryableJobError') {
    const after = read(error, 'retryAfterMs');
    return typeof after === 'number' && Number.isFinite(after) && after >= 0
      ? { retryable: true, retryAfterMs: after, reason: 'retryable_error' }
      : { retryable: true, reason: 'retryable_error' };
  }
  if (name === 'AbortError' || name === 'TimeoutError') return { retryable: true, reason: 'timeout' };

  const response = read(error, 'response');
  const status = httpStatus(read(error, 'status')) ?? httpStatus(read(error, 'statusCode')) ??
    httpStatus(read(response, 'status')) ?? httpStatus(read(response, 'statusCode'));
  if (status !== undefined) {
    const reason = `http_${status}`;
    if (FATAL_HTTP.has(status)) return { retryable: false, reason };
    if (RETRYABLE_HTTP.has(status) || status >= 500) {
      const after = retryAfter(header(read(error, 'headers')) ?? header(read(response, 'headers')), now);
      return after === undefined ? { retryable: true, reason } : { retryable: true, retryAfterMs: after, reason };
    }
  }

  const code = read(error, 'code');
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR_'))) {
    return { retryable: true, reason: `network_${code}` };
  }
  return undefined;
}

/** The error, its `cause` chain and AggregateError members, depth first, without repeats. */
function collect(root: unknown): unknown[] {
  const nodes: unknown[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (nodes.length >= MAX_NODES || seen.has(value)) return;
    seen.add(value);
    nodes.push(value);
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    const cause = read(value, 'cause');
    if (cause !== undefined) visit(cause);
    if (isInstance(value, AggregateError) || read(value, 'name') === 'AggregateError') {
      const members = read(value, 'errors');
      if (isArray(members)) {
        const length = read(members, 'length');
        const count = typeof length === 'number' ? Math.min(length, MAX_NODES) : 0;
        for (let index = 0; index < count; index++) visit(read(members, index));
      }
    }
  };
  visit(root);
  return nodes;
}

function httpStatus(value: unknown): number | undefined {
  const status = typeof value === 'string' && /^\d{3}$/.test(value.trim()) ? Number(value) : value;
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599
    ? status
    : undefined;
}

/** `Retry-After` from a Fetch `Headers`, a `Map` (any key case) or a plain object (any key case). */
function header(headers: unknown): unknown {
  if (headers === null || typeof headers !== 'object') return undefined;
  try {
    const get = read(headers, 'get');
    if (typeof get === 'function') {
      const value: unknown = get.call(headers, 'retry-after') ?? get.call(headers, 'Retry-After');
      if (value !== undefined && value !== null) return value;
    }
    const entries = read(headers, Symbol.iterator);
    if (typeof entries === 'function') {
      let count = 0;
      for (const entry of headers as Iterable<unknown>) {
        if (++count > 500) break;
        if (Array.isArray(entry) && typeof entry[0] === 'string' && entry[0].toLowerCase() === 'retry-after') {
          return entry[1];
        }
      }
    }
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === 'retry-after') return (headers as Record<string, unknown>)[key];
    }
  } catch {
    // a hostile get(), iterator or Proxy: no usable header
  }
  return undefined;
}

/**
 * A `Retry-After` value (RFC 9110 §10.2.3: `Retry-After = HTTP-date / delay-seconds`) as ms from
 * now. Accepts delay-seconds as a string of digits (`'120'`, leniently also `'1.5'` and padding)
 * or a finite number >= 0, and an HTTP-date (IMF-fixdate, leniently anything `Date.parse` reads
 * that has letters); a date in the past gives 0. The first entry of an array (Node raw headers)
 * is used. Anything else (negative, `NaN`, `Infinity`, other text) is absent: `undefined`.
 *
 * A delay too large for a safe integer of ms (`'10000000000000'` seconds, 400 digits, a date in
 * year 200000, a far-past `now`) is clamped to `Number.MAX_SAFE_INTEGER`, never NaN, Infinity
 * or negative: the sender asked for "much later", and the worker caps retry delays at its own
 * configurable maximum.
 */
function retryAfter(value: unknown, now: () => number): number | undefined {
  const raw = isArray(value) ? read(value, 0) : value;
  let seconds: number | undefined;
  if (typeof raw === 'number') seconds = raw;
  else if (typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw)) seconds = Number(raw);
  if (seconds !== undefined) {
    // A string of digits always parses (to Infinity at worst); a number can be NaN, ±Infinity or < 0.
    if (Number.isNaN(seconds) || seconds < 0 || (typeof raw === 'number' && !Number.isFinite(raw))) return undefined;
    return safeDelay(Math.round(seconds * 1000));
  }
  if (typeof raw !== 'string' || !/[a-z]/i.test(raw)) return undefined;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? safeDelay(Math.round(at - now())) : undefined;
}

/** A delay in ms kept within 0 .. Number.MAX_SAFE_INTEGER (NaN cannot reach here). */
function safeDelay(ms: number): number {
  return ms <= 0 ? 0 : Math.min(ms, Number.MAX_SAFE_INTEGER);
}

function clockOf(options: ClassifyErrorOptions | undefined): () => number {
  if (options === undefined || options === null) return () => Date.now();
  if (typeof options !== 'object') {
    throw new JobValidationError('options', `expected an object such as { now }; got ${describe(options)}.`);
  }
  const { now } = options;
  if (now === undefined || now === null) return () => Date.now();
  const readNow: () => unknown =
    typeof now === 'function' ? now : isDate(now) ? () => dateTime(now) : () => now;
  if (typeof now !== 'function' && !Number.isFinite(readNow())) {
    throw new JobValidationError('now', `expected epoch ms, a Date or () => ms; got ${describe(now)}.`);
  }
  return () => {
    let value: unknown;
    try {
      value = readNow();
    } catch (error) {
      throw new ClockFailure(error);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ClockFailure(new JobValidationError('now', `the clock returned ${describe(value)}; expected epoch ms.`));
    }
    return value;
  };
}

function checked(result: unknown, index: number): ErrorClassification {
  const field = `classifiers[${index}]`;
  const shape = 'a classifier returns undefined (to defer) or { retryable: boolean, reason?: string, retryAfterMs?: number }';
  if (typeof result !== 'object' || Array.isArray(result)) {
    throw new JobValidationError(field, `${shape}; it returned ${describe(result)}.`);
  }
  const { retryable, reason, retryAfterMs } = result as Record<string, unknown>;
  if (typeof retryable !== 'boolean') {
    throw new JobValidationError(field, `${shape}; its retryable was ${describe(retryable)}.`);
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason === '')) {
    throw new JobValidationError(field, `${shape}; its reason was ${describe(reason)}.`);
  }
  if (retryAfterMs !== undefined && (typeof retryAfterMs !== 'number' || !Number.isFinite(retryAfterMs) || retryAfterMs < 0)) {
    throw new JobValidationError(field, `${shape}; its retryAfterMs was ${describe(retryAfterMs)} (must be finite, >= 0).`);
  }
  const classification: ErrorClassification = { retryable, reason: reason ?? 'custom' };
  if (retryAfterMs !== undefined) classification.retryAfterMs = retryAfterMs;
  return classification;
}

/** Reads a property without ever throwing (getters, Proxies, primitives). */
function read(target: unknown, key: PropertyKey): unknown {
  if (target === null || target === undefined) return undefined;
  try {
    return (target as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** `Array.isArray` that survives revoked Proxies (on which it throws). */
function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** `instanceof` that survives Proxies whose getPrototypeOf trap throws. */
function isInstance(value: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
