import { afterAll, beforeAll, expect, it } from 'vitest';
import { createParser } from 'eventsource-parser';
import { callerHeaders, startJobsServer, type JobsServer } from './http-harness.js';
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

    it("streams only the caller's jobs: another tenant's job stream answers like a missing job, a list stream never carries its jobs", async () => {
      const tenantA = uniqueName('tenant-a');
      const tenantB = uniqueName('tenant-b');
      const type = uniqueName('http.stream');
      const theirs = await server.tracker.enqueue(type, {}, { tenantId: tenantB });
      const foreign = await server.request(`/jobs/${theirs.id}/stream`, { scope: { tenantId: tenantA } });
      const missing = await server.request(`/jobs/${theirs.id.slice(0, -4)}ffff/stream`, { scope: { tenantId: tenantA } });
      expect(foreign.status).toBe(404);
      expect(foreign.text).toBe(missing.text);

      const abort = new AbortController();
      const seen: string[] = [];
      let ready = false;
      const response = await fetch(`${server.origin}/jobs/stream?type=${encodeURIComponent(type)}`, { headers: callerHeaders({ tenantId: tenantA }), signal: abort.signal });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const reading = (async () => {
        const parser = createParser({
          onEvent: (event) => {
            if (event.event === 'ready') ready = true;
            if (event.event === 'job') seen.push((JSON.parse(event.data) as { job: { id: string } }).job.id);
          },
        });
        const decoder = new TextDecoder();
        try {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
        } catch {
          // Aborted below.
        }
      })();
      try {
        const deadline = Date.now() + 30_000;
        while (!ready && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        // Theirs changes first, then mine: had theirs been streamed, it would come before mine.
        await server.tracker.start(theirs.id);
        const mine = await server.tracker.enqueue(type, {}, { tenantId: tenantA });
        while (!seen.includes(mine.id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(seen).toContain(mine.id);
        expect(seen).not.toContain(theirs.id);
      } finally {
        abort.abort();
        await reading;
      }
    }, 60_000);

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
