import type { ClientSession, Collection } from 'mongodb';
import type { TypeGroupDocument, TypeStartDocument } from '../documents/flow-claim-documents.js';
import type { JobDocument } from '../mapping/job-document.js';
import type { TypeControlDocument } from '../mapping/type-control-document.js';
import type { RetryTiming } from '../transaction/transaction-retry.js';

/** What flow control works on: the jobs and the three flow collections, and sessions for its transactions. */
export interface FlowCollections {
  jobs: Collection<JobDocument>;
  /** `<jobs>_type_controls`: one record per type, `_id` the type. */
  controls: Collection<TypeControlDocument>;
  /** `<jobs>_type_starts`: the recent starts of rate-limited types. */
  starts: Collection<TypeStartDocument>;
  /** `<jobs>_type_groups`: each group's latest start, per controlled type (round-robin). */
  groups: Collection<TypeGroupDocument>;
  /** A new session of the application's MongoClient, for one transaction. */
  startSession(): ClientSession;
  timing: RetryTiming;
}
