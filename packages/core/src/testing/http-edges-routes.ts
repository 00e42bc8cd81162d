import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobsServer } from './http-harness.js';
import { expectBoundedMessage, type SharedEdges, tenant } from './http-edges-shared.js';
import { uniqueName } from './make-job.js';

function expectRouteMiss(answer: { status: number; text: string }, label: string): void {
  expect(answer.status, label).toBe(404);
  expect(JSON.parse(answer.text).error.code, label).toBe('route_not_found');
}

/** Odd methods and request targets, over the suite's shared server: 404 or 405, never 500. */
export function httpEdgesRoutes(shared: () => SharedEdges): void {
  let server: JobsServer, tenantId: string, jobId: string;
  beforeAll(() => {
    ({ server, tenantId, jobId } = shared());
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
