import { JobtrailError, defineErrorKind } from '@jobtrail/core';

/**
 * A change-stream event of the jobs collection that the change feed cannot read: a field it
 * routes by is missing or of the wrong type (a document written by something other than jobtrail,
 * or a pipeline the server did not apply as expected). The feed reports it through
 * `onChangeStreamError`, tells its listeners `{ gap: true }` (the change is not lost: they read
 * again) and carries on with the next event.
 */
export class ChangeEventError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/store-mongo:ChangeEventError');
  }

  /** The offending field of the event (`fullDocument.status`, say). */
  readonly field: string;

  constructor(field: string, detail: string) {
    super('invalid_change_event', `A change-stream event of the jobs collection has an unreadable ${field}: ${detail}.`);
    this.field = field;
  }
}
