import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { createSeedTracker, MOUNT, SEED_NOW, startDashboardServer, type DashboardServer } from './dashboard-server.js';
import { compareWithBaseline, MAX_DIFF_RATIO } from './screenshots.js';
import { seedJobs } from './seed.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

interface Visit {
  page: Page;
  context: BrowserContext;
  /** Page errors and CSP violations seen so far. */
  problems: string[];
}

/** A fresh browser context signed in as `tenant` ('admin' sees every job), its clock at SEED_NOW. */
async function visit(server: DashboardServer, tenant: string, viewport = { width: 1440, height: 900 }): Promise<Visit> {
  const context = await browser.newContext({ baseURL: server.url, viewport, deviceScaleFactor: 1, timezoneId: 'UTC', locale: 'en-US', extraHTTPHeaders: { 'x-tenant': tenant } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.clock.setFixedTime(SEED_NOW);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy|Refused to/i.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  return { page, context, problems };
}

/**
 * Waits until no request has been in flight for a while (the page's event stream stays open, so
 * Playwright's `networkidle` never comes) and the next frame has painted.
 */
async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const quietFor = 500;
    let lastActivity = performance.now();
    const observer = new PerformanceObserver(() => {
      lastActivity = performance.now();
    });
    observer.observe({ type: 'resource', buffered: false });
    while (performance.now() - lastActivity < quietFor) await new Promise((resolve) => setTimeout(resolve, 100));
    observer.disconnect();
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

async function openView(page: Page, server: DashboardServer, hash: string): Promise<void> {
  await page.goto(`${server.url}#${hash}`);
}

async function seededServer(mount: 'node' | 'express', options: Parameters<typeof startDashboardServer>[2] = {}) {
  const { tracker, setNow } = createSeedTracker();
  const seeded = await seedJobs(tracker, setNow);
  const server = await startDashboardServer(tracker, mount, options);
  return { server, seeded, tracker, setNow };
}

describe('mounted under /admin/jobs in node:http', () => {
  let server: DashboardServer;
  let seeded: Awaited<ReturnType<typeof seedJobs>>;
  let setNow: (ms: number) => void;
  beforeAll(async () => {
    ({ server, seeded, setNow } = await seededServer('node'));
  });
  afterAll(async () => {
    await server?.tracker.close();
    await server?.close();
  });

  it('renders every view: overview, jobs, a job, schedules, types', async () => {
    const { page, context, problems } = await visit(server, 'acme');
    try {
      await openView(page, server, '/');
      const overview = page.getByTestId('overview');
      await overview.waitFor();
      await expect.poll(() => page.getByTestId('count-failed').textContent()).toBe('4');
      await expect.poll(() => page.getByTestId('count-completed').textContent()).toBe('15');
      for (const chart of ['chart-throughput', 'chart-failures', 'chart-wait']) await page.getByTestId(chart).locator('canvas').first().waitFor();

      await page.getByRole('navigation').getByRole('link', { name: 'Jobs' }).click();
      await page.getByTestId('jobs-view').waitFor();
      await expect.poll(() => page.getByTestId('job-row').count()).toBeGreaterThan(10);

      await openView(page, server, `/jobs/${seeded.running}`);
      const detail = page.getByTestId('job-detail');
      await detail.waitFor();
      await expect.poll(() => detail.getByRole('progressbar').getAttribute('aria-valuenow')).toMatch(/^(40|0\.4)$/);
      await expect(detail.textContent()).resolves.toContain('rendering');
      await expect(detail.getByTestId('attempt').count()).resolves.toBe(1);

      await page.getByRole('navigation').getByRole('link', { name: 'Schedules' }).click();
      await page.locator('[data-testid="schedule-row"][data-schedule-name="acme.digest"]').waitFor();

      await page.getByRole('navigation').getByRole('link', { name: 'Types' }).click();
      await page.locator('[data-testid="type-row"][data-type="report.build"]').waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows every attempt of a job with its error, and its children with their rollup', async () => {
    const { page, context } = await visit(server, 'acme');
    try {
      await openView(page, server, `/jobs/${seeded.failed[0]}`);
      const detail = page.getByTestId('job-detail');
      await detail.getByTestId('attempt').first().waitFor();
      await expect(detail.getByTestId('attempt').first().textContent()).resolves.toContain('http_503');
      await openView(page, server, `/jobs/${seeded.parent}`);
      await expect.poll(async () => (await page.getByTestId('job-detail').textContent()) ?? '').toContain('import.chunk');
    } finally {
      await context.close();
    }
  });

  it('walks the jobs table with the keyboard alone, into a job’s detail', async () => {
    const { page, context } = await visit(server, 'acme');
    try {
      await openView(page, server, '/jobs');
      await page.getByTestId('job-row').first().waitFor();
      let focused: string | null = null;
      for (let presses = 0; presses < 80 && focused !== 'job-row'; presses++) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
      }
      expect(focused).toBe('job-row');
      await page.keyboard.press('ArrowDown');
      const target = await page.evaluate(() => document.activeElement?.getAttribute('data-job-id') ?? null);
      const second = await page.getByTestId('job-row').nth(1).getAttribute('data-job-id');
      expect(target).toBe(second);
      await page.keyboard.press('Enter');
      await page.getByTestId('job-detail').waitFor();
      expect(page.url()).toContain(`#/jobs/${target}`);
    } finally {
      await context.close();
    }
  });

  it('filters the jobs list from its fields and pages through it', async () => {
    const { page, context } = await visit(server, 'acme');
    try {
      await openView(page, server, '/jobs');
      await expect.poll(() => page.getByTestId('job-row').count()).toBe(25);
      const firstPage = await page.getByTestId('job-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-job-id')));
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(() => page.getByTestId('job-row').count()).toBe(1);
      const last = await page.getByTestId('job-row').first().getAttribute('data-job-id');
      expect(firstPage).not.toContain(last);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await expect.poll(() => page.getByTestId('job-row').count()).toBe(25);

      await page.getByLabel('Type', { exact: true }).fill('report.build');
      await page.getByLabel('Type', { exact: true }).press('Enter');
      await expect.poll(() => page.getByTestId('job-row').count()).toBe(6);
      await page.getByLabel('Status', { exact: true }).selectOption('failed');
      await expect.poll(() => page.getByTestId('job-row').count()).toBe(4);
      expect(page.url()).toMatch(/#\/jobs\?.*type=report\.build/);
      expect(page.url()).toMatch(/status=failed/);
    } finally {
      await context.close();
    }
  });

  it('pauses and resumes a schedule and a type from their views', async () => {
    const acme = await visit(server, 'acme');
    try {
      await openView(acme.page, server, '/schedules');
      const schedule = acme.page.locator('[data-testid="schedule-row"][data-schedule-name="acme.digest"]');
      await schedule.getByRole('button', { name: 'Pause' }).click();
      await schedule.getByRole('button', { name: 'Resume' }).waitFor();
      expect((await server.tracker.getSchedule('acme.digest'))?.paused).toBe(true);
      await schedule.getByRole('button', { name: 'Resume' }).click();
      await schedule.getByRole('button', { name: 'Pause' }).waitFor();
      expect((await server.tracker.getSchedule('acme.digest'))?.paused).toBe(false);
      // A type's pause holds for every tenant: a tenant gets no button for it.
      await openView(acme.page, server, '/types');
      await acme.page.locator('[data-testid="type-row"][data-type="report.build"]').waitFor();
      await expect(acme.page.getByTestId('types-view').getByRole('button', { name: /^(Pause|Resume)$/ }).count()).resolves.toBe(0);
    } finally {
      await acme.context.close();
    }
    const admin = await visit(server, 'admin');
    try {
      await openView(admin.page, server, '/types');
      const type = admin.page.locator('[data-testid="type-row"][data-type="report.build"]');
      // Asked once more (a type's pause holds every tenant's jobs); keeping it running sends nothing.
      await type.getByRole('button', { name: 'Pause' }).click();
      await admin.page.getByRole('dialog').getByRole('button', { name: 'Keep it running' }).click();
      expect((await server.tracker.getType('report.build')).paused).toBe(false);
      await type.getByRole('button', { name: 'Pause' }).click();
      await admin.page.getByRole('dialog').getByRole('button', { name: 'Pause type' }).click();
      await type.getByRole('button', { name: 'Resume' }).waitFor();
      expect((await server.tracker.getType('report.build')).paused).toBe(true);
      await type.getByRole('button', { name: 'Resume' }).click();
      await type.getByRole('button', { name: 'Pause' }).waitFor();
      expect((await server.tracker.getType('report.build')).paused).toBe(false);
    } finally {
      await admin.context.close();
    }
  });

  it('says so when a running job’s worker stopped renewing its lease', async () => {
    setNow(SEED_NOW - 10 * 60_000);
    const stalled = await server.tracker.create('sync.stalled', { tenantId: 'umbrella' });
    await server.tracker.start(stalled.id, { owner: 'gone', leaseMs: 60_000 });
    const healthy = await server.tracker.create('sync.healthy', { tenantId: 'umbrella' });
    await server.tracker.start(healthy.id, { owner: 'alive', leaseMs: 60 * 60_000 });
    setNow(SEED_NOW);
    const { page, context } = await visit(server, 'umbrella');
    try {
      await openView(page, server, `/jobs/${stalled.id}`);
      await expect.poll(async () => (await page.getByTestId('lease-lapsed').textContent()) ?? '').toMatch(/not renewed its lease since 9 minutes ago/);
      await openView(page, server, `/jobs/${healthy.id}`);
      await page.getByTestId('job-detail').and(page.locator('[data-status="running"]')).waitFor();
      await expect(page.getByTestId('lease-lapsed').count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  });

  it('keeps tenants apart: Globex sees none of Acme’s jobs, types or schedules', async () => {
    const { page, context } = await visit(server, 'globex');
    try {
      await openView(page, server, '/jobs');
      await page.getByTestId('job-row').first().waitFor();
      const types = await page.getByTestId('job-row').evaluateAll((rows) => rows.map((row) => row.textContent ?? ''));
      expect(types.length).toBe(3);
      for (const text of types) expect(text).toContain('invoice.charge');
      await openView(page, server, '/schedules');
      await page.locator('[data-testid="schedule-row"][data-schedule-name="globex.sync"]').waitFor();
      await expect(page.locator('[data-testid="schedule-row"][data-schedule-name="acme.digest"]').count()).resolves.toBe(0);
      await openView(page, server, '/types');
      await page.locator('[data-testid="type-row"][data-type="invoice.charge"]').waitFor();
      await expect(page.locator('[data-testid="type-row"][data-type="report.build"]').count()).resolves.toBe(0);
      await openView(page, server, `/jobs/${seeded.running}`);
      await expect.poll(async () => (await page.getByRole('alert').first().textContent()) ?? '').toMatch(/not found/i);
      await expect(page.getByTestId('job-detail').getAttribute('data-status')).resolves.toBe('');
      await expect(page.getByTestId('job-detail').textContent()).resolves.not.toContain('report.build');
      const direct = await page.evaluate(async (id) => (await fetch(`api/jobs/${id}`)).status, seeded.running);
      expect(direct).toBe(404);
    } finally {
      await context.close();
    }
  });

  it('does not shift its layout while data arrives, and follows the system’s dark theme', async () => {
    const { page, context } = await visit(server, 'acme');
    try {
      await page.addInitScript(() => {
        const shifts: number[] = [];
        (window as unknown as { __shifts: number[] }).__shifts = shifts;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries() as unknown as Array<{ value: number; hadRecentInput: boolean }>) {
            if (!entry.hadRecentInput) shifts.push(entry.value);
          }
        }).observe({ type: 'layout-shift', buffered: true });
      });
      await openView(page, server, '/');
      await page.getByTestId('chart-wait').locator('canvas').first().waitFor();
      await expect.poll(() => page.getByTestId('count-failed').textContent()).toBe('4');
      await settled(page);
      const shift = await page.evaluate(() => (window as unknown as { __shifts: number[] }).__shifts.reduce((sum, value) => sum + value, 0));
      // "Good" cumulative layout shift is at most 0.1 (web.dev/articles/cls).
      expect(shift).toBeLessThanOrEqual(0.1);

      const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      await page.emulateMedia({ colorScheme: 'light' });
      const light = await background();
      await page.emulateMedia({ colorScheme: 'dark' });
      const dark = await background();
      expect(dark).not.toBe(light);
      const [r, g, b] = (dark.match(/\d+/g) ?? []).map(Number);
      expect((r ?? 255) + (g ?? 255) + (b ?? 255)).toBeLessThan(3 * 96);
    } finally {
      await context.close();
    }
  });

  it('says so when nothing matches, and shows the server’s error when a request fails', async () => {
    const { page, context } = await visit(server, 'initech');
    try {
      await openView(page, server, '/jobs');
      await page.getByTestId('jobs-view').waitFor();
      await expect.poll(async () => (await page.getByTestId('jobs-view').textContent()) ?? '').toMatch(/No jobs/i);
      await openView(page, server, '/jobs/0193a4f0-0000-7000-8000-000000000000');
      await expect.poll(async () => (await page.getByRole('alert').first().textContent()) ?? '').toMatch(/not found/i);
    } finally {
      await context.close();
    }
  });

  for (const viewport of [
    { name: '1440', width: 1440, height: 900 },
    { name: '390', width: 390, height: 844 },
  ]) {
    it(`looks as the committed baselines at ${viewport.name} px: overview and jobs`, async () => {
      const { page, context } = await visit(server, 'acme', { width: viewport.width, height: viewport.height });
      try {
        await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
        for (const [view, hash, ready] of [
          ['overview', '/', 'chart-wait'],
          ['jobs', '/jobs', 'job-row'],
        ] as const) {
          await openView(page, server, hash);
          await page.getByTestId(ready).first().waitFor();
          await settled(page);
          // No horizontal page scroll at any width.
          await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
          // Job ids are random per run: the only text that differs between runs.
          const png = await page.screenshot({ animations: 'disabled', caret: 'hide', mask: [page.locator('.cell-id')] });
          const { ratio, diffPath } = compareWithBaseline(`${view}-${viewport.name}`, png);
          expect(ratio, `${view} at ${viewport.name} px differs from its baseline (diff: ${diffPath})`).toBeLessThanOrEqual(MAX_DIFF_RATIO);
        }
      } finally {
        await context.close();
      }
    });
  }

  it('previews a retry by filter, then applies it to the matching jobs only', async () => {
    const { page, context } = await visit(server, 'acme');
    try {
      await openView(page, server, '/jobs?status=failed&errorCode=http_503');
      await page.getByTestId('job-row').first().waitFor();
      await page.getByRole('button', { name: 'Retry matching…' }).click();
      const dialog = page.getByRole('dialog');
      await expect.poll(() => dialog.getByTestId('bulk-preview-count').textContent()).toContain('4');
      await dialog.getByRole('button', { name: /^Retry 4 jobs?$/ }).click();
      await expect.poll(async () => (await dialog.getByTestId('bulk-result').textContent()) ?? '').toMatch(/4\D+4/);
      // The confirm button is gone once the result is in: focus is on Close, and Escape closes.
      await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Close');
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.count()).toBe(0);
      for (const id of seeded.failed) expect((await server.tracker.get(id))?.status).toBe('queued');
      const globex = await server.tracker.list({ tenantId: 'globex', status: 'failed' });
      expect(globex.jobs).toHaveLength(1);
    } finally {
      await context.close();
    }
  });
});

