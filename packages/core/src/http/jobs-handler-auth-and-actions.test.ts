import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Job } from '../model/job.js';
import { A, type Fixture, start } from './create-jobs-handler.test-support.js';
import type { JobResponse } from './wire-types.js';

describe('authorization', () => {
  let f: Fixture;
  let job: Job;
  beforeAll(async () => {
    f = await start();
    job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
  });
  afterAll(() => f.server.close());

  it('answers 401 on every route without credentials, before looking at the input', async () => {
    const requests = [
      f.get(`/api/jobs/${job.id}`),
      f.get('/api/jobs/not-an-id'),
      f.get('/api/jobs?limit=99999'),
      f.get('/api/jobs/active'),
      f.get('/api/jobs/stats'),
      f.post(`/api/jobs/${job.id}/retry`),
      f.post(`/api/jobs/${job.id}/cancel`),
    ];
    for (const response of await Promise.all(requests)) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: 'Sign in to see jobs.' } });
    }
    expect((await f.tracker.get(job.id))!.status).toBe('queued');
  });

  it('refuses a scope that narrows nothing unless it says admin', async () => {
    const f2 = await start({ authorize: () => ({}) });
    try {
      const response = await f2.get('/api/jobs');
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
    } finally {
      await f2.server.close();
    }
  });

  it('answers 500 without details when authorize throws, and reports the error', async () => {
    const onError = vi.fn();
    const f2 = await start({
      authorize: () => {
        throw new Error('session store down at 10.0.0.7');
      },
      onError,
    });
    try {
      const response = await f2.get('/api/jobs');
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        error: { code: 'internal_error', message: 'The jobs endpoint failed; the server log has the details.' },
      });
      expect(text).not.toContain('10.0.0.7');
      expect(text).not.toContain(' at ');
      expect(onError).toHaveBeenCalledOnce();
      expect((onError.mock.calls[0]![0] as Error).message).toBe('session store down at 10.0.0.7');
    } finally {
      await f2.server.close();
    }
  });

  it('answers 404 for unknown routes and 405 with Allow for a wrong method', async () => {
    const unknown = await f.get('/api/other', A);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'route_not_found' } });
    expect((await f.get(`/api/jobs/${job.id}/history`, A)).status).toBe(404);
    const wrong = await f.get(`/api/jobs/${job.id}/retry`, A);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS');
    expect((await f.post('/api/jobs', A)).status).toBe(405);
  });
});

describe('POST /jobs/:id/retry and /cancel', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await start({ canAct: (scope, action) => !(scope.ownerId === 'viewer' && action === 'cancel') });
  });
  afterAll(() => f.server.close());

  it('cancels and retries the caller’s job and answers it', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const cancelled = await f.post(`/api/jobs/${job.id}/cancel`, A);
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as JobResponse).job).toMatchObject({ id: job.id, status: 'cancelled' });
    const retried = await f.post(`/api/jobs/${job.id}/retry`, { ...A, 'content-type': 'application/json' });
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as JobResponse).job.status).toBe('queued');
  });

  it('runs a delayed job now (POST /jobs/:id/run-now), in scope, and refuses one that is running', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a', delayMs: 3_600_000 });
    const response = await f.post(`/api/jobs/${job.id}/run-now`, A);
    expect(response.status).toBe(200);
    const answered = ((await response.json()) as JobResponse).job;
    expect(answered).toMatchObject({ id: job.id, status: 'queued' });
    expect(Date.parse(answered.runAt)).toBeLessThan(job.runAt.getTime());
    const theirs = await f.tracker.create('imports.upload', { tenantId: 'tenant-b', delayMs: 3_600_000 });
    expect((await f.post(`/api/jobs/${theirs.id}/run-now`, A)).status).toBe(404);
    expect((await f.tracker.get(theirs.id))!.runAt).toEqual(theirs.runAt);
    await f.tracker.start(job.id);
    const refused = await f.post(`/api/jobs/${job.id}/run-now`, A);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_transition' } });
  });

  it('answers 409 for a transition the job cannot make', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const response = await f.post(`/api/jobs/${job.id}/retry`, A);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_transition' } });
  });

  it('never lets one tenant retry or cancel another tenant’s job', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-b' });
    const missing = await f.post('/api/jobs/01900000-0000-7000-8000-000000000000/cancel', A);
    const missingBody = await missing.text();
    for (const action of ['cancel', 'retry']) {
      const response = await f.post(`/api/jobs/${job.id}/${action}`, A);
      expect(response.status).toBe(404);
      expect(await response.text()).toBe(missingBody);
    }
    expect((await f.tracker.get(job.id))!.status).toBe('queued');
  });

  it('answers 403 only for jobs the caller may see but not change', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a', ownerId: 'viewer' });
    const other = await f.tracker.create('imports.upload', { tenantId: 'tenant-a', ownerId: 'someone' });
    const viewer = { ...A, 'x-owner': 'viewer' };
    const refused = await f.post(`/api/jobs/${job.id}/cancel`, viewer);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { code: 'forbidden', message: 'You may see this job but not cancel it.' } });
    expect((await f.post(`/api/jobs/${other.id}/cancel`, viewer)).status).toBe(404);
    expect((await f.tracker.get(job.id))!.status).toBe('queued');
  });

  it('refuses form posts and cross-site requests', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain;charset=UTF-8']) {
      const response = await f.post(`/api/jobs/${job.id}/cancel`, { ...A, 'content-type': type });
      expect(response.status).toBe(415);
    }
    expect((await f.post(`/api/jobs/${job.id}/cancel`, { ...A, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await f.tracker.get(job.id))!.status).toBe('queued');
    expect((await f.post(`/api/jobs/${job.id}/cancel`, { ...A, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });
});
