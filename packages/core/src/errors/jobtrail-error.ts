/**
 * The key of the kind marker every jobtrail error class carries on its prototype. From the global
 * symbol registry, so that every copy of jobtrail in a process (the ESM and the CommonJS build,
 * two versions, another realm) reads the same key: an error thrown by one copy is recognised by
 * the others, where `instanceof` compares class objects and fails.
 */
const ERROR_KIND = Symbol.for('jobtrail.error');

const BASE_KIND = '@jobtrail/core:JobtrailError';

/** How deep `isInstance` follows a prototype chain: far beyond any real class hierarchy. */
const MAX_CHAIN = 64;

/**
 * Gives an error class a kind that `isInstance` recognises across copies of jobtrail. Call it once
 * per class, in a static block: `static { defineErrorKind(this, '@my/pkg:MyError'); }`. The kind is
 * part of the class's contract, like `code`: never change it, and make it unique (prefix it with
 * the package name). The marker is a non-enumerable property of the prototype, so instances, their
 * JSON and their logged form do not change.
 *
 * Throws `JobValidationError` (`invalid_input`) when `errorClass` is not a `JobtrailError` class,
 * when `kind` is not a non-empty string, or when the class already has a kind of its own.
 */
export function defineErrorKind(errorClass: abstract new (...args: never[]) => JobtrailError, kind: string): void {
  const prototype: unknown = typeof errorClass === 'function' ? errorClass.prototype : undefined;
  if (typeof prototype !== 'object' || prototype === null) {
    throw new JobValidationError('errorClass', 'must be a class that extends JobtrailError.');
  }
  const existing = ownKind(prototype);
  if (existing !== undefined) throw new JobValidationError('kind', `${errorClass.name} already has the kind ${JSON.stringify(existing)}.`);
  // By the base's kind, not `instanceof`: the class may extend another copy's JobtrailError.
  if (!hasKind(prototype, BASE_KIND)) throw new JobValidationError('errorClass', 'must be a class that extends JobtrailError.');
  if (typeof kind !== 'string' || kind === '') throw new JobValidationError('kind', 'must be a non-empty string.');
  Object.defineProperty(prototype, ERROR_KIND, { value: kind, enumerable: false, writable: false, configurable: false });
}

/** The kind a prototype declares itself (not one it inherits), or undefined. Never throws. */
function ownKind(prototype: object): string | undefined {
  try {
    const value: unknown = Object.getOwnPropertyDescriptor(prototype, ERROR_KIND)?.value;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined; // a Proxy whose trap throws
  }
}

/**
 * Whether `value` has `kind` anywhere on its prototype chain. Reads only the registry-keyed
 * marker: a `code`, a `name` or a constructor's name proves nothing, and data parsed from JSON
 * cannot carry a symbol key.
 */
function hasKind(value: unknown, kind: string): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    let prototype = Object.getPrototypeOf(value) as object | null;
    for (let depth = 0; prototype !== null && depth < MAX_CHAIN; depth += 1) {
      if (ownKind(prototype) === kind) return true;
      prototype = Object.getPrototypeOf(prototype) as object | null;
    }
  } catch {
    // A Proxy whose getPrototypeOf trap throws is no jobtrail error.
  }
  return false;
}

/**
 * Base class of every error jobtrail throws. `code` is stable across versions: match on it,
 * not on the message. To tell which error it is, use the static `isInstance` of the class
 * (`JobNotFoundError.isInstance(error)`) rather than `instanceof`: it also recognises errors
 * thrown by another copy of jobtrail (a store built against the CommonJS build while the
 * application imports the ES module build, or two installed versions).
 */
export class JobtrailError extends Error {
  readonly code: string;

  static {
    Object.defineProperty(this.prototype, ERROR_KIND, { value: BASE_KIND, enumerable: false, writable: false, configurable: false });
  }

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * True when `value` is an instance of this class or of a subclass, from any copy of jobtrail
   * (ESM or CommonJS build, another version, another realm). Matches the class's kind (see
   * `defineErrorKind`), never `code` or `name`: `{ code: 'job_not_found' }` is not a
   * `JobNotFoundError`. A subclass that declares no kind of its own is checked with `instanceof`.
   * Never throws for any `value`. Call it on the class (`StoreError.isInstance(e)`); detached from
   * it (`errors.filter(StoreError.isInstance)`) it throws a TypeError, so wrap it:
   * `errors.filter((e) => StoreError.isInstance(e))`.
   */
  static isInstance<T>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    if (typeof this !== 'function') {
      throw new TypeError('isInstance must be called on an error class, e.g. JobNotFoundError.isInstance(error).');
    }
    const kind = ownKind((this as unknown as { prototype: object }).prototype);
    if (kind !== undefined) return hasKind(value, kind);
    try {
      return value instanceof this;
    } catch {
      return false;
    }
  }
}