describe('mounted under /admin/jobs in Express', () => {
  let server: DashboardServer;
  beforeAll(async () => {
    ({ server } = await seededServer('express'));
  });
  afterAll(async () => {
    await server?.tracker.close();
    await server?.close();
  });

  it('works at the bare mount path (no slash), renders its views, and leaves the host app’s routes alone', async () => {
    const { page, context, problems } = await visit(server, 'admin');
    try {
      await page.goto(`${server.origin}${MOUNT}`);
      // Taken to the slash form in place (no request), so the views' `#/…` links stay in the page.
      await expect.poll(() => new URL(page.url()).pathname).toBe(`${MOUNT}/`);
      const loads: string[] = [];
      page.on('load', () => loads.push(page.url()));
      await expect.poll(() => page.getByTestId('count-failed').textContent()).toBe('5');
      await page.getByRole('navigation').getByRole('link', { name: 'Jobs' }).click();
      await expect.poll(() => page.getByTestId('job-row').count()).toBeGreaterThan(10);
      await page.getByRole('navigation').getByRole('link', { name: 'Schedules' }).click();
      await expect.poll(() => page.getByTestId('schedule-row').count()).toBe(2);
      expect(loads).toEqual([]);
      expect(problems).toEqual([]);
      expect(await (await fetch(`${server.origin}/`)).text()).toBe('the host app');
      const miss = await fetch(`${server.origin}/elsewhere`);
      expect(miss.status).toBe(404);
      expect(await miss.text()).toBe('express 404');
    } finally {
      await context.close();
    }
  });
});

