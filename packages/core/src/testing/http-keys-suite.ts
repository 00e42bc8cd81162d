import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CallerScope } from '../http/jobs-handler-options.js';
import { startJobsServer, type JobsServer } from './http-harness.js';
import { uniqueName } from './make-job.js';
import { describeWithStore, type StoreContractOptions } from './store-contract-options.js';

/**
 * Dedupe keys through the jobs HTTP API over the store under test: a key belongs to its tenant and
 * owner, so the same key in two tenants makes two jobs each tenant sees alone, and a refused
 * retry names nothing outside the caller's scope.
 */
export function httpKeysSuite(options: StoreContractOptions): void {
  describeWithStore('HTTP keys (dedupe scoped to tenant and owner)', options, (store) => {
    let server: JobsServer;
    beforeAll(async () => {
      server = await startJobsServer(store());
    });
    afterAll(async () => {
      await server?.close();
    });

    const listIds = async (type: string, scope: CallerScope): Promise<string[]> => {
      const answer = await server.request(`/jobs?type=${encodeURIComponent(type)}`, { scope });
      expect(answer.status).toBe(200);
      return (answer.body.jobs as Array<{ id: string }>).map((job) => job.id);
    };

    it('makes one job per tenant for one key, and each tenant lists only its own', async () => {
      const type = uniqueName('reports.build');
      const tenantA = uniqueName('tenant-a');
      const tenantB = uniqueName('tenant-b');
      const a = await server.tracker.enqueue(type, { secret: 'a' }, { key: 'weekly-07', tenantId: tenantA });
      const b = await server.tracker.enqueue(type, { secret: 'b' }, { key: 'weekly-07', tenantId: tenantB });
      expect(b.id).not.toBe(a.id);
      expect(b).toMatchObject({ tenantId: tenantB, payload: { secret: 'b' } });
      expect(await server.tracker.enqueue(type, { secret: 'a2' }, { key: 'weekly-07', tenantId: tenantA })).toMatchObject({
        id: a.id,
        payload: { secret: 'a' },
      });

      expect(await listIds(type, { tenantId: tenantA })).toEqual([a.id]);
      expect(await listIds(type, { tenantId: tenantB })).toEqual([b.id]);
      const foreign = await server.request(`/jobs/${a.id}`, { scope: { tenantId: tenantB } });
      expect(foreign.status).toBe(404);
    });

    it('makes one job per owner for one key within a tenant', async () => {
      const type = uniqueName('reports.owned');
      const tenantId = uniqueName('tenant');
      const alice = { tenantId, ownerId: uniqueName('alice') };
      const bob = { tenantId, ownerId: uniqueName('bob') };
      const forAlice = await server.tracker.enqueue(type, {}, { key: 'k', ...alice });
      const forBob = await server.tracker.enqueue(type, {}, { key: 'k', ...bob });
      expect(forBob.id).not.toBe(forAlice.id);
      expect(await listIds(type, alice)).toEqual([forAlice.id]);
      expect(await listIds(type, bob)).toEqual([forBob.id]);
    });

    it("retries a job whose key only another tenant's job holds", async () => {
      const type = uniqueName('reports.retry-free');
      const tenantA = uniqueName('tenant-a');
      const tenantB = uniqueName('tenant-b');
      const mine = await server.tracker.enqueue(type, {}, { key: 'weekly-07', tenantId: tenantA });
      await server.tracker.cancel(mine.id);
      await server.tracker.enqueue(type, {}, { key: 'weekly-07', tenantId: tenantB });

      const answer = await server.request(`/jobs/${mine.id}/retry`, { method: 'POST', scope: { tenantId: tenantA } });
      expect(answer.status).toBe(200);
      expect(answer.body.job).toMatchObject({ id: mine.id, status: 'queued' });
    });

    it('answers 400 for a retry whose key the caller holds, naming only jobs of its own scope', async () => {
      const type = uniqueName('reports.retry-held');
      const tenantA = uniqueName('tenant-a');
      const tenantB = uniqueName('tenant-b');
      const foreign = await server.tracker.enqueue(type, { secret: 'b' }, { key: 'weekly-07', tenantId: tenantB });
      const mine = await server.tracker.enqueue(type, {}, { key: 'weekly-07', tenantId: tenantA });
      await server.tracker.cancel(mine.id);
      const holder = await server.tracker.enqueue(type, {}, { key: 'weekly-07', tenantId: tenantA });

      const answer = await server.request(`/jobs/${mine.id}/retry`, { method: 'POST', scope: { tenantId: tenantA } });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_input');
      expect(answer.body.error.message).toContain(holder.id);
      for (const secret of [foreign.id, tenantB, '"b"']) expect(answer.text).not.toContain(secret);
      expect((await server.tracker.get(mine.id))?.status).toBe('cancelled');
    });

    it("answers another tenant's retry of a keyed job like a missing job", async () => {
      const type = uniqueName('reports.retry-foreign');
      const tenantA = uniqueName('tenant-a');
      const job = await server.tracker.enqueue(type, {}, { key: 'weekly-07', tenantId: tenantA });
      await server.tracker.cancel(job.id);
      const foreign = await server.request(`/jobs/${job.id}/retry`, { method: 'POST', scope: { tenantId: uniqueName('tenant-b') } });
      const missing = await server.request(`/jobs/${job.id.slice(0, -4)}ffff/retry`, { method: 'POST', scope: { tenantId: uniqueName('tenant-b') } });
      expect(foreign.status).toBe(404);
      expect(foreign.text).toBe(missing.text);
    });
  });
}
