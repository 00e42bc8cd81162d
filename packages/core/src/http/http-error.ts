import { JobtrailError, defineErrorKind } from '../errors/jobtrail-error.js';

/** A refusal the handler answers with `status` and `{ error: { code, message } }`. */
export class HttpError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:HttpError');
  }

  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.status = status;
    this.headers = headers;
  }
}

export const notFound = (): HttpError =>
  // One message for a missing job and for a job outside the caller's scope, so the two cannot be told apart.
  new HttpError(404, 'job_not_found', 'Job not found.');

export const badRequest = (message: string): HttpError => new HttpError(400, 'invalid_input', message);

/**
 * What the caller sent, safe to quote back in a message: at most 60 characters, as a JSON string
 * (so control characters show as escapes, never raw).
 */
export function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}