describe('a read-only mount', () => {
  let server: DashboardServer;
  let seeded: Awaited<ReturnType<typeof seedJobs>>;
  beforeAll(async () => {
    ({ server, seeded } = await seededServer('node', { readOnly: true }));
  });
  afterAll(async () => {
    await server?.tracker.close();
    await server?.close();
  });

  it('shows no action anywhere, and its API refuses them', async () => {
    const { page, context } = await visit(server, 'acme');
    try {
      await openView(page, server, `/jobs/${seeded.failed[0]}`);
      await page.getByTestId('job-detail').waitFor();
      await page.getByTestId('read-only-badge').waitFor();
      for (const name of ['Retry', 'Cancel', 'Run now']) await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
      await openView(page, server, '/jobs?status=failed');
      await page.getByTestId('job-row').first().waitFor();
      await expect(page.getByRole('button', { name: 'Retry matching…' }).count()).resolves.toBe(0);
      await openView(page, server, '/schedules');
      await page.getByTestId('schedule-row').first().waitFor();
      await expect(page.getByRole('button', { name: /^(Pause|Resume)$/ }).count()).resolves.toBe(0);
      const status = await page.evaluate(async (id) => {
        const response = await fetch(`api/jobs/${id}/retry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return `${response.status} ${(await response.json()).error.code}`;
      }, seeded.failed[0]);
      expect(status).toBe('403 read_only');
      expect((await server.tracker.get(seeded.failed[0]!))?.status).toBe('failed');
    } finally {
      await context.close();
    }
  });
});
