import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStore } from '../store/job-store.js';
import { startJobsServer, type HttpAnswer, type JobsServer } from './http-harness.js';
import { expectBoundedMessage, type SharedEdges, tenant } from './http-edges-shared.js';
import { uniqueName } from './make-job.js';

/** Actions from other origins: refused unless the own origin, `trustProxy`, `allowedOrigins` or `allowCrossSiteActions` say so. */
export function httpEdgesOrigins(store: () => JobStore, shared: () => SharedEdges): void {
  let server: JobsServer, tenantId: string, jobId: string;
  beforeAll(() => {
    ({ server, tenantId, jobId } = shared());
  });

  describe('cross-origin actions', () => {
    let own: JobsServer;
    beforeAll(async () => {
      own = await startJobsServer(store(), { allowedOrigins: ['https://app.example.com'] });
    });
    afterAll(async () => {
      await own?.close();
    });

    async function queued(on: JobsServer = server): Promise<string> {
      return (await on.tracker.enqueue(uniqueName('http.origin'), {}, { tenantId })).id;
    }

    async function cancel(on: JobsServer, id: string, headers: Record<string, string>): Promise<HttpAnswer> {
      return on.request(`/jobs/${id}/cancel`, { method: 'POST', ...tenant(tenantId), headers });
    }

    it('refuses an action from a foreign or opaque Origin whatever the other headers say, and leaves the job alone', async () => {
      const id = await queued();
      const refused: Array<Record<string, string>> = [
        { origin: 'https://evil.example' },
        { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
        { origin: 'https://evil.example', 'content-type': 'application/json' },
        { origin: 'null' },
        { origin: 'null', 'sec-fetch-site': 'same-origin' },
        { origin: `${server.origin}.evil.example` },
        { origin: 'https://evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
        { origin: `http://evil.example@${new URL(server.origin).host}` },
        { origin: `${server.origin}/path` },
        { origin: `${server.origin}, https://evil.example` },
        { origin: server.origin, 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of refused) {
        const answer = await cancel(server, id, headers);
        expect(answer.status, JSON.stringify(headers)).toBe(403);
        expect(answer.body.error.code).toBe('forbidden');
        expectBoundedMessage(answer, JSON.stringify(headers));
      }
      expect((await server.tracker.get(id))!.status).toBe('queued');
    });

    it('refuses a foreign Origin before looking the job up, so it cannot probe ids', async () => {
      const missing = `${jobId.slice(0, -4)}ffff`;
      expect((await cancel(server, missing, { origin: 'https://evil.example' })).status).toBe(403);
    });

    it('lets the own origin (also as https), and a caller without Origin act', async () => {
      for (const headers of [
        { origin: server.origin },
        { origin: server.origin, 'sec-fetch-site': 'same-origin' },
        {},
        { 'sec-fetch-site': 'same-origin' },
        { 'sec-fetch-site': 'none' },
        // A TLS-terminating proxy in front: the page is https, the server sees http, same host.
        { origin: server.origin.replace('http:', 'https:') },
      ] as Array<Record<string, string>>) {
        const id = await queued();
        const answer = await cancel(server, id, headers);
        expect(answer.status, JSON.stringify(headers)).toBe(200);
        expect(answer.body.job.status).toBe('cancelled');
      }
    });

    it('counts the origin a proxy reports as the own one only with trustProxy', async () => {
      const proxied = await startJobsServer(store(), { trustProxy: true });
      try {
        const id = await queued(proxied);
        const forwarded = { origin: 'https://jobs.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'jobs.example.com' };
        expect((await cancel(server, id, forwarded)).status).toBe(403);
        expect((await cancel(proxied, id, { origin: 'https://evil.example', 'x-forwarded-host': 'jobs.example.com' })).status).toBe(403);
        const answer = await cancel(proxied, id, forwarded);
        expect(answer.status).toBe(200);
        expect(answer.body.job.status).toBe('cancelled');
      } finally {
        await proxied.close();
      }
    });

    it('lets origins listed in allowedOrigins act, even cross-site, and still refuses others', async () => {
      const id = await queued(own);
      expect((await cancel(own, id, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      expect((await cancel(own, id, { origin: 'https://app.example.com.evil.example' })).status).toBe(403);
      const allowed = await cancel(own, id, { origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' });
      expect(allowed.status).toBe(200);
      expect(allowed.body.job.status).toBe('cancelled');
    });

    it('leaves reads alone: a cross-origin GET is the browser’s CORS business', async () => {
      expect((await server.request(`/jobs/${jobId}`, { ...tenant(tenantId), headers: { origin: 'https://evil.example' } })).status).toBe(200);
    });

    it('lets allowCrossSiteActions accept any origin', async () => {
      const open = await startJobsServer(store(), { allowCrossSiteActions: true });
      try {
        const id = await queued(open);
        expect((await cancel(open, id, { origin: 'https://other.example', 'sec-fetch-site': 'cross-site' })).status).toBe(200);
        // Form bodies stay refused: they are how a plain HTML form would post.
        const again = await open.request(`/jobs/${id}/retry`, {
          method: 'POST',
          ...tenant(tenantId),
          headers: { origin: 'https://other.example', 'content-type': 'text/plain' },
        });
        expect(again.status).toBe(415);
      } finally {
        await open.close();
      }
    });
  });
}
