import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, FrameLocator, Locator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_BASE } from '../src/shared/workflows.js';
import { launchChromium } from './browser.js';
import { APP_ROOT, startDemoProcess, type DemoProcess } from './demo-process.js';

// The demo as a newcomer runs it: embedded PostgreSQL (or DATABASE_URL), a worker process, the
// built page with the jobtrail dashboard in its frame, in real Chromium. JOBTRAIL_E2E_STORE=memory
// runs it without a database.
const STORE = process.env['JOBTRAIL_E2E_STORE'] === 'memory' ? 'memory' : 'postgres';
const OUTPUT_DIR = join(APP_ROOT, 'test-results', 'e2e');
// Generous: these wait for real workers, retries and lease expiry on a busy 2-core machine.
const JOB_TIMEOUT = 90_000;
const FRAME = '[data-testid="dashboard-frame"]';
/** The one event stream the dashboard's client opens (core's ClientStream: `GET {base}/jobs/stream`). */
const STREAM_PATH = `${DASHBOARD_BASE}/api/jobs/stream`;

describe(`demo end to end (${STORE} store, Chromium)`, () => {
  let demo: DemoProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let dashboard: FrameLocator;
  let dataRoot: string | undefined;
  const pageErrors: string[] = [];
  const frameErrors: string[] = [];
  /** Every request the page and its frame made, as `METHOD path`. */
  const requests: string[] = [];
  /** The dashboard's event streams still open (an event stream's response never finishes). */
  const openStreams = new Set<Request>();

  beforeAll(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    // A fresh data folder per run: the persistent apps/demo/.data belongs to `npm run demo`.
    if (STORE === 'postgres' && !process.env['DATABASE_URL']) {
      dataRoot = mkdtempSync(join(tmpdir(), 'jobtrail-demo-e2e-'));
    }
    demo = await startDemoProcess({
      store: STORE,
      ...(dataRoot ? { dataDir: join(dataRoot, 'postgres') } : {}),
      logFile: join(OUTPUT_DIR, 'demo-output.log'),
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(JOB_TIMEOUT);
    // Uncaught errors of the page and of every frame it has had (switching tenant makes a new
    // dashboard frame), reported from each frame as they happen.
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.exposeFunction('__reportUncaught', (text: string) => frameErrors.push(text));
    await page.addInitScript(() => {
      const report = (window as unknown as { __reportUncaught: (text: string) => void }).__reportUncaught;
      window.addEventListener('error', (event) => report(`${location.pathname}: ${event.message}`));
      window.addEventListener('unhandledrejection', (event) => report(`${location.pathname}: ${String(event.reason)}`));
    });
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      requests.push(`${request.method()} ${path}`);
      if (path === STREAM_PATH) openStreams.add(request);
    });
    const ended = (request: Request) => openStreams.delete(request);
    page.on('requestfinished', ended);
    page.on('requestfailed', ended);
    dashboard = page.frameLocator(FRAME);
    await page.goto(demo.url);
    await page.getByTestId('worker-status').and(page.locator('[data-state="running"]')).waitFor();
    await dashboard.getByRole('navigation', { name: 'Dashboard' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await demo?.stop();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  const streamRequests = () => requests.filter((request) => request === `GET ${STREAM_PATH}`).length;

  it("shows the tenant's schedule with its next run time, and its name on the jobs it makes; pauses it", async () => {
    await openNav(dashboard, 'Schedules');
    const schedule = scheduleRow(dashboard, 'acme.heartbeat');
    await schedule.waitFor();
    // A data folder reused through DATABASE_URL may hold the schedule paused by an earlier run.
    if ((await schedule.getAttribute('data-paused')) === 'true') await schedule.getByRole('button', { name: 'Resume' }).click();
    await scheduleRow(dashboard, 'acme.heartbeat', '[data-paused="false"]').waitFor();
    await expect(schedule.getByTestId('schedule-timing').textContent()).resolves.toBe('every 30 s');
    await expect(schedule.getByTestId('schedule-state').textContent()).resolves.toBe('active');
    // The next run, shown as a time (read in one go: a tick moves it every 30 s).
    const nextRun = await schedule.evaluate((row) => ({
      at: row.getAttribute('data-next-run-at') ?? '',
      shown: row.querySelector('[data-testid="schedule-next-run"] time')?.getAttribute('datetime') ?? null,
    }));
    expect(Number.isNaN(Date.parse(nextRun.at))).toBe(false);
    expect(nextRun.shown).toBe(new Date(nextRun.at).toISOString());
    // Another tenant's schedule is not on Acme's dashboard.
    await expect(scheduleRow(dashboard, 'globex.heartbeat').count()).resolves.toBe(0);

    // A new schedule's first tick is due at once: the worker fires it, the schedule links the job
    // that tick made, and that job names the schedule, in the jobs list and in its detail.
    await schedule.getByTestId('schedule-last-run').getByRole('link').waitFor();
    const lastJobId = await schedule.getAttribute('data-last-job-id');
    expect(lastJobId).toBeTruthy();
    await schedule.getByRole('link', { name: 'acme.heartbeat' }).click();
    const scheduled = jobRow(dashboard, lastJobId!);
    await expect(scheduled.getAttribute('data-schedule')).resolves.toBe('acme.heartbeat');
    await expect(scheduled.getAttribute('data-type')).resolves.toBe('demo.heartbeat');
    await expect.poll(() => rowAttributes(dashboard, 'data-schedule').then(allEqual('acme.heartbeat'))).toBe(true);
    await openNav(dashboard, 'Schedules');
    // The last run's link opens the job of the schedule's latest tick (a later tick may have
    // replaced the one above), which names the schedule once read (empty until then).
    await schedule.getByTestId('schedule-last-run').getByRole('link').click();
    const detail = dashboard.locator('[data-testid="job-detail"][data-schedule="acme.heartbeat"]');
    await detail.waitFor();
    await expect(detail.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('demo.heartbeat');
    await expect(detail.getByRole('link', { name: 'acme.heartbeat' }).count()).resolves.toBe(1);
    await page.screenshot({ path: join(OUTPUT_DIR, '0-schedules.png'), fullPage: true });

    // Paused for the tests below, so that no new heartbeat moves the jobs list under them.
    await openNav(dashboard, 'Schedules');
    await schedule.getByRole('button', { name: 'Pause' }).click();
    await scheduleRow(dashboard, 'acme.heartbeat', '[data-paused="true"]').waitFor();
    await expect(schedule.getByTestId('schedule-state').textContent()).resolves.toBe('paused');
    await expect(schedule.getByTestId('schedule-next-run').textContent()).resolves.toBe('—');
  });

  it('runs "Deep scan" to 100% and completed', async () => {
    const jobId = await startWorkflow(page, 'deep-scan');
    const detail = jobDetail(dashboard, jobId);
    await waitForStatus(dashboard, jobId, 'completed');

    await expect(detail.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('100');
    await expect(detail.getByRole('progressbar').getAttribute('aria-valuetext')).resolves.toMatch(/^100%/);
    await expect(jsonOf(detail, 'result')).resolves.toMatchObject({ rating: 4.6 });
    await page.screenshot({ path: join(OUTPUT_DIR, '1-deep-scan-completed.png'), fullPage: true });
  });

  it('moves the progress bar with the one stream, not by polling the job, and the jobs list row agrees with the detail', async () => {
    const jobId = await startWorkflow(page, 'file-import');
    const detail = jobDetail(dashboard, jobId);
    await waitForStatus(dashboard, jobId, 'running');
    const streamsBefore = streamRequests();
    // The stream the dashboard had open before the job started, which must serve all of it.
    const stream = [...openStreams].at(-1);
    expect(stream).toBeDefined();

    // The detail's bar moves to values not seen yet, each from the stream.
    const seen = new Set<string>();
    for (let shot = 0; shot < 3; shot++) {
      await expect
        .poll(async () => detail.getByRole('progressbar').getAttribute('aria-valuenow'), { timeout: JOB_TIMEOUT })
        .not.toBeOneOf([...seen, null]);
      const state = await readJob(detail);
      await page.screenshot({ path: join(OUTPUT_DIR, `1b-file-import-stream-${shot}.png`), fullPage: true });
      seen.add(state.progress);
      if (state.status === 'completed') break;
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);

    // The jobs list follows the same stream: the row shows the job as it goes, then completed.
    await openNav(dashboard, 'Jobs');
    const row = jobRow(dashboard, jobId);
    await row.waitFor();
    await page.screenshot({ path: join(OUTPUT_DIR, '1b-file-import-stream-list.png'), fullPage: true });
    await jobRow(dashboard, jobId, '[data-status="completed"]').waitFor();
    const fromRow = { status: await row.getAttribute('data-status'), progress: await row.getAttribute('data-progress'), attempt: await row.getAttribute('data-attempt') };
    expect(fromRow).toEqual({ status: 'completed', progress: '100', attempt: '1' });
    await expect(row.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('100');

    // Its detail says the same.
    await row.click();
    await waitForStatus(dashboard, jobId, 'completed');
    const fromDetail = await readJob(detail);
    expect({ status: fromDetail.status, progress: fromDetail.progress, attempt: fromDetail.attempt }).toEqual(fromRow);
    await expect(detail.getByTestId('detail-attempt').textContent()).resolves.toMatch(/^1 of /);

    // One stream served all of it: none opened since, it is still open, and the job was read once
    // per detail view shown (twice), never polled.
    expect(streamRequests()).toBe(streamsBefore);
    expect(openStreams.has(stream!)).toBe(true);
    expect(requests.filter((request) => request === `GET ${DASHBOARD_BASE}/api/jobs/${jobId}`).length).toBeLessThanOrEqual(2);
  });

  it('shows "Flaky API" retrying, with the next attempt due, then completed', async () => {
    const jobId = await startWorkflow(page, 'flaky-api');
    const detail = jobDetail(dashboard, jobId);
    const statuses = await recordStatuses(await dashboardFrame(page), jobId);

    await waitForStatus(dashboard, jobId, 'retrying');
    await expect(detail.getByTestId('retry-due').textContent()).resolves.toMatch(/^Attempt 1 of 5 failed; the next one (is|was) due /);
    await page.screenshot({ path: join(OUTPUT_DIR, '2-flaky-api-retrying.png'), fullPage: true });

    await waitForStatus(dashboard, jobId, 'completed');
    const seen = await statuses();
    expect(seen).toContain('retrying');
    expect(seen.indexOf('retrying')).toBeLessThan(seen.lastIndexOf('completed'));
    await expect(detail.getByTestId('detail-attempt').textContent()).resolves.toBe('3 of 5');
    await expect(detail.getByTestId('attempt').evaluateAll((items) => items.map((item) => item.getAttribute('data-outcome')))).resolves.toEqual([
      'retrying',
      'retrying',
      'completed',
    ]);
    const errors = await detail.getByTestId('attempt-error').allTextContents();
    expect(errors).toHaveLength(2);
    for (const text of errors) expect(text).toContain('503');
    await page.screenshot({ path: join(OUTPUT_DIR, '3-flaky-api-completed.png'), fullPage: true });
  });

  it('finishes the "Crash worker" job after the worker is killed and restarted', async () => {
    const workerStatus = page.getByTestId('worker-status');
    const pidBefore = await workerStatus.getAttribute('data-pid');
    const restartsBefore = Number(await workerStatus.getAttribute('data-restarts'));

    const jobId = await startWorkflow(page, 'crash-worker');
    const detail = jobDetail(dashboard, jobId);
    await waitForStatus(dashboard, jobId, 'completed');

    // The header polls the worker's status on its own schedule: wait for it rather than read once.
    await expect
      .poll(async () => Number(await workerStatus.getAttribute('data-restarts')), { timeout: JOB_TIMEOUT })
      .toBeGreaterThan(restartsBefore);
    await expect.poll(() => workerStatus.getAttribute('data-pid'), { timeout: JOB_TIMEOUT }).not.toBe(pidBefore);
    await expect(detail.getByTestId('detail-attempt').textContent()).resolves.toMatch(/^2 of /);
    // The first attempt lost its worker: its lease expired and the restarted worker took the job.
    const firstAttempt = detail.locator('[data-testid="attempt"][data-attempt="1"]');
    await expect(firstAttempt.getAttribute('data-outcome')).resolves.toBe('lease_expired');
    await expect(firstAttempt.textContent()).resolves.toContain('lease expired');
    const result = (await jsonOf(detail, 'result')) as { finishedByPid?: number; recoveredFrom?: string };
    expect(result.recoveredFrom).toBe('lease_expired');
    expect(String(result.finishedByPid)).not.toBe(pidBefore);
    await page.screenshot({ path: join(OUTPUT_DIR, '4-crash-worker-recovered.png'), fullPage: true });
  });

  it('runs a lead scoring parent with rolled-up child metrics and a skipped client', async () => {
    const jobId = await startWorkflow(page, 'lead-scoring');
    const detail = jobDetail(dashboard, jobId);
    await waitForStatus(dashboard, jobId, 'completed');

    await expect(jsonOf(detail, 'result')).resolves.toMatchObject({ success: true, clients: 3, scored: 2, skipped: 1, leadsProcessed: 65 });
    await expect(detail.getByTestId('metrics').textContent()).resolves.toContain('leadsProcessed');
    const children = detail.getByTestId('children');
    await expect.poll(() => children.getByTestId('child').count()).toBe(3);
    await expect.poll(() => children.locator('[data-testid="child"][data-status="skipped"]').count()).toBe(1);
  });

  it('fails "Bad input" at once, without retries', async () => {
    const jobId = await startWorkflow(page, 'bad-input');
    const detail = jobDetail(dashboard, jobId);
    await waitForStatus(dashboard, jobId, 'failed');
    await expect(detail.getByTestId('detail-attempt').textContent()).resolves.toBe('1 of 3');
    await expect(detail.getByTestId('attempt').count()).resolves.toBe(1);
    const error = detail.getByTestId('attempt-error');
    await expect(error.getAttribute('data-retryable')).resolves.toBe('false');
    await expect(error.textContent()).resolves.toContain('fatal');
    await page.screenshot({ path: join(OUTPUT_DIR, '5-overview.png'), fullPage: true });
  });

  it('cancels a running "File import", then retries it to completion', async () => {
    const jobId = await startWorkflow(page, 'file-import');
    const detail = jobDetail(dashboard, jobId);
    await waitForStatus(dashboard, jobId, 'running');
    await detail.getByRole('button', { name: 'Cancel', exact: true }).click();
    await waitForStatus(dashboard, jobId, 'cancelled');
    // A cancelled job cannot be cancelled again.
    await expect(detail.getByRole('button', { name: 'Cancel', exact: true }).count()).resolves.toBe(0);

    await detail.getByRole('button', { name: 'Retry', exact: true }).click();
    await waitForStatus(dashboard, jobId, 'completed');
    await expect(detail.getByTestId('metrics').textContent()).resolves.toContain('rowsImported');
    await expect(detail.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('100');
    await expect(detail.getByTestId('attempt').evaluateAll((items) => items.map((item) => item.getAttribute('data-outcome')))).resolves.toContain('cancelled');
  });

  it('filters the jobs list by status and type, and pages through it', async () => {
    await openNav(dashboard, 'Jobs');
    const filters = dashboard.getByRole('form', { name: 'Filters' });
    await filters.getByLabel('Status').selectOption('failed');
    await expect.poll(() => rowAttributes(dashboard, 'data-status').then(allEqual('failed'))).toBe(true);
    await filters.getByLabel('Status').selectOption('');
    await filters.getByLabel('Type', { exact: true }).fill('leads.scoreClient');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rowAttributes(dashboard, 'data-type').then(allEqual('leads.scoreClient'))).toBe(true);
    await filters.getByRole('link', { name: 'Clear' }).click();

    // More jobs than one page (25) holds: queue a few more, as a script would.
    const added = await page.evaluate(async () => {
      const statuses: number[] = [];
      for (let index = 0; index < 26; index++) statuses.push((await fetch('/api/demo/workflows/bad-input', { method: 'POST' })).status);
      return statuses;
    });
    expect(new Set(added)).toEqual(new Set([201]));
    // Every one of them has failed, so that no row changes under the paging below.
    await expect
      .poll(() => page.evaluate(async () => ((await (await fetch('/api/jobs?type=imports.badInput&status=queued')).json()) as { jobs: unknown[] }).jobs.length))
      .toBe(0);
    await expect
      .poll(() => page.evaluate(async () => ((await (await fetch('/api/jobs?type=imports.badInput&status=running')).json()) as { jobs: unknown[] }).jobs.length))
      .toBe(0);

    // The first page as the dashboard shows it, once it has caught up with the jobs API's.
    const apiFirstPage = () =>
      page.evaluate(async () => ((await (await fetch('/api/jobs?limit=25')).json()) as { jobs: { id: string }[] }).jobs.map((job) => job.id));
    await expect
      .poll(async () => {
        const [shown, stored] = await Promise.all([rowAttributes(dashboard, 'data-job-id'), apiFirstPage()]);
        return shown.length === 25 && shown.join() === stored.join();
      })
      .toBe(true);
    const pager = dashboard.getByRole('navigation', { name: 'Pages' });
    await expect(pager.getByTestId('page-number').textContent()).resolves.toBe('Page 1');
    await expect(pager.getByRole('button', { name: 'Previous page' }).isDisabled()).resolves.toBe(true);
    const firstPage = await rowAttributes(dashboard, 'data-job-id');
    await pager.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => pager.getByTestId('page-number').textContent()).toBe('Page 2');
    await expect.poll(async () => (await rowAttributes(dashboard, 'data-job-id'))[0]).not.toBe(firstPage[0]);
    const secondPage = await rowAttributes(dashboard, 'data-job-id');
    expect(secondPage.length).toBeGreaterThan(0);
    for (const id of secondPage) expect(firstPage).not.toContain(id);
    await pager.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => pager.getByTestId('page-number').textContent()).toBe('Page 1');
    await expect.poll(() => rowAttributes(dashboard, 'data-job-id')).toEqual(firstPage);
  });

  it("hides one tenant's jobs from the other when switching tenant", async () => {
    await openNav(dashboard, 'Jobs');
    const acmeIds = await visibleJobIds(dashboard);
    expect(acmeIds.length).toBeGreaterThan(0);

    await page.getByTestId('tenant-globex').click();
    await page.locator('[data-testid="layout"][data-tenant="globex"]').waitFor();
    await dashboard.getByRole('navigation', { name: 'Dashboard' }).waitFor();

    const globexJob = await startWorkflow(page, 'deep-scan');
    await waitForStatus(dashboard, globexJob, 'completed');
    await openNav(dashboard, 'Jobs');
    await jobRow(dashboard, globexJob).waitFor();
    // Only Globex's jobs (with DATABASE_URL there may be some from earlier runs), none of Acme's.
    const globexIds = await visibleJobIds(dashboard);
    expect(globexIds).toContain(globexJob);
    for (const id of acmeIds) expect(globexIds).not.toContain(id);
    expect(new Set(await rowAttributes(dashboard, 'data-tenant'))).toEqual(new Set(['globex']));
    await page.screenshot({ path: join(OUTPUT_DIR, '6-tenant-globex.png'), fullPage: true });

    // Not only hidden by the page: the API answers 404 for the other tenant's job, as if missing.
    const frame = await dashboardFrame(page);
    const crossTenant = await frame.evaluate(async (id) => (await fetch(`api/jobs/${id}`)).status, acmeIds[0]!);
    expect(crossTenant).toBe(404);
    const ownJob = await frame.evaluate(async (id) => (await fetch(`api/jobs/${id}`)).status, globexJob);
    expect(ownJob).toBe(200);

    // Globex sees its own schedule, never Acme's, on the dashboard and through the API.
    await openNav(dashboard, 'Schedules');
    await scheduleRow(dashboard, 'globex.heartbeat').waitFor();
    await expect(scheduleRow(dashboard, 'globex.heartbeat').getByTestId('schedule-timing').textContent()).resolves.toBe('* * * * * (America/New_York)');
    await expect(dashboard.getByTestId('schedule-row').count()).resolves.toBe(1);
    const apiNames = await frame.evaluate(async () => {
      const body = (await (await fetch('api/schedules')).json()) as { schedules: { name: string }[] };
      return body.schedules.map((schedule) => schedule.name);
    });
    expect(apiNames).toEqual(['globex.heartbeat']);
    // Nor can Globex act on it: resuming Acme's schedule answers 404 too.
    const crossResume = await frame.evaluate(
      async () => (await fetch('api/schedules/acme.heartbeat/resume', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
    );
    expect(crossResume).toBe(404);

    await page.getByTestId('tenant-acme').click();
    await page.locator('[data-testid="layout"][data-tenant="acme"]').waitFor();
    await openNav(dashboard, 'Jobs');
    await jobRow(dashboard, acmeIds[0]!).waitFor();
    expect(await visibleJobIds(dashboard)).not.toContain(globexJob);
  });

  it('resumes the schedule, which shows its next run time again', async () => {
    await openNav(dashboard, 'Schedules');
    const schedule = scheduleRow(dashboard, 'acme.heartbeat');
    await scheduleRow(dashboard, 'acme.heartbeat', '[data-paused="true"]').waitFor();
    await schedule.getByRole('button', { name: 'Resume' }).click();
    await scheduleRow(dashboard, 'acme.heartbeat', '[data-paused="false"]').waitFor();
    await expect(schedule.getByTestId('schedule-state').textContent()).resolves.toBe('active');
    const nextRunAt = await schedule.getAttribute('data-next-run-at');
    expect(Number.isNaN(Date.parse(nextRunAt ?? ''))).toBe(false);
    await schedule.getByTestId('schedule-next-run').locator('time').waitFor();
  });

  it('threw no uncaught error in the page or in the dashboard frame', async () => {
    // The reporter is in place in both (it throws nothing itself).
    for (const target of [page.mainFrame(), await dashboardFrame(page)]) {
      await expect(target.evaluate(() => typeof (window as unknown as { __reportUncaught?: unknown }).__reportUncaught)).resolves.toBe('function');
    }
    expect(pageErrors).toEqual([]);
    expect(frameErrors).toEqual([]);
  });
});

/**
 * Clicks a workflow button and answers the id of the job it started, once the dashboard shows
 * that job's detail (the page sets the frame's hash to `#/jobs/<id>`).
 */
async function startWorkflow(page: Page, name: string): Promise<string> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/api/demo/workflows/${name}`) && r.request().method() === 'POST'),
    page.getByTestId(`start-${name}`).click(),
  ]);
  expect(response.status()).toBe(201);
  const { job } = (await response.json()) as { job: { id: string } };
  await jobDetail(page.frameLocator(FRAME), job.id).waitFor();
  return job.id;
}

/** The dashboard's frame as it is now (switching tenant makes a new one). */
async function dashboardFrame(page: Page): Promise<Frame> {
  const frame = await (await page.locator(FRAME).elementHandle())?.contentFrame();
  if (!frame) throw new Error('the dashboard frame is missing');
  return frame;
}

/** Opens a view through the dashboard's own navigation. */
async function openNav(dashboard: FrameLocator, view: 'Overview' | 'Jobs' | 'Schedules' | 'Types'): Promise<void> {
  await dashboard.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: view, exact: true }).click();
  const testId = { Overview: 'overview', Jobs: 'jobs-view', Schedules: 'schedules-view', Types: 'types-view' }[view];
  await dashboard.getByTestId(testId).waitFor();
}

/** The Schedules view's row of the schedule `name`. */
function scheduleRow(dashboard: FrameLocator, name: string, also = ''): Locator {
  return dashboard.locator(`[data-testid="schedule-row"][data-schedule-name="${name}"]${also}`);
}

/** The jobs list's row of the job `jobId` (`also`: more attribute selectors it must match). */
function jobRow(dashboard: FrameLocator, jobId: string, also = ''): Locator {
  return dashboard.locator(`[data-testid="job-row"][data-job-id="${jobId}"]${also}`);
}

/** The dashboard's job view while it shows the job `jobId`. */
function jobDetail(dashboard: FrameLocator, jobId: string, also = ''): Locator {
  return dashboard.locator(`[data-testid="job-detail"][data-job-id="${jobId}"]${also}`);
}

/**
 * Waits until the job view shows `status`, watched in the frame itself (a short `retrying` phase
 * is not missed between two checks from the test).
 */
async function waitForStatus(dashboard: FrameLocator, jobId: string, status: string): Promise<void> {
  await jobDetail(dashboard, jobId, `[data-status="${status}"]`).waitFor();
}

/** What the job view shows now, read in one go in the frame: status, bar, attempt. */
async function readJob(detail: Locator): Promise<{ status: string; progress: string; attempt: string }> {
  return detail.evaluate((element) => ({
    status: element.getAttribute('data-status') ?? '',
    progress: element.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow') ?? '',
    attempt: element.getAttribute('data-attempt') ?? '',
  }));
}

/** The JSON the job view shows for `field` (payload, result, metadata). */
async function jsonOf(detail: Locator, field: 'payload' | 'result' | 'metadata'): Promise<unknown> {
  return JSON.parse((await detail.getByTestId(field).locator('pre').textContent()) ?? 'null');
}

/**
 * Records every status the job view shows for a job, in the frame itself, so that a short
 * `retrying` phase is not missed between two checks from the test.
 */
async function recordStatuses(frame: Frame, jobId: string): Promise<() => Promise<string[]>> {
  await frame.evaluate((id) => {
    const seen: string[] = [];
    (window as unknown as { __statuses: string[] }).__statuses = seen;
    const record = () => {
      const detail = document.querySelector(`[data-testid="job-detail"][data-job-id="${id}"]`);
      const status = detail?.getAttribute('data-status');
      if (status && seen[seen.length - 1] !== status) seen.push(status);
    };
    new MutationObserver(record).observe(document.body, { subtree: true, attributes: true, childList: true });
    record();
  }, jobId);
  return () => frame.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
}

/** True for a non-empty list whose items all equal `value`. */
function allEqual(value: string): (items: string[]) => boolean {
  return (items) => items.length > 0 && items.every((item) => item === value);
}

/** One attribute of every row the jobs list shows now (no waiting: an empty list gives []). */
function rowAttributes(dashboard: FrameLocator, name: string): Promise<string[]> {
  return dashboard.getByTestId('job-row').evaluateAll((rows, attribute) => rows.map((row) => row.getAttribute(attribute) ?? ''), name);
}

async function visibleJobIds(dashboard: FrameLocator): Promise<string[]> {
  await dashboard.getByTestId('job-row').first().waitFor();
  return rowAttributes(dashboard, 'data-job-id');
}
