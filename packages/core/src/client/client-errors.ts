import { JobtrailError, defineErrorKind } from '../errors/jobtrail-error.js';

/** The jobs endpoint answered with an error status; `code` is the server's `error.code`. */
export class JobsHttpError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:JobsHttpError');
  }

  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}

/** The request never got an answer (offline, DNS, CORS, connection reset). */
export class JobsNetworkError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:JobsNetworkError');
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super('network_error', message, options);
  }
}
