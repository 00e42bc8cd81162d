import { createJobsHandler, JobValidationError, ScheduleNotFoundError, type Tracker } from '@jobtrail/core';
import { Hono } from 'hono';
import { DEMO_API_BASE, isWorkflowName, JOBS_API_BASE, TENANTS, WORKFLOWS } from '../shared/workflows.js';
import type { DemoInfo } from '../shared/demo-info.js';
import { enqueueWorkflow } from './enqueue-workflow.js';
import { tenantOf } from './tenant-scope.js';
import type { WorkerSupervisor } from './worker-supervisor.js';

export interface DemoAppDeps {
  tracker: Tracker;
  supervisor: WorkerSupervisor;
  storeDescription: string;
  /** Whether the store keeps schedules (the demo's are declared then). */
  schedules: boolean;
  tracesMode: string;
  serveStatic: (pathname: string) => Promise<Response>;
}

/**
 * The demo's routes: jobtrail's own jobs handler under /api/jobs and /api/schedules, the demo's
 * endpoints (start a workflow, pause or resume a schedule, worker status) under /api/demo, and the
 * built page for everything else.
 */
export function createDemoApp(deps: DemoAppDeps): Hono {
  const { tracker, supervisor } = deps;
  const jobsHandler = createJobsHandler({
    tracker,
    basePath: JOBS_API_BASE,
    // The tenant the page chose is the whole scope: one tenant never sees another's jobs.
    authorize: (request) => {
      const tenantId = tenantOf(request);
      return tenantId ? { tenantId } : null;
    },
    // Demo data is harmless; a real app decides per job and caller what may leave the server.
    expose: { payload: true, result: true },
  });

  const app = new Hono();
  // Unexpected failures (the database went away...) answer like the jobs handler: JSON, no stack.
  app.onError((error, c) => {
    console.error('[demo] request failed:', error);
    return c.json({ error: { code: 'internal_error', message: 'The demo server failed to answer; see its log.' } }, 500);
  });

  app.get(`${DEMO_API_BASE}/health`, (c) => {
    const worker = supervisor.status();
    const ready = worker.state === 'running';
    return c.json({ ok: ready, worker }, ready ? 200 : 503);
  });

  app.get(`${DEMO_API_BASE}/info`, (c) => {
    const info: DemoInfo = {
      store: deps.storeDescription,
      schedules: deps.schedules,
      traces: deps.tracesMode,
      tenants: TENANTS.map((tenant) => ({ ...tenant })),
      workflows: WORKFLOWS.map((workflow) => ({ ...workflow })),
      worker: supervisor.status(),
    };
    return c.json(info);
  });

  app.post(`${DEMO_API_BASE}/workflows/:name`, async (c) => {
    const tenantId = tenantOf(c.req.raw);
    if (!tenantId) return c.json({ error: { code: 'unauthorized', message: 'Choose a tenant first.' } }, 401);
    const name = c.req.param('name');
    if (!isWorkflowName(name)) {
      return c.json({ error: { code: 'unknown_workflow', message: `No workflow named "${name}".` } }, 404);
    }
    const job = await enqueueWorkflow(tracker, name, tenantId);
    return c.json({ job: { id: job.id, type: job.type, status: job.status } }, 201);
  });

  // Pause and resume stand in for an operator's console: a tenant acts on its own schedules only.
  for (const action of ['pause', 'resume'] as const) {
    app.post(`${DEMO_API_BASE}/schedules/:name/${action}`, async (c) => {
      const tenantId = tenantOf(c.req.raw);
      if (!tenantId) return c.json({ error: { code: 'unauthorized', message: 'Choose a tenant first.' } }, 401);
      const name = c.req.param('name');
      try {
        const schedule = action === 'pause' ? await tracker.pauseSchedule(name, { tenantId }) : await tracker.resumeSchedule(name, { tenantId });
        return c.json({ schedule: { name: schedule.name, paused: schedule.paused } });
      } catch (error) {
        // Another tenant's schedule answers like a missing one.
        if (ScheduleNotFoundError.isInstance(error)) return c.json({ error: { code: error.code, message: 'Schedule not found.' } }, 404);
        if (JobValidationError.isInstance(error)) return c.json({ error: { code: error.code, message: error.message } }, 400);
        throw error;
      }
    });
  }

  app.all(`${JOBS_API_BASE}/jobs`, (c) => jobsHandler(c.req.raw));
  app.all(`${JOBS_API_BASE}/schedules`, (c) => jobsHandler(c.req.raw));
  app.all(`${JOBS_API_BASE}/jobs/*`, (c) => jobsHandler(c.req.raw));
  app.all(`${JOBS_API_BASE}/*`, (c) => c.json({ error: { code: 'not_found', message: 'No such endpoint.' } }, 404));

  app.get('*', (c) => deps.serveStatic(new URL(c.req.url).pathname));
  return app;
}
