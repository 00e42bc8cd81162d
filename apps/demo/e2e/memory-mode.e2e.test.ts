import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT, delay, startDemoProcess, type DemoProcess } from './demo-process.js';

const OUTPUT_DIR = join(APP_ROOT, 'test-results', 'memory-mode');

// `--store memory`: no database at all. The worker process reaches the server's memory store
// over IPC, and must still recover from a kill -9.
describe('demo with --store memory, over HTTP', () => {
  let demo: DemoProcess;

  beforeAll(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    demo = await startDemoProcess({ store: 'memory', logFile: join(OUTPUT_DIR, 'demo-output.log') });
  });

  afterAll(async () => {
    await demo?.stop();
  });

  const api = (path: string, init: RequestInit & { tenant?: string } = {}) =>
    fetch(`${demo.url}${path}`, {
      ...init,
      headers: { ...(init.tenant ? { 'x-demo-tenant': init.tenant } : {}), ...(init.headers as Record<string, string>) },
    });

  async function waitForStatus(id: string, tenant: string, status: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 90_000;
    let last: unknown;
    while (Date.now() < deadline) {
      const response = await api(`/api/jobs/${id}`, { tenant });
      last = ((await response.json()) as { job?: unknown }).job;
      if ((last as { status?: string } | undefined)?.status === status) return last as Record<string, unknown>;
      await delay(250);
    }
    throw new Error(`job ${id} did not reach ${status}; last seen: ${JSON.stringify(last)}`);
  }

  it('recovers the "Crash worker" job with a restarted worker', async () => {
    const before = (await (await api('/api/demo/info')).json()) as { worker: { pid: number; restarts: number } };
    const started = await api('/api/demo/workflows/crash-worker', { method: 'POST', tenant: 'acme' });
    expect(started.status).toBe(201);
    const { job } = (await started.json()) as { job: { id: string } };

    const done = await waitForStatus(job.id, 'acme', 'completed');
    expect(done).toMatchObject({ attempt: 2, result: { recoveredFrom: 'lease_expired' } });
    expect((done['result'] as { finishedByPid: number }).finishedByPid).not.toBe(before.worker.pid);
    const after = (await (await api('/api/demo/info')).json()) as { worker: { restarts: number } };
    expect(after.worker.restarts).toBeGreaterThan(before.worker.restarts);
  });

  it('scopes every request to the tenant: 401 without one, 404 for another tenant\'s job', async () => {
    const started = await api('/api/demo/workflows/deep-scan', { method: 'POST', tenant: 'acme' });
    const { job } = (await started.json()) as { job: { id: string } };

    expect((await api(`/api/jobs/${job.id}`)).status).toBe(401);
    expect((await api(`/api/demo/workflows/deep-scan`, { method: 'POST' })).status).toBe(401);
    expect((await api(`/api/jobs/${job.id}`, { tenant: 'unknown' })).status).toBe(401);
    const crossTenant = await api(`/api/jobs/${job.id}`, { tenant: 'globex' });
    expect(crossTenant.status).toBe(404);
    const list = (await (await api('/api/jobs', { tenant: 'globex' })).json()) as { jobs: { id: string }[] };
    expect(list.jobs.map((item) => item.id)).not.toContain(job.id);
    expect((await api(`/api/jobs/${job.id}/cancel`, { method: 'POST', tenant: 'globex' })).status).toBe(404);
    expect((await api(`/api/jobs/${job.id}`, { tenant: 'acme' })).status).toBe(200);
  });

  it("fires each tenant's schedule through the IPC store, and lists only the tenant's own", async () => {
    type Page = { schedules: { name: string; tenantId: string; nextRunAt: string | null; paused: boolean }[]; nextCursor: string | null };
    const acme = (await (await api('/api/schedules', { tenant: 'acme' })).json()) as Page;
    expect(acme.schedules.map((schedule) => [schedule.name, schedule.tenantId])).toEqual([['acme.heartbeat', 'acme']]);
    expect(Number.isNaN(Date.parse(acme.schedules[0]!.nextRunAt ?? ''))).toBe(false);
    const globex = (await (await api('/api/schedules', { tenant: 'globex' })).json()) as Page;
    expect(globex.schedules.map((schedule) => schedule.name)).toEqual(['globex.heartbeat']);
    expect((await api('/api/schedules')).status).toBe(401);

    // The first tick of a new schedule is due at once: the worker process fires it over IPC.
    const deadline = Date.now() + 90_000;
    let jobs: Array<Record<string, unknown>> = [];
    while (Date.now() < deadline) {
      const response = await api('/api/jobs?type=demo.heartbeat', { tenant: 'acme' });
      jobs = ((await response.json()) as { jobs: Array<Record<string, unknown>> }).jobs;
      if (jobs.some((job) => job['status'] === 'completed')) break;
      await delay(250);
    }
    const done = jobs.find((job) => job['status'] === 'completed');
    expect(done, JSON.stringify(jobs)).toMatchObject({ scheduleName: 'acme.heartbeat', tenantId: 'acme', progress: 1 });
    expect(Number.isNaN(Date.parse(String(done!['scheduledFor'])))).toBe(false);
    expect(done!['result']).toMatchObject({ ok: true, schedule: 'acme.heartbeat', tick: done!['scheduledFor'] });

    // Pause and resume (the jobs API's, which the dashboard calls) act on the tenant's own schedule only.
    expect((await api('/api/schedules/acme.heartbeat/pause', { method: 'POST', tenant: 'globex' })).status).toBe(404);
    expect((await api('/api/schedules/acme.heartbeat/pause', { method: 'POST' })).status).toBe(401);
    const paused = await api('/api/schedules/acme.heartbeat/pause', { method: 'POST', tenant: 'acme' });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ schedule: { name: 'acme.heartbeat', tenantId: 'acme', paused: true } });
    const listed = (await (await api('/api/schedules', { tenant: 'acme' })).json()) as Page;
    expect(listed.schedules[0]).toMatchObject({ name: 'acme.heartbeat', paused: true });
    const resumed = await api('/api/schedules/acme.heartbeat/resume', { method: 'POST', tenant: 'acme' });
    expect(await resumed.json()).toMatchObject({ schedule: { name: 'acme.heartbeat', paused: false } });
    // The same API under the dashboard's mount, scoped alike.
    const viaDashboard = await api('/admin/jobs/api/schedules/acme.heartbeat/pause', { method: 'POST', tenant: 'globex' });
    expect(viaDashboard.status).toBe(404);
  });

  it('answers 404 with a JSON error for an unknown workflow or API path', async () => {
    const unknown = await api('/api/demo/workflows/mine-bitcoin', { method: 'POST', tenant: 'acme' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'unknown_workflow' } });
    const missing = await api('/api/nothing-here', { tenant: 'acme' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
