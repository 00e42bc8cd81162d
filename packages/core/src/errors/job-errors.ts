import { JobtrailError, defineErrorKind } from './jobtrail-error.js';

/** Throw from a handler to fail the job at once, without further attempts. */
export class FatalJobError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:FatalJobError');
  }

  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'fatal', message, options);
  }
}

/** Throw from a handler to ask for another attempt, optionally after a given delay. */
export class RetryableJobError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:RetryableJobError');
  }

  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; code?: string; retryAfterMs?: number }) {
    super(options?.code ?? 'retryable', message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}
