/**
 * Base class of every error jobtrail throws. `code` is stable across versions: match on it,
 * not on the message.
 */
export class JobtrailError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class JobNotFoundError extends JobtrailError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('job_not_found', `Job ${jobId} does not exist (or is outside the caller's scope).`);
    this.jobId = jobId;
  }
}

export class InvalidTransitionError extends JobtrailError {
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

/** A compare-and-set lost its race: someone else changed the job first. */
export class JobConflictError extends JobtrailError {
  readonly jobId: string;
  constructor(jobId: string, detail: string) {
    super('job_conflict', `Job ${jobId} was changed concurrently: ${detail}`);
    this.jobId = jobId;
  }
}

export class UnknownStatusError extends JobtrailError {
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
  readonly field: string;
  constructor(field: string, message: string) {
    super('invalid_input', `${field}: ${message}`);
    this.field = field;
  }
}

export class InvalidProgressError extends JobtrailError {
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
