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

    it("never lists another tenant's schedules, however the query is built", async () => {
      const tenantA = uniqueName('tenant-a');
      const tenantB = uniqueName('tenant-b');
      const name = uniqueName('http.schedule');
      await server.tracker.schedule(name, { type: uniqueName('http.scheduled'), every: '1h', tenantId: tenantA });
      try {
        const all = async (tenantId: string, query = ''): Promise<string[]> => {
          const names: string[] = [];
          let after = '';
          for (let page = 0; page < 100; page++) {
            const answer = await server.request(`/schedules?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}${query}`, { scope: { tenantId } });
            expect(answer.status).toBe(200);
            names.push(...answer.body.schedules.map((s: { name: string }) => s.name));
            if (answer.body.nextCursor === null) return names;
            after = answer.body.nextCursor;
          }
          return names;
        };
        expect(await all(tenantA)).toContain(name);
        expect(await all(tenantB)).not.toContain(name);
        const crafted = await server.request(`/schedules?tenantId=${encodeURIComponent(tenantA)}`, { scope: { tenantId: tenantB } });
        expect(crafted.status).toBe(400);
      } finally {
        await server.tracker.unschedule(name);
      }
    });

    it('answers 401 when authorize returns no scope', async () => {
      const answer = await server.request('/jobs');
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    });
  });
}
