export { MongoJobStore } from './mongo-job-store.js';
export { DEFAULT_COLLECTION_NAME } from './store-options.js';
export type { FlowCollectionNames, MongoJobStoreOptions } from './store-options.js';
export type { WakeMode } from './wake/change-stream-waker.js';
export { JOB_INDEXES, SCHEDULE_INDEXES, TYPE_GROUP_INDEXES, TYPE_START_INDEXES } from './indexes/index-definitions.js';
export { TransactionDedupeError } from './errors/transaction-dedupe-error.js';
export { ChangeEventError } from './errors/change-event-error.js';
