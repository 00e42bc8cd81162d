export { createDashboardHandler } from './server/create-dashboard-handler.js';
export type { DashboardHandler, DashboardInfoJson, DashboardOptions } from './server/dashboard-options.js';
export { toNodeHandler } from '@jobtrail/core';
export type { CallerScope, NodeHandler } from '@jobtrail/core';
