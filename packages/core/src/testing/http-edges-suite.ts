import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobsClient } from '../client/jobs-client.js';
import type { CallerScope } from '../http/jobs-handler-options.js';
import { MAX_JOB_TYPE_LENGTH } from '../model/job-type.js';
import { startJobsServer, type HttpAnswer, type JobsServer } from './http-harness.js';
import { uniqueName } from './make-job.js';
import { describeWithStore, expectJobtrailError, type StoreContractOptions } from './store-contract-options.js';

/** Scopes the default `authorize` reads from headers: plain `{ tenantId }` callers. */
const tenant = (tenantId: string): { scope: CallerScope } => ({ scope: { tenantId } });

function expectRouteMiss(answer: { status: number; text: string }, label: string): void {
  expect(answer.status, label).toBe(404);
  expect(JSON.parse(answer.text).error.code, label).toBe('route_not_found');
}

/** A message quotes at most a short, escaped excerpt of what the caller sent. */
function expectBoundedMessage(answer: HttpAnswer, label: string): void {
  const message: string = answer.body.error.message;
  expect(message.length, label).toBeLessThan(400);
  expect(message, label).not.toMatch(/[\u0000-\u001f\u007f]/);
}

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

    const headLine = (line: string, headers: Record<string, string> = {}): string =>
      [line, 'Host: 127.0.0.1', `x-test-tenant: ${tenantId}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)].join('\r\n');

    describe('methods', () => {
      it('answers 405 with Allow for methods a route does not take, TRACE and WebDAV ones included, never 500', async () => {
        for (const method of ['TRACE', 'PROPFIND', 'PUT', 'DELETE', 'PATCH', 'QUERY']) {
          const list = await server.raw(headLine(`${method} /jobs HTTP/1.1`));
          expect(list.status, method).toBe(405);
          expect(JSON.parse(list.text).error.code, method).toBe('method_not_allowed');
          expect(list.text, method).not.toContain('internal_error');
          const action = await server.raw(headLine(`${method} /jobs/${jobId}/cancel HTTP/1.1`));
          expect(action.status, method).toBe(405);
        }
        const trace = await server.request('/jobs/stats', { method: 'PATCH', ...tenant(tenantId) });
        expect(trace.status).toBe(405);
        expect(trace.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
        const get = await server.request(`/jobs/${jobId}/retry`, tenant(tenantId));
        expect(get.status).toBe(405);
        expect(get.headers.get('allow')).toBe('POST, OPTIONS');
        expect((await server.tracker.get(jobId))!.status).toBe('queued');
      });

      it('sends Allow with a 405 from TRACE, which the Fetch API itself cannot carry', async () => {
        const answer = await server.raw(headLine('TRACE /jobs/stats HTTP/1.1'));
        expect(answer.status).toBe(405);
        const head = await rawHead(server, headLine('TRACE /jobs/stats HTTP/1.1'));
        expect(head).toMatch(/\r\nallow: GET, HEAD, OPTIONS\r\n/i);
      });

      it('answers 404 to an odd method on a path that is not a route, and never 500 to a method node:http refuses', async () => {
        expectRouteMiss(await server.raw(headLine('TRACE /elsewhere HTTP/1.1')), 'TRACE /elsewhere');
        expectRouteMiss(await server.raw(headLine('PROPFIND /jobs/x/y/z HTTP/1.1')), 'PROPFIND /jobs/x/y/z');
        for (const line of ['get /jobs HTTP/1.1', 'TRACK /jobs HTTP/1.1', 'BREW /jobs HTTP/1.1']) {
          const answer = await server.raw(headLine(line));
          expect(answer.status, line).toBe(400);
        }
      });

      it('answers HEAD on read routes like GET without the body, and with the same ETag', async () => {
        const get = await server.request(`/jobs/${jobId}`, tenant(tenantId));
        const head = await server.request(`/jobs/${jobId}`, { method: 'HEAD', ...tenant(tenantId) });
        expect(head.status).toBe(200);
        expect(head.text).toBe('');
        expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
        expect(head.headers.get('content-type')).toMatch(/application\/json/);
        const cached = await server.request(`/jobs/${jobId}`, { method: 'HEAD', ...tenant(tenantId), headers: { 'if-none-match': get.headers.get('etag')! } });
        expect(cached.status).toBe(304);
        const anonymous = await server.request('/jobs', { method: 'HEAD' });
        expect(anonymous.status).toBe(401);
        expect(anonymous.text).toBe('');
        const foreign = await server.request(`/jobs/${jobId}`, { method: 'HEAD', ...tenant(uniqueName('other')) });
        expect(foreign.status).toBe(404);
        expect((await server.request('/nowhere', { method: 'HEAD' })).status).toBe(404);
        const action = await server.request(`/jobs/${jobId}/cancel`, { method: 'HEAD', ...tenant(tenantId) });
        expect(action.status).toBe(405);
        expect(action.headers.get('allow')).toBe('POST, OPTIONS');
      });

      it('answers OPTIONS with 204 and Allow on routes, without authorize, and 404 elsewhere', async () => {
        const list = await server.request('/jobs', { method: 'OPTIONS' });
        expect(list.status).toBe(204);
        expect(list.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
        const action = await server.request(`/jobs/${jobId}/retry`, { method: 'OPTIONS' });
        expect(action.status).toBe(204);
        expect(action.headers.get('allow')).toBe('POST, OPTIONS');
        expectRouteMiss(await server.request('/jobs/x/y', { method: 'OPTIONS' }), 'OPTIONS /jobs/x/y');
        expectRouteMiss(await server.raw('OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1'), 'OPTIONS *');
        expect((await server.tracker.get(jobId))!.status).toBe('queued');
      });
    });

    describe('request targets', () => {
      it('answers 404 to every path that is not exactly a route', async () => {
        const paths = ['//jobs', '//jobs/jobs', `//jobs/jobs/${jobId}`, '/jobs/', '/jobs//stats', `/jobs/${jobId}/`, `/jobs//${jobId}`,
          '/%6Aobs', `/jobs/${jobId}/%63ancel`, '/JOBS', '/jobs;x', '/jobs/stats/x', '/jobsx', '/'];
        for (const path of paths) {
          const answer = await server.request(path, tenant(tenantId));
          expectRouteMiss(answer, path);
          expectBoundedMessage(answer, path);
        }
        expect((await server.request('/jobs', tenant(tenantId))).status).toBe(200);
        // An escaped route name is not the route: here it is a malformed job id.
        const escaped = await server.request('/jobs/%61ctive', tenant(tenantId));
        expect(escaped.status).toBe(400);
        expect(escaped.body.error.message).toContain('"%61ctive"');
      });

      it('answers 404 to raw targets the URL parser would rewrite: dot segments, fragments, backslashes, other forms', async () => {
        const { port } = new URL(server.origin);
        const targets = ['/jobs/./stats', '/jobs/%2e/stats', '/jobs/%2E%2E/jobs', '/x/../jobs', '/jobs#frag', '/jobs?#', '/jobs\\stats',
          `http://127.0.0.1:${port}/jobs`, 'http://evil.example/jobs', '*', 'http://[', 'http://[::1', '//[', 'jobs'];
        for (const target of targets) {
          const answer = await server.raw(headLine(`GET ${target} HTTP/1.1`));
          // node:http itself may refuse a target outright (400); it must never reach a 500 or a job list.
          if (answer.status === 400) continue;
          expectRouteMiss(answer, target);
        }
        for (const target of ['http://[', '//jobs', '/jobs/./stats']) {
          expectRouteMiss(await server.raw(headLine(`GET ${target} HTTP/1.1`)), target);
        }
      });

      it('never reads a path out of the Host header', async () => {
        for (const host of ['127.0.0.1/jobs/stats?', 'x@127.0.0.1', 'exa mple:99999', '[', '127.0.0.1#']) {
          const answer = await server.raw(`GET /elsewhere HTTP/1.1\r\nHost: ${host}\r\nx-test-tenant: ${tenantId}`);
          if (answer.status === 400) continue;
          expectRouteMiss(answer, host);
        }
        const stats = await server.raw(`GET /jobs/stats HTTP/1.1\r\nHost: exa mple:99999\r\nx-test-tenant: ${tenantId}`);
        expect(stats.status).toBe(200);
      });

      it('quotes at most a short, escaped excerpt of what the caller sent', async () => {
        const long = 'x'.repeat(5000);
        expectBoundedMessage(await server.request(`/${long}`, tenant(tenantId)), 'long path');
        expectBoundedMessage(await server.request(`/jobs?${long}=1`, tenant(tenantId)), 'long parameter');
        expectBoundedMessage(await server.request(`/jobs?limit=${long}`, tenant(tenantId)), 'long value');
        expectBoundedMessage(await server.request(`/jobs?status=%01%1b%5b31m${long}`, tenant(tenantId)), 'control characters');
        expectBoundedMessage(await server.request(`/jobs/%00%0a${long}`, tenant(tenantId)), 'control characters in an id');
        expectBoundedMessage(await server.request(`/jobs?createdAfter=%0d%0a${long}`, tenant(tenantId)), 'control characters in a date');
      });
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

    describe('creation-time filters', () => {
      const routes = ['/jobs', '/jobs/stats'];

      it('answers 400 for days and times that do not exist, instead of rolling them over', async () => {
        const impossible = ['2026-02-31', '2026-02-29', '2026-04-31', '2026-00-10', '2026-13-01', '2026-01-00', '2026-01-32',
          '2026-01-01T24:00:00Z', '2026-01-01T24:00', '2026-01-01T23:60:00Z', '2026-01-01T12:00:60Z', '2026-01-01T12:00:00+24:00',
          '2026-01-01T12:00:00+01:60', '2100-02-29', '2026-1-1', '+002026-01-01', '2026-01-01T12', '2026-01-01T12:00:00ZZ'];
        for (const route of routes) {
          for (const field of ['createdAfter', 'createdBefore']) {
            for (const value of impossible) {
              const answer = await server.request(`${route}?${field}=${encodeURIComponent(value)}`, tenant(tenantId));
              expect(answer.status, `${route} ${field}=${value}`).toBe(400);
              expect(answer.body.error.code).toBe('invalid_input');
              expect(answer.body.error.message).toContain(field);
            }
          }
        }
        for (const value of ['2024-02-29', '2000-02-29', '2026-02-28T23:59:59.999999999Z', '2026-01-01 12:00:00+0530', '2026-01-01t12:00z']) {
          expect((await server.request(`/jobs?createdAfter=${encodeURIComponent(value)}`, tenant(tenantId))).status, value).toBe(200);
        }
      });

      it('answers the same for every store at the edges of years 0001..9999', async () => {
        const outside = ['0000-01-01', '0000-12-31T23:59:59.999Z', '0001-01-01T00:00:00+00:01', '9999-12-31T23:59:59-00:01'];
        for (const value of outside) {
          for (const route of routes) {
            const answer = await server.request(`${route}?createdAfter=${encodeURIComponent(value)}`, tenant(tenantId));
            expect(answer.status, `${route} ${value}`).toBe(400);
            expect(answer.body.error.message).toMatch(/createdAfter: must lie from 0001-01-01/);
          }
        }
        const all = await server.request('/jobs?createdAfter=0001-01-01&createdBefore=9999-12-31T23:59:59.999Z', tenant(tenantId));
        expect(all.status).toBe(200);
        expect(all.body.jobs.map((job: { id: string }) => job.id)).toContain(jobId);
        const none = await server.request('/jobs?createdBefore=0001-01-01T00:00:00Z', tenant(tenantId));
        expect(none.status).toBe(200);
        expect(none.body.jobs).toEqual([]);
      });

      it('refuses Dates outside years 0001..9999 from tracker queries too, on every store', async () => {
        const year0 = new Date('0000-06-01T00:00:00Z');
        const year10000 = new Date(Date.UTC(10000, 0, 1));
        await expectJobtrailError(() => server.tracker.list({ createdAfter: year0 }), 'invalid_input');
        await expectJobtrailError(() => server.tracker.list({ createdBefore: year10000 }), 'invalid_input');
        await expectJobtrailError(() => server.tracker.stats({ createdAfter: year0 }), 'invalid_input');
        await expectJobtrailError(() => server.tracker.list({ createdAfter: new Date(Number.NaN) }), 'invalid_input');
        const edge = await server.tracker.list({ createdAfter: new Date('0001-01-01T00:00:00Z'), scope: { tenantId } });
        expect(edge.jobs.map((job) => job.id)).toContain(jobId);
      });
    });

    describe('type filters', () => {
      const odd = [
        'csv,export',
        ' padded ',
        'back\\slash',
        'both\\,tricks',
        'trailing\\',
        ',',
        'ü-ñ 日本語 🚀',
        'x'.repeat(MAX_JOB_TYPE_LENGTH),
        `${'y'.repeat(210)},${'z'.repeat(20)}`,
      ];
      let typeTenant: string;
      const ids = new Map<string, string>();
      beforeAll(async () => {
        typeTenant = uniqueName('types');
        for (const type of odd) ids.set(type, (await server.tracker.enqueue(type, {}, { tenantId: typeTenant })).id);
        ids.set('csv', (await server.tracker.enqueue('csv', {}, { tenantId: typeTenant })).id);
        ids.set('export', (await server.tracker.enqueue('export', {}, { tenantId: typeTenant })).id);
      });

      const listIds = async (query: string): Promise<string[]> => {
        const answer = await server.request(`/jobs${query}`, tenant(typeTenant));
        expect(answer.status, query).toBe(200);
        return answer.body.jobs.map((job: { id: string }) => job.id).sort();
      };

      it('finds every type enqueue() accepts through the client, alone and in lists', async () => {
        const client = createJobsClient({ baseUrl: server.origin, headers: { 'x-test-tenant': typeTenant } });
        for (const type of odd) {
          const page = await client.listJobs({ type });
          expect(page.jobs.map((job) => job.id), JSON.stringify(type)).toEqual([ids.get(type)]);
          expect(page.jobs[0]!.type).toBe(type);
          const stats = await client.stats({ type: [type] });
          expect(stats.total, JSON.stringify(type)).toBe(1);
          expect(Object.keys(stats.byType)).toEqual([type]);
          const active = await client.activeJobs({ type: [type, 'csv'] });
          expect(active.jobs.map((job) => job.id).sort(), JSON.stringify(type)).toEqual([ids.get(type), ids.get('csv')].sort());
        }
        const everything = await client.listJobs({ type: odd, limit: 100 });
        expect(everything.jobs).toHaveLength(odd.length);
      });

      it('splits at unescaped commas only, keeps spaces, and takes repeated parameters', async () => {
        const id = (type: string): string => ids.get(type)!;
        expect(await listIds('?type=csv,export')).toEqual([id('csv'), id('export')].sort());
        expect(await listIds(`?type=${encodeURIComponent('csv\\,export')}`)).toEqual([id('csv,export')]);
        expect(await listIds(`?type=${encodeURIComponent(' padded ')}`)).toEqual([id(' padded ')]);
        expect(await listIds('?type=padded')).toEqual([]);
        expect(await listIds(`?type=${encodeURIComponent('back\\\\slash')}`)).toEqual([id('back\\slash')]);
        expect(await listIds(`?type=${encodeURIComponent('\\,')}&type=csv`)).toEqual([id(','), id('csv')].sort());
        expect(await listIds(`?type=${encodeURIComponent('trailing\\\\,export')}`)).toEqual([id('trailing\\'), id('export')].sort());
      });

      it('answers 400 for empty values and stray backslashes, and above the one type length limit', async () => {
        for (const value of ['', ',', 'csv,', ',csv', 'csv,,export', 'a\\', 'a\\b', '\\n']) {
          const answer = await server.request(`/jobs?type=${encodeURIComponent(value)}`, tenant(typeTenant));
          expect(answer.status, JSON.stringify(value)).toBe(400);
          expect(answer.body.error.message).toMatch(/^type: /);
        }
        for (const route of ['/jobs', '/jobs/active', '/jobs/stats']) {
          const tooLong = await server.request(`${route}?type=${'x'.repeat(MAX_JOB_TYPE_LENGTH + 1)}`, tenant(typeTenant));
          expect(tooLong.status, route).toBe(400);
          expect(tooLong.body.error.message).toContain(String(MAX_JOB_TYPE_LENGTH));
          expect((await server.request(`${route}?type=${'x'.repeat(MAX_JOB_TYPE_LENGTH)}`, tenant(typeTenant))).status, route).toBe(200);
        }
        await expectJobtrailError(() => server.tracker.enqueue('x'.repeat(MAX_JOB_TYPE_LENGTH + 1), {}), 'invalid_input');
      });

      it('answers a type no job can have (a NUL) with an empty page on every store', async () => {
        expect(await listIds(`?type=${encodeURIComponent('csv\u0000')}`)).toEqual([]);
        const stats = await server.request(`/jobs/stats?type=${encodeURIComponent('csv\u0000')}`, tenant(typeTenant));
        expect(stats.status).toBe(200);
        expect(stats.body.total).toBe(0);
        expect(await listIds(`?type=${encodeURIComponent('csv\u0000')},csv`)).toEqual([ids.get('csv')]);
        expect((await server.tracker.list({ type: ['csv\u0000', 'csv\uD800'], scope: { tenantId: typeTenant } })).jobs).toEqual([]);
        const mixed = await server.tracker.list({ type: ['csv\u0000', 'csv'], scope: { tenantId: typeTenant } });
        expect(mixed.jobs.map((job) => job.id)).toEqual([ids.get('csv')]);
        await expectJobtrailError(() => server.tracker.list({ type: 'csv\u0000', createdAfter: new Date('0000-06-01T00:00:00Z') }), 'invalid_input');
      });
    });

    describe('scopes that narrow nothing', () => {
      let current: (request: Request) => unknown;
      let scoped: JobsServer;
      const errors: unknown[] = [];
      let tenantA: string;
      let tenantB: string;
      let type: string;
      const jobs: Record<string, string> = {};
      beforeAll(async () => {
        scoped = await startJobsServer(store(), {
          authorize: (request) => current(request) as CallerScope | null,
          onError: (error) => errors.push(error),
        });
        tenantA = uniqueName('tenant-a');
        tenantB = uniqueName('tenant-b');
        type = uniqueName('http.scope-guard');
        jobs.aOwned = (await scoped.tracker.enqueue(type, {}, { tenantId: tenantA, ownerId: uniqueName('owner') })).id;
        jobs.aOwnerless = (await scoped.tracker.enqueue(type, {}, { tenantId: tenantA })).id;
        jobs.bOwnerless = (await scoped.tracker.enqueue(type, {}, { tenantId: tenantB })).id;
      });
      afterAll(async () => {
        await scoped?.close();
      });

      const listAs = async (caller: unknown): Promise<HttpAnswer> => {
        current = () => caller;
        return scoped.request(`/jobs?type=${encodeURIComponent(type)}`);
      };
      const visible = (answer: HttpAnswer): string[] => answer.body.jobs.map((job: { id: string }) => job.id).sort();

      it('refuses with 403 a scope whose keys are all undefined, or that carries only other keys', async () => {
        const narrowNothing: unknown[] = [
          {},
          { tenantId: undefined },
          { tenantId: undefined, ownerId: undefined },
          { ownerId: undefined, admin: false },
          { tenantId: undefined, admin: undefined },
          { userId: 'u1', role: 'viewer', tenant: tenantA },
          Object.create(null),
          new Proxy({}, { get: () => undefined }),
          new (class Session {
            readonly userId = 'u1';
          })(),
        ];
        for (const caller of narrowNothing) {
          const answer = await listAs(caller);
          expect(answer.status, String(Object.keys(caller as object))).toBe(403);
          expect(answer.body.error.code).toBe('forbidden');
        }
        current = () => ({ tenantId: undefined });
        const action = await scoped.request(`/jobs/${jobs.bOwnerless}/cancel`, { method: 'POST' });
        expect(action.status).toBe(403);
        expect((await scoped.tracker.get(jobs.bOwnerless!))!.status).toBe('queued');
      });

      it('never takes admin or a scope field from a polluted Object.prototype', async () => {
        const proto = Object.prototype as { admin?: unknown };
        proto.admin = true;
        try {
          expect((await listAs({ tenantId: undefined })).status).toBe(403);
          expect((await listAs({})).status).toBe(403);
          const own = await listAs({ tenantId: tenantA });
          expect(own.status).toBe(200);
          expect(visible(own)).toEqual([jobs.aOwned, jobs.aOwnerless].sort());
        } finally {
          delete proto.admin;
        }
        // The caller's own class may still supply its fields (a session object with getters).
        class Session {
          get tenantId(): string {
            return tenantB;
          }
        }
        expect(visible(await listAs(new Session()))).toEqual([jobs.bOwnerless]);
      });

      it('narrows to ownerless jobs for { tenantId: undefined, ownerId: null }', async () => {
        const answer = await listAs({ tenantId: undefined, ownerId: null });
        expect(answer.status).toBe(200);
        expect(visible(answer)).toEqual([jobs.aOwnerless, jobs.bOwnerless].sort());
      });

      it('lets admin: true see every tenant, and narrows an admin that also names a tenant', async () => {
        expect(visible(await listAs({ admin: true }))).toEqual(Object.values(jobs).sort());
        expect(visible(await listAs({ admin: true, tenantId: undefined }))).toEqual(Object.values(jobs).sort());
        expect(visible(await listAs({ admin: true, tenantId: tenantB }))).toEqual([jobs.bOwnerless]);
        expect(visible(await listAs({ admin: true, tenantId: tenantA, ownerId: null }))).toEqual([jobs.aOwnerless]);
      });

      it('reads each scope field once, so a getter or Proxy cannot slip past the guard', async () => {
        let reads = 0;
        const flipping = {
          get tenantId() {
            reads++;
            return reads === 1 ? tenantB : undefined;
          },
        };
        const answer = await listAs(flipping);
        expect(answer.status).toBe(200);
        expect(visible(answer)).toEqual([jobs.bOwnerless]);
        const proxy = new Proxy({} as Record<string, unknown>, { get: (_target, key) => (key === 'tenantId' ? tenantA : undefined) });
        expect(visible(await listAs(proxy))).toEqual([jobs.aOwned, jobs.aOwnerless].sort());
        class Caller {
          get tenantId(): string {
            return tenantB;
          }
        }
        expect(visible(await listAs(new Caller()))).toEqual([jobs.bOwnerless]);
      });

      it('answers 500 (reported, no details) for results that are not scope objects, never a job', async () => {
        errors.length = 0;
        const broken: unknown[] = [[], [{ admin: true }], 'admin', 42, true, { tenantId: 42 }, { admin: 'true' }, { tenantId: [tenantA] }];
        for (const caller of broken) {
          const answer = await listAs(caller);
          expect(answer.status, JSON.stringify(caller)).toBe(500);
          expect(answer.body.error.code).toBe('internal_error');
          expect(answer.text).not.toContain(tenantA);
        }
        expect(errors).toHaveLength(broken.length);
        const throwing = await listAs({
          get tenantId(): string {
            throw new Error('session lookup failed');
          },
        });
        expect(throwing.status).toBe(500);
      });
    });
  });
}

/** The status line and headers of a raw request: `raw()` answers only the status and body. */
function rawHead(server: JobsServer, head: string): Promise<string> {
  const { hostname, port } = new URL(server.origin);
  return new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').split('\r\n\r\n')[0]!));
    socket.write(`${head}\r\nConnection: close\r\n\r\n`);
  });
}