export class JobNotFoundError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:JobNotFoundError');
  }

  readonly jobId: string;
  constructor(jobId: string) {
    super('job_not_found', `Job ${jobId} does not exist (or is outside the caller's scope).`);
    this.jobId = jobId;
  }
}

/** No schedule of that name (or none in the caller's scope): code `schedule_not_found`. */
export class ScheduleNotFoundError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:ScheduleNotFoundError');
  }

  readonly scheduleName: string;
  constructor(name: string) {
    super('schedule_not_found', `Schedule ${JSON.stringify(name)} does not exist (or is outside the caller's scope).`);
    this.scheduleName = name;
  }
}

export class InvalidTransitionError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:InvalidTransitionError');
  }

  readonly jobId: string;
  readonly from: string;
  readonly to: string;
  constructor(jobId: string, from: string, to: string, hint?: string) {
    super(
      'invalid_transition',
      `Job ${jobId} cannot go from "${from}" to "${to}".${hint ? ` ${hint}` : ''}`,
    );
    this.jobId = jobId;
    this.from = from;
    this.to = to;
  }
}

/**
 * `retryMany` / `cancelMany` stopped part-way because the store failed (`cause`, a `StoreError`).
 * `matched` and `changed` count what was done before: those jobs stay changed, and running the
 * same call again finishes the rest (jobs already changed no longer match, or are refused).
 */
export class BulkActionError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:BulkActionError');
  }

  readonly action: 'retry' | 'cancel';
  readonly matched: number;
  readonly changed: number;
  constructor(action: 'retry' | 'cancel', done: { matched: number; changed: number }, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'bulk_action_interrupted',
      `${action === 'retry' ? 'retryMany' : 'cancelMany'} stopped after changing ${done.changed} of ${done.matched} matched jobs (run it again to finish): ${reason}`,
      { cause },
    );
    this.action = action;
    this.matched = done.matched;
    this.changed = done.changed;
  }
}

/**
 * `enqueueMany` stopped when the store failed: no chunk is started after the failure, the chunks
 * already in flight settle first, and then this is thrown. Each chunk (up to `MAX_INSERT_MANY`
 * items) is stored whole or not at all; `results` holds, in input order, the answer of every item
 * whose chunk was stored (`undefined` for the others), so the rest can be sent again. Inside the
 * caller's transaction, what it says was stored is discarded with it if that transaction rolls
 * back.
 */
export class EnqueueManyError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:EnqueueManyError');
  }

  /** How many items the call was given. */
  readonly total: number;
  /** How many of them have an answer in `results` (their chunk was stored). */
  readonly stored: number;
  /** One entry per item, in order: `{ job, created }` when its chunk was stored, else `undefined`. */
  readonly results: ReadonlyArray<{ job: unknown; created: boolean } | undefined>;
  constructor(results: ReadonlyArray<{ job: unknown; created: boolean } | undefined>, stored: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'enqueue_many_interrupted',
      `enqueueMany stopped after storing ${stored} of ${results.length} items (chunks are stored whole or not at all; error.results says which; send the others again): ${reason}`,
      { cause },
    );
    this.total = results.length;
    this.stored = stored;
    this.results = results;
  }
}

/** A compare-and-set lost its race: someone else changed the job first. */
export class JobConflictError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:JobConflictError');
  }

  readonly jobId: string;
  constructor(jobId: string, detail: string) {
    super('job_conflict', `Job ${jobId} was changed concurrently: ${detail}`);
    this.jobId = jobId;
  }
}

export class UnknownStatusError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:UnknownStatusError');
  }

  readonly input: unknown;
  constructor(input: unknown) {
    super(
      'unknown_status',
      `Unknown job status ${JSON.stringify(input)}. Map it with normalizeStatus(value, { aliases: { ${JSON.stringify(
        typeof input === 'string' ? input : String(input),
      )}: 'completed' } }) or pass { fallback } to choose a status for unknown words.`,
    );
    this.input = input;
  }
}

/** Bad input from the caller: the message says which field and what is expected. */
export class JobValidationError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:JobValidationError');
  }

  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('invalid_input', `${field}: ${message}`, options);
    this.field = field;
  }
}

export class InvalidProgressError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:InvalidProgressError');
  }

  readonly value: unknown;
  constructor(value: unknown) {
    super(
      'invalid_progress',
      `Progress must be a finite number between 0 and 1 (values outside are clamped); got ${describe(value)}.`,
    );
    this.value = value;
  }
}

/** A store failed in a way that is not the caller's fault (connection, driver). */
export class StoreError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:StoreError');
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super('store_error', message, options);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}

/** The job has finished: its record is immutable apart from a manual retry or pruning. */
export class JobFinishedError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:JobFinishedError');
  }

  readonly jobId: string;
  readonly status: string;
  constructor(jobId: string, status: string, action: string) {
    super(
      'job_finished',
      `Cannot ${action} job ${jobId}: it already finished as "${status}". Finished jobs are immutable; use retry() to run it again.`,
    );
    this.jobId = jobId;
    this.status = status;
  }
}
