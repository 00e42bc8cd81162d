import { afterAll, beforeAll, expect, it } from 'vitest';
import { startJobsServer, type JobsServer } from './http-harness.js';
import { uniqueName } from './make-job.js';
import { describeWithStore, type StoreContractOptions } from './store-contract-options.js';

/**
 * The jobs HTTP API over the store under test, through a real `node:http` server: a caller sees
 * and acts on its own scope's jobs only, and anything outside it answers exactly like a missing job.
 */
export function httpScopeSuite(options: StoreContractOptions): void {
  describeWithStore('HTTP scope (createJobsHandler over the store)', options, (store) => {
    let server: JobsServer;
    beforeAll(async () => {
      server = await startJobsServer(store());
    });
    afterAll(async () => {
      await server?.close();
    });

    it("answers another tenant's job exactly like a missing one", async () => {
      const tenantA = uniqueName('tenant-a');
      const tenantB = uniqueName('tenant-b');
      const job = await server.tracker.enqueue(uniqueName('http.scope'), { secret: 'a' }, { tenantId: tenantA });
      const own = await server.request(`/jobs/${job.id}`, { scope: { tenantId: tenantA } });
      expect(own.status).toBe(200);
      expect(own.body.job.id).toBe(job.id);
      expect(own.body.job.payload).toBeUndefined();
      const foreign = await server.request(`/jobs/${job.id}`, { scope: { tenantId: tenantB } });
      const missing = await server.request(`/jobs/${job.id.slice(0, -4)}ffff`, { scope: { tenantId: tenantB } });
      expect(foreign.status).toBe(404);
      expect(foreign.text).toBe(missing.text);
    });

    it('answers 401 when authorize returns no scope', async () => {
      const answer = await server.request('/jobs');
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    });
  });
}
