export { createJobsHandler } from './create-jobs-handler.js';
export { toNodeHandler } from './to-node-handler.js';
export type { NodeHandler } from './to-node-handler.js';
export type { JobsHandler, JobsHandlerOptions, CallerScope, ExposeOptions, ExposeRule } from './jobs-handler-options.js';
export { readCallerScope } from './caller-scope.js';
export type { CallerScopeReading } from './caller-scope.js';
