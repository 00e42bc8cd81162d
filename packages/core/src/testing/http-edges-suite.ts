import { afterAll, beforeAll } from 'vitest';
import { startJobsServer, type JobsServer } from './http-harness.js';
import { httpEdgesFilters } from './http-edges-filters.js';
import { httpEdgesOrigins } from './http-edges-origins.js';
import { httpEdgesRoutes } from './http-edges-routes.js';
import { httpEdgesScopes } from './http-edges-scopes.js';
import type { SharedEdges } from './http-edges-shared.js';
import { uniqueName } from './make-job.js';
import { describeWithStore, type StoreContractOptions } from './store-contract-options.js';

/**
 * The edges of the jobs HTTP API over the store under test, through a real `node:http` server:
 * odd methods and request targets, cross-origin actions, impossible dates, job types with commas,
 * spaces and backslashes, and `authorize()` results that narrow nothing. Every store must give the
 * same answer, and none of these may answer 500.
 */
export function httpEdgesSuite(options: StoreContractOptions): void {
  describeWithStore('HTTP edges (createJobsHandler over the store)', options, (store) => {
    let server: JobsServer;
    let tenantId: string;
    let jobId: string;
    beforeAll(async () => {
      server = await startJobsServer(store());
      tenantId = uniqueName('tenant');
      jobId = (await server.tracker.enqueue(uniqueName('http.edges'), {}, { tenantId })).id;
    });
    afterAll(async () => {
      await server?.close();
    });

    const shared = (): SharedEdges => ({ server, tenantId, jobId });

    httpEdgesRoutes(shared);
    httpEdgesOrigins(store, shared);
    httpEdgesFilters(shared);
    httpEdgesScopes(store);
  });
}
