import { createJobsHandler, type Tracker } from '@jobtrail/core';
import { createDashboardHandler } from '@jobtrail/dashboard';
import { Hono } from 'hono';
import { DASHBOARD_BASE, DEMO_API_BASE, isWorkflowName, JOBS_API_BASE, TENANTS, WORKFLOWS } from '../shared/workflows.js';
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
 * The demo's routes: the jobtrail dashboard (`@jobtrail/dashboard`) under /admin/jobs, jobtrail's
 * jobs handler under /api/jobs and /api/schedules (for scripts), the demo's endpoints (start a
 * workflow, worker status) under /api/demo, and the demo's page (tenant switcher, workflow buttons
 * and the dashboard in a frame) for everything else.
 */
export function createDemoApp(deps: DemoAppDeps): Hono {
  const { tracker, supervisor } = deps;
  // The tenant the page chose is the whole scope: one tenant never sees another's jobs.
  const authorize = (request: Request) => {
    const tenantId = tenantOf(request);
    return tenantId ? { tenantId } : null;
  };
  // Demo data is harmless; a real app decides per job and caller what may leave the server.
  const expose = { payload: true, result: true };
  const jobsHandler = createJobsHandler({ tracker, basePath: JOBS_API_BASE, authorize, expose });
  const dashboard = createDashboardHandler({
    tracker,
    basePath: DASHBOARD_BASE,
    authorize,
    expose,
    title: 'jobtrail demo',
    // The demo's page shows the dashboard in a frame beside its workflow buttons.
    frameAncestors: ["'self'"],
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

  app.all(DASHBOARD_BASE, (c) => dashboard(c.req.raw));
  app.all(`${DASHBOARD_BASE}/*`, (c) => dashboard(c.req.raw));
  app.all(`${JOBS_API_BASE}/jobs`, (c) => jobsHandler(c.req.raw));
  app.all(`${JOBS_API_BASE}/schedules`, (c) => jobsHandler(c.req.raw));
  app.all(`${JOBS_API_BASE}/jobs/*`, (c) => jobsHandler(c.req.raw));
  app.all(`${JOBS_API_BASE}/schedules/*`, (c) => jobsHandler(c.req.raw));
  app.all(`${JOBS_API_BASE}/*`, (c) => c.json({ error: { code: 'not_found', message: 'No such endpoint.' } }, 404));

  app.get('*', (c) => deps.serveStatic(new URL(c.req.url).pathname));
  return app;
}
