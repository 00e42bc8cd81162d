import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { APP_ROOT, startDemoProcess, type DemoProcess } from './demo-process.js';

// The demo as a newcomer runs it: embedded PostgreSQL (or DATABASE_URL), a worker process, the
// built page, in real Chromium. JOBTRAIL_E2E_STORE=memory runs it without a database.
const STORE = process.env['JOBTRAIL_E2E_STORE'] === 'memory' ? 'memory' : 'postgres';
const OUTPUT_DIR = join(APP_ROOT, 'test-results', 'e2e');
// Generous: these wait for real workers, retries and lease expiry on a busy 2-core machine.
const JOB_TIMEOUT = 90_000;

describe(`demo end to end (${STORE} store, Chromium)`, () => {
  let demo: DemoProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let dataRoot: string | undefined;
  const pageErrors: string[] = [];
  /** Every request the page made, as `METHOD path`. */
  const requests: string[] = [];

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
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    await page.goto(demo.url);
    await page.getByTestId('worker-status').and(page.locator('[data-state="running"]')).waitFor();
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await demo?.stop();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  it("shows the tenant's schedule with its next run time, and its name on the jobs it makes; pauses it", async () => {
    const schedule = scheduleRow(page, 'acme.heartbeat');
    await schedule.waitFor();
    // A data folder reused through DATABASE_URL may hold the schedule paused by an earlier run.
    if ((await schedule.getAttribute('data-paused')) === 'true') await schedule.getByTestId('schedule-resume').click();
    await schedule.and(page.locator('[data-paused="false"]')).waitFor();
    await expect(schedule.getByTestId('schedule-timing').textContent()).resolves.toBe('every 30 s');
    await expect(schedule.getByTestId('schedule-state').textContent()).resolves.toBe('active');
    const nextRunAt = await schedule.getAttribute('data-next-run-at');
    expect(Number.isNaN(Date.parse(nextRunAt ?? ''))).toBe(false);
    await expect(schedule.getByTestId('schedule-next-run').textContent()).resolves.toMatch(/\d{1,2}:\d{2}:\d{2}/);
    // Another tenant's schedule is not on Acme's page.
    await expect(scheduleRow(page, 'globex.heartbeat').count()).resolves.toBe(0);

    // A new schedule's first tick is due at once: the worker fires it, the table names the
    // schedule on its job, and the schedule shows when it last ran and which job that made.
    const scheduled = page.locator('[data-testid="job-row"][data-schedule="acme.heartbeat"]').first();
    await expect(scheduled.getByTestId('job-schedule').textContent()).resolves.toContain('acme.heartbeat');
    await expect(scheduled.getAttribute('data-type')).resolves.toBe('demo.heartbeat');
    await schedule.getByTestId('schedule-last-job').click();
    const detail = page.locator('[data-testid="job-detail"]');
    await expect(detail.getByTestId('detail-schedule').textContent()).resolves.toContain('acme.heartbeat');
    await page.screenshot({ path: join(OUTPUT_DIR, '0-schedules.png'), fullPage: true });

    // Paused for the tests below, so that no new heartbeat moves the jobs table under them.
    await schedule.getByTestId('schedule-pause').click();
    await schedule.and(page.locator('[data-paused="true"]')).waitFor();
    await expect(schedule.getByTestId('schedule-state').textContent()).resolves.toBe('paused');
    await expect(schedule.getByTestId('schedule-next-run').textContent()).resolves.toBe('—');
  });

  it('runs "Deep scan" to 100% and completed', async () => {
    const jobId = await startWorkflow(page, 'deep-scan');
    const detail = jobDetail(page, jobId);
    await waitForStatus(page, detail, 'completed');

    await expect(detail.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('100');
    await expect(detail.getByTestId('progress-percent').textContent()).resolves.toBe('100%');
    await expect(detail.getByTestId('result').textContent()).resolves.toContain('"rating": 4.6');
    await page.screenshot({ path: join(OUTPUT_DIR, '1-deep-scan-completed.png'), fullPage: true });
  });

  it('moves the progress bar with the one stream, and every panel shows the running job alike at each screenshot', async () => {
    const streamsBefore = requests.filter((request) => request === 'GET /api/jobs/stream').length;
    const jobId = await startWorkflow(page, 'file-import');
    const detail = jobDetail(page, jobId);
    await waitForStatus(page, detail, 'running');
    await page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`).waitFor();
    await page.locator(`[data-testid="active-job"][data-job-id="${jobId}"]`).waitFor();
    const seen = new Set<string>();
    for (let shot = 0; shot < 4; shot++) {
      // The next stored value: the detail's bar moves to a value not seen yet.
      await expect
        .poll(async () => detail.getByRole('progressbar').getAttribute('aria-valuenow'), { timeout: JOB_TIMEOUT })
        .not.toBeOneOf([...seen, null]);
      // All three panels read in one go, in the page, as the screenshot shows them.
      const panels = await page.evaluate((id) => {
        const read = (selector: string, progress: (element: Element) => string | null) => {
          const element = document.querySelector(selector);
          return element ? `${element.getAttribute('data-status')} ${progress(element)}` : 'missing';
        };
        return {
          detail: read(`[data-testid="job-detail"][data-job-id="${id}"]`, (element) => element.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow') ?? null),
          table: read(`[data-testid="job-row"][data-job-id="${id}"]`, (element) => element.getAttribute('data-progress')),
          active: read(`[data-testid="active-job"][data-job-id="${id}"]`, (element) => element.getAttribute('data-progress')),
        };
      }, jobId);
      await page.screenshot({ path: join(OUTPUT_DIR, `1b-file-import-stream-${shot}.png`), fullPage: true });
      expect(panels.table).toBe(panels.detail);
      expect(panels.active).toBe(panels.detail);
      seen.add(panels.detail.split(' ')[1]!);
      if (panels.detail.startsWith('completed')) break;
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);
    await waitForStatus(page, detail, 'completed');
    // One stream served all of it (no new one opened for this job), and the job was not polled.
    expect(requests.filter((request) => request === 'GET /api/jobs/stream').length).toBeLessThanOrEqual(Math.max(1, streamsBefore));
    expect(requests.filter((request) => request === `GET /api/jobs/${jobId}`).length).toBeLessThanOrEqual(2);
  });

  it('shows "Flaky API" retrying, with the next attempt due, then completed', async () => {
    const jobId = await startWorkflow(page, 'flaky-api');
    const detail = jobDetail(page, jobId);
    const statuses = await recordStatuses(page, jobId);

    await waitForStatus(page, detail, 'retrying');
    await expect(detail.getByTestId('retry-due').textContent()).resolves.toMatch(/Attempt 1 of 5 failed\. Next attempt/);
    await page.screenshot({ path: join(OUTPUT_DIR, '2-flaky-api-retrying.png'), fullPage: true });

    await waitForStatus(page, detail, 'completed');
    const seen = await statuses();
    expect(seen).toContain('retrying');
    expect(seen.indexOf('retrying')).toBeLessThan(seen.lastIndexOf('completed'));
    await expect(detail.getByTestId('detail-attempt').textContent()).resolves.toBe('3 of 5');
    const errors = await detail.getByTestId('errors').locator('li').allTextContents();
    expect(errors).toHaveLength(2);
    for (const text of errors) expect(text).toContain('503');
    await page.screenshot({ path: join(OUTPUT_DIR, '3-flaky-api-completed.png'), fullPage: true });
  });

  it('finishes the "Crash worker" job after the worker is killed and restarted', async () => {
    const workerStatus = page.getByTestId('worker-status');
    const pidBefore = await workerStatus.getAttribute('data-pid');
    const restartsBefore = Number(await workerStatus.getAttribute('data-restarts'));

    const jobId = await startWorkflow(page, 'crash-worker');
    const detail = jobDetail(page, jobId);
    await waitForStatus(page, detail, 'completed');

    // The header polls the worker's status on its own schedule: wait for it rather than read once.
    await expect
      .poll(async () => Number(await workerStatus.getAttribute('data-restarts')), { timeout: JOB_TIMEOUT })
      .toBeGreaterThan(restartsBefore);
    await expect.poll(() => workerStatus.getAttribute('data-pid'), { timeout: JOB_TIMEOUT }).not.toBe(pidBefore);
    await expect(detail.getByTestId('detail-attempt').textContent()).resolves.toMatch(/^2 of /);
    await expect(detail.getByTestId('timeline').textContent()).resolves.toContain('lost its worker (lease expired)');
    const result = JSON.parse((await detail.getByTestId('result').textContent()) ?? '{}') as { finishedByPid?: number };
    expect(String(result.finishedByPid)).not.toBe(pidBefore);
    await page.screenshot({ path: join(OUTPUT_DIR, '4-crash-worker-recovered.png'), fullPage: true });
  });

  it('runs a lead scoring parent with rolled-up child metrics and a skipped client', async () => {
    const jobId = await startWorkflow(page, 'lead-scoring');
    const detail = jobDetail(page, jobId);
    await waitForStatus(page, detail, 'completed');

    const result = JSON.parse((await detail.getByTestId('result').textContent()) ?? '{}') as Record<string, unknown>;
    expect(result).toMatchObject({ success: true, clients: 3, scored: 2, skipped: 1, leadsProcessed: 65 });
    await expect(detail.getByTestId('metrics').textContent()).resolves.toContain('leadsProcessed');
    await detail.getByTestId('children').locator('[data-status="skipped"]').waitFor();
  });

  it('fails "Bad input" at once, without retries', async () => {
    const jobId = await startWorkflow(page, 'bad-input');
    const detail = jobDetail(page, jobId);
    await waitForStatus(page, detail, 'failed');
    await expect(detail.getByTestId('detail-attempt').textContent()).resolves.toBe('1 of 3');
    await expect(detail.getByTestId('errors').textContent()).resolves.toContain('fatal');
    await page.screenshot({ path: join(OUTPUT_DIR, '5-overview.png'), fullPage: true });
  });

  it('cancels a running "File import", then retries it to completion', async () => {
    const jobId = await startWorkflow(page, 'file-import');
    const detail = jobDetail(page, jobId);
    await waitForStatus(page, detail, 'running');
    await detail.getByTestId('cancel-job').click();
    await waitForStatus(page, detail, 'cancelled');
    await expect(detail.getByTestId('cancel-job').isDisabled()).resolves.toBe(true);

    await detail.getByTestId('retry-job').click();
    await waitForStatus(page, detail, 'completed');
    await expect(detail.getByTestId('metrics').textContent()).resolves.toContain('rowsImported');
    await expect(detail.getByTestId('progress-percent').textContent()).resolves.toBe('100%');
  });

  it('filters the jobs table by status and type, and pages through it', async () => {
    await page.getByTestId('filter-status').selectOption('failed');
    await expect.poll(() => rowAttributes(page, 'data-status').then(allEqual('failed'))).toBe(true);
    await page.getByTestId('filter-status').selectOption('');
    await page.getByTestId('filter-type').selectOption('leads.scoreClient');
    await expect.poll(() => rowAttributes(page, 'data-type').then(allEqual('leads.scoreClient'))).toBe(true);
    await page.getByTestId('filter-type').selectOption('');

    // More jobs than one page holds by now (the lead scoring run alone made four).
    await expect.poll(() => rowAttributes(page, 'data-job-id').then((ids) => ids.length)).toBe(8);
    const firstPage = await rowAttributes(page, 'data-job-id');
    await page.getByTestId('page-next').click();
    await page.getByTestId('page-number').getByText('Page 2').waitFor();
    await expect.poll(async () => (await rowAttributes(page, 'data-job-id'))[0]).not.toBe(firstPage[0]);
    const secondPage = await rowAttributes(page, 'data-job-id');
    for (const id of secondPage) expect(firstPage).not.toContain(id);
    await page.getByTestId('page-previous').click();
    await expect.poll(() => rowAttributes(page, 'data-job-id')).toEqual(firstPage);
  });

  it("hides one tenant's jobs from the other when switching tenant", async () => {
    const acmeIds = await visibleJobIds(page);
    expect(acmeIds.length).toBeGreaterThan(0);

    await page.getByTestId('tenant-globex').click();
    await page.locator('[data-testid="layout"][data-tenant="globex"]').waitFor();

    const globexJob = await startWorkflow(page, 'deep-scan');
    await page.locator(`[data-testid="job-row"][data-job-id="${globexJob}"]`).waitFor();
    // Only Globex's jobs (with DATABASE_URL there may be some from earlier runs), none of Acme's.
    const globexIds = await visibleJobIds(page);
    expect(globexIds).toContain(globexJob);
    for (const id of acmeIds) expect(globexIds).not.toContain(id);
    const tenants = await page.getByTestId('job-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-tenant')));
    expect(new Set(tenants)).toEqual(new Set(['globex']));
    await page.screenshot({ path: join(OUTPUT_DIR, '6-tenant-globex.png'), fullPage: true });

    // Not only hidden by the page: the API answers 404 for the other tenant's job, as if missing.
    const crossTenant = await page.evaluate(async (id) => (await fetch(`/api/jobs/${id}`)).status, acmeIds[0]!);
    expect(crossTenant).toBe(404);

    // Globex sees its own schedule, never Acme's, on the page and through the API.
    await scheduleRow(page, 'globex.heartbeat').waitFor();
    await expect(scheduleRow(page, 'globex.heartbeat').getByTestId('schedule-timing').textContent()).resolves.toBe(
      'cron * * * * * · America/New_York',
    );
    await expect(scheduleRow(page, 'acme.heartbeat').count()).resolves.toBe(0);
    const apiNames = await page.evaluate(async () => {
      const body = (await (await fetch('/api/schedules')).json()) as { schedules: { name: string }[] };
      return body.schedules.map((schedule) => schedule.name);
    });
    expect(apiNames).toEqual(['globex.heartbeat']);
    const crossPause = await page.evaluate(async () => (await fetch('/api/demo/schedules/acme.heartbeat/resume', { method: 'POST' })).status);
    expect(crossPause).toBe(404);

    await page.getByTestId('tenant-acme').click();
    await page.locator('[data-testid="layout"][data-tenant="acme"]').waitFor();
    await page.locator(`[data-testid="job-row"][data-job-id="${acmeIds[0]}"]`).waitFor();
    expect(await visibleJobIds(page)).not.toContain(globexJob);
  });

  it('resumes the schedule, which shows its next run time again', async () => {
    const schedule = scheduleRow(page, 'acme.heartbeat');
    await schedule.getByTestId('schedule-resume').click();
    await schedule.and(page.locator('[data-paused="false"]')).waitFor();
    await expect(schedule.getByTestId('schedule-state').textContent()).resolves.toBe('active');
    await expect(schedule.getByTestId('schedule-next-run').textContent()).resolves.toMatch(/\d{1,2}:\d{2}:\d{2}/);
  });

  it('threw no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});

/** Clicks a workflow button and answers the id of the job it started (the detail panel opens on it). */
async function startWorkflow(page: Page, name: string): Promise<string> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/api/demo/workflows/${name}`) && r.request().method() === 'POST'),
    page.getByTestId(`start-${name}`).click(),
  ]);
  expect(response.status()).toBe(201);
  const { job } = (await response.json()) as { job: { id: string } };
  await jobDetail(page, job.id).waitFor();
  return job.id;
}

