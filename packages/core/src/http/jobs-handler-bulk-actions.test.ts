import { afterEach, describe, expect, it } from 'vitest';
import { serve, type TestServer } from '../../test/serve.js';
import { createJobsClient } from '../client/jobs-client.js';
import { JobsHttpError } from '../client/client-errors.js';
import type { Tracker } from '../tracker/tracker.js';
import { A, ADMIN, B, start, type Fixture } from './create-jobs-handler.test-support.js';
import { toNodeHandler, type NodeRequestLike, type NodeResponseLike } from './to-node-handler.js';
import { createJobsHandler } from './create-jobs-handler.js';
import type { JobFilter } from '../tracker/query-filters.js';

let f: Fixture;
const extra: TestServer[] = [];

afterEach(async () => {
  await f?.server.close();
  for (const server of extra.splice(0)) await server.close();
});

async function failedJob(tracker: Tracker, type: string, tenantId: string, code = 'http_503'): Promise<string> {
  const job = await tracker.create(type, { tenantId, maxAttempts: 1 });
  await tracker.start(job.id);
  await tracker.fail(job.id, Object.assign(new Error('upstream'), { code }));
  return job.id;
}

function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(f.server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function statuses(ids: string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await f.tracker.get(id))!.status));
}

describe('POST /jobs/retry and POST /jobs/cancel', () => {
  it("retries every job the filter matches in the caller's scope; other tenants, types and codes are untouched", async () => {
    f = await start({ canActOnMany: () => true });
    const mine = [await failedJob(f.tracker, 'sync.pull', 'tenant-a'), await failedJob(f.tracker, 'sync.pull', 'tenant-a')];
    const timedOut = await failedJob(f.tracker, 'sync.pull', 'tenant-a', 'job_timeout');
    const otherType = await failedJob(f.tracker, 'sync.push', 'tenant-a');
    const theirs = await failedJob(f.tracker, 'sync.pull', 'tenant-b');

    const response = await postJson('/api/jobs/retry', { type: 'sync.pull', status: ['failed'], errorCode: 'http_503' }, A);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ matched: 2, changed: 2 });
    expect(await statuses(mine)).toEqual(['queued', 'queued']);
    expect(await statuses([timedOut, otherType, theirs])).toEqual(['failed', 'failed', 'failed']);
    expect((await f.tracker.get(mine[0]!))!.history.at(-1)).toMatchObject({ kind: 'retry' });

    // A tenant in the body only narrows: tenant a naming tenant b matches nothing.
    expect(await (await postJson('/api/jobs/retry', { tenantId: 'tenant-b', status: 'failed' }, A)).json()).toEqual({ matched: 0, changed: 0 });
    expect(await statuses([theirs])).toEqual(['failed']);
    // An admin may name the tenant.
    expect(await (await postJson('/api/jobs/cancel', { tenantId: 'tenant-a', status: 'queued' }, ADMIN)).json()).toEqual({ matched: 2, changed: 2 });
    expect(await statuses(mine)).toEqual(['cancelled', 'cancelled']);
    expect(await (await postJson('/api/jobs/retry', { type: 'sync.pull', createdAfter: '2020-01-01T00:00:00Z' }, B)).json()).toEqual({ matched: 1, changed: 1 });
    expect(await statuses([theirs])).toEqual(['queued']);
  });

  it('refuses bad requests with a clear error and changes nothing', async () => {
    f = await start({ canActOnMany: () => true });
    const id = await failedJob(f.tracker, 'sync.pull', 'tenant-a');
    const cases: Array<[string, () => Promise<Response>, number, RegExp]> = [
      ['empty filter', () => postJson('/api/jobs/retry', {}, A), 400, /at least one condition/],
      ['not JSON', () => postJson('/api/jobs/retry', '{type:', A), 400, /not JSON/],
      ['array body', () => postJson('/api/jobs/retry', ['failed'], A), 400, /JSON object/],
      ['unknown field', () => postJson('/api/jobs/retry', { staus: 'failed' }, A), 400, /Unknown filter .*staus/],
      ['scope in the body', () => postJson('/api/jobs/retry', { status: 'failed', scope: {} }, A), 400, /Unknown filter .*scope/],
      ['bad status', () => postJson('/api/jobs/retry', { status: 'broken' }, A), 400, /not a status/],
      ['bad date', () => postJson('/api/jobs/retry', { status: 'failed', createdAfter: 'yesterday' }, A), 400, /ISO 8601/],
      ['bad metadata', () => postJson('/api/jobs/retry', { metadata: { 'a.b': 1 } }, A), 400, /metadata/],
      ['no content type', () => fetch(`${f.server.url}/api/jobs/retry`, { method: 'POST', headers: A, body: new Uint8Array([123, 125]) }), 415, /application\/json/],
      ['text/plain', () => postJson('/api/jobs/retry', '{"status":"failed"}', { ...A, 'content-type': 'text/plain' }), 415, /./],
      ['query string', () => postJson('/api/jobs/retry?status=failed', { status: 'failed' }, A), 400, /JSON body/],
      ['too large', () => postJson('/api/jobs/retry', { status: 'failed', type: 'x'.repeat(20_000) }, A), 413, /at most 16384 bytes/],
      ['no caller', () => postJson('/api/jobs/retry', { status: 'failed' }), 401, /./],
      ['foreign origin', () => postJson('/api/jobs/retry', { status: 'failed' }, { ...A, origin: 'https://evil.example' }), 403, /origin/],
    ];
    for (const [name, send, status, message] of cases) {
      const response = await send();
      expect([name, response.status]).toEqual([name, status]);
      expect([name, await response.text()]).toEqual([name, expect.stringMatching(message)]);
    }
    expect((await f.get('/api/jobs/retry', A)).status).toBe(405);
    expect(await statuses([id])).toEqual(['failed']);
    // The connection that sent the oversized body still serves the next request.
    expect((await postJson('/api/jobs/retry', { status: 'failed' }, A)).status).toBe(200);
  });

  it('is off unless canActOnMany is set, and asks it with the action and the body filter', async () => {
    for (const options of [{}, { canAct: () => true }]) {
      f = await start(options);
      const id = await failedJob(f.tracker, 'sync.pull', 'tenant-a');
      const off = await postJson('/api/jobs/retry', { status: 'failed' }, A);
      expect(off.status).toBe(403);
      expect(await off.text()).toMatch(/canActOnMany/);
      expect(await statuses([id])).toEqual(['failed']);
      await f.server.close();
    }

    const asked: Array<[string, JobFilter]> = [];
    f = await start({
      canAct: () => true,
      canActOnMany: (scope, action, filter) => {
        asked.push([action, filter]);
        return scope.tenantId === 'tenant-a' && action === 'retry';
      },
    });
    await failedJob(f.tracker, 'sync.pull', 'tenant-a');
    expect((await postJson('/api/jobs/cancel', { status: 'failed' }, A)).status).toBe(403);
    expect((await postJson('/api/jobs/retry', { status: 'failed' }, B)).status).toBe(403);
    expect(await (await postJson('/api/jobs/retry', { status: 'failed' }, A)).json()).toEqual({ matched: 1, changed: 1 });
    expect(asked.map(([action]) => action)).toEqual(['cancel', 'retry', 'retry']);
    expect(asked[2]![1]).toEqual({ status: ['failed'] });
  });

  it('takes the body a parser (express.json()) already read from req.body', async () => {
    f = await start({ canActOnMany: () => true });
    const id = await failedJob(f.tracker, 'sync.pull', 'tenant-a');
    const handler = toNodeHandler(createJobsHandler({ tracker: f.tracker, authorize: () => ({ tenantId: 'tenant-a' }), basePath: '/api', canActOnMany: () => true }));
    // What body-parser does: read the stream, then set req.body and mark req._body.
    const server = await serve(async (request: NodeRequestLike, response: NodeResponseLike) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
      Object.assign(request, { body: JSON.parse(Buffer.concat(chunks).toString('utf8')), _body: true });
      await handler(request, response);
    });
    extra.push(server);
    const response = await fetch(`${server.url}/api/jobs/retry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"status":"failed"}' });
    expect(await response.json()).toEqual({ matched: 1, changed: 1 });
    expect(await statuses([id])).toEqual(['queued']);
  });

  it('client.retryMany / cancelMany send the filter and answer the counts', async () => {
    f = await start({ canActOnMany: () => true });
    const ids = [await failedJob(f.tracker, 'sync.pull', 'tenant-a'), await failedJob(f.tracker, 'sync.pull', 'tenant-b')];
    const client = createJobsClient({ baseUrl: `${f.server.url}/api`, headers: A });
    expect(await client.retryMany({ type: 'sync.pull', errorCode: 'http_503', createdAfter: new Date(0) })).toEqual({ matched: 1, changed: 1 });
    expect(await statuses(ids)).toEqual(['queued', 'failed']);
    expect(await client.cancelMany({ status: 'queued' })).toEqual({ matched: 1, changed: 1 });
    await expect(client.retryMany({})).rejects.toSatisfy((error: unknown) => error instanceof JobsHttpError && error.status === 400);
  });
});
