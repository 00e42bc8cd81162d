export { startPostgres, withClient } from './start-postgres.js';
export type { RunningPostgres, StartPostgresOptions } from './start-postgres.js';
export { createTestSchema } from './create-test-schema.js';
export type { TestSchema } from './create-test-schema.js';
export { findFreePort } from './free-port.js';