/** The schedules panel's row of the schedule `name`. */
function scheduleRow(page: Page, name: string): Locator {
  return page.locator(`[data-testid="schedule-row"][data-name="${name}"]`);
}

/** The detail panel while it shows the job `jobId`. */
function jobDetail(page: Page, jobId: string): Locator {
  return page.locator(`[data-testid="job-detail"][data-job-id="${jobId}"]`);
}

/** Waits until the detail panel shows `status`. */
async function waitForStatus(page: Page, detail: Locator, status: string): Promise<void> {
  await detail.and(page.locator(`[data-status="${status}"]`)).waitFor();
}

/**
 * Records every status the detail panel shows for a job, in the page itself, so that a short
 * `retrying` phase is not missed between two checks from the test.
 */
async function recordStatuses(page: Page, jobId: string): Promise<() => Promise<string[]>> {
  await page.evaluate((id) => {
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
  return () => page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
}

/** True for a non-empty list whose items all equal `value`. */
function allEqual(value: string): (items: string[]) => boolean {
  return (items) => items.length > 0 && items.every((item) => item === value);
}

/** One attribute of every row the jobs table shows now (no waiting: an empty table gives []). */
function rowAttributes(page: Page, name: string): Promise<string[]> {
  return page.getByTestId('job-row').evaluateAll((rows, attribute) => rows.map((row) => row.getAttribute(attribute) ?? ''), name);
}

async function visibleJobIds(page: Page): Promise<string[]> {
  await page.getByTestId('job-row').first().waitFor();
  return page.getByTestId('job-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-job-id') ?? ''));
}
