/**
 * A quick behaviour check of the UI against a running `scripts/dev-server.ts` (not the e2e suite:
 * that lives with the server). Drives real Chromium through the flows a person uses: keyboard rows,
 * filters in the hash, paging, bulk retry, pause/resume, read-only and a server without the new
 * routes. Exits non-zero on the first failed expectation. `full` changes the seeded jobs: start a
 * fresh dev server before each full run.
 *
 *   node scripts/dev-check.mjs [origin] [mode]   mode: full (default) | readonly | bare
 */
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const origin = process.argv[2] ?? 'http://localhost:5178';
const mode = process.argv[3] ?? 'full';
const base = `${origin}/admin/jobs/`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const consoleErrors = [];
page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
page.on('pageerror', (error) => consoleErrors.push(error.message));
page.setDefaultTimeout(8000);

async function step(name, run) {
  process.stdout.write(`- ${name} … `);
  await run();
  console.log('ok');
}

try {
  await step('overview counts and nav', async () => {
    await page.goto(base);
    await page.getByTestId('overview').waitFor();
    await page.getByTestId('count-failed').filter({ hasText: /^\d+$/ }).waitFor();
    for (const name of ['Overview', 'Jobs', 'Schedules', 'Types']) await page.locator('nav').getByRole('link', { name, exact: true }).waitFor();
    assert.equal(await page.title(), mode === 'readonly' ? 'Acme jobs (read-only)' : 'Acme jobs');
    if (mode === 'bare') {
      await page.getByTestId('unavailable').first().waitFor();
      assert.equal(await page.getByTestId('chart-throughput').count(), 0);
    } else {
      await page.getByTestId('chart-throughput').locator('canvas').waitFor();
      await page.getByTestId('chart-failures').locator('canvas').waitFor();
      await page.getByTestId('chart-wait').locator('canvas').waitFor();
      await page.getByRole('button', { name: '1 h' }).click();
      await page.getByTestId('chart-throughput').locator('canvas').waitFor();
    }
    assert.equal(await page.getByTestId('read-only-badge').count(), mode === 'readonly' ? 1 : 0);
  });

  await step('jobs: filter by status through the label, kept in the hash', async () => {
    await page.locator('nav').getByRole('link', { name: 'Jobs' }).click();
    await page.getByTestId('jobs-view').waitFor();
    await page.getByTestId('job-row').first().waitFor();
    await page.getByLabel('Status').selectOption('failed');
    await page.waitForURL(/status=failed/);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=job-row]')].every((row) => row.querySelector('[data-status=failed]')));
    await page.getByLabel('Error code').fill('card_declined');
    await page.waitForURL(/errorCode=card_declined/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=job-row]').length === 1);
    await page.getByLabel('Error code').fill('no_such_code');
    await page.getByText('No jobs match these filters').waitFor();
    await page.goBack().catch(() => undefined);
    for (const label of ['Status', 'Type', 'Tenant', 'Error code', 'Key', 'Group', 'Schedule']) await page.getByLabel(label, { exact: true }).waitFor();
  });

  await step('jobs: keyboard rows (focus, arrows, Enter opens the detail, Back returns)', async () => {
    await page.goto(`${base}#/jobs`);
    const first = page.getByTestId('job-row').first();
    await first.waitFor();
    await first.focus();
    await page.keyboard.press('ArrowDown');
    const secondId = await page.getByTestId('job-row').nth(1).getAttribute('data-job-id');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-job-id')), secondId);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByTestId('job-detail').waitFor();
    assert.ok(page.url().endsWith(`#/jobs/${secondId}`));
    await page.goBack();
    await page.getByTestId('jobs-view').waitFor();
    await page.getByTestId('job-row').first().focus();
    await page.keyboard.press(' ');
    await page.getByTestId('job-detail').waitFor();
  });

  await step('jobs: paging', async () => {
    await page.goto(`${base}#/jobs`);
    await page.getByTestId('job-row').first().waitFor();
    const firstPage = await page.getByTestId('job-row').first().getAttribute('data-job-id');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForFunction((id) => document.querySelector('[data-testid=job-row]')?.getAttribute('data-job-id') !== id, firstPage);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.waitForFunction((id) => document.querySelector('[data-testid=job-row]')?.getAttribute('data-job-id') === id, firstPage);
  });

  await step('job detail: attempts, progress, children, actions', async () => {
    const { jobs } = await (await fetch(`${base}api/jobs?limit=100`)).json();
    const flaky = jobs.find((job) => job.type === 'webhooks.deliver' && job.status === 'failed');
    await page.goto(`${base}#/jobs/${flaky.id}`);
    await page.getByTestId('attempt').nth(2).waitFor();
    assert.equal(await page.getByTestId('attempt').count(), 3);
    await page.getByText('upstream_503').first().waitFor();
    const running = jobs.find((job) => job.type === 'reports.build' && job.status === 'running');
    await page.goto(`${base}#/jobs/${running.id}`);
    assert.equal(await page.getByRole('progressbar').getAttribute('aria-valuenow'), '42');
    const parent = jobs.find((job) => job.type === 'leads.scoreRun');
    await page.goto(`${base}#/jobs/${parent.id}`);
    await page.getByRole('heading', { name: 'Children' }).waitFor();
    const buttons = mode === 'readonly' ? 0 : 1;
    assert.equal(await page.getByRole('button', { name: 'Cancel', exact: true }).count(), buttons);
    assert.equal(await page.getByRole('button', { name: 'Retry', exact: true }).count(), 0);
  });

  if (mode === 'full') {
    await step('bulk retry: preview, confirm, result; Escape closes; focus trapped', async () => {
      await page.goto(`${base}#/jobs?status=failed&type=billing.sync`);
      await page.getByTestId('job-row').first().waitFor();
      await page.getByRole('button', { name: 'Retry matching…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await page.getByTestId('bulk-preview-count').filter({ hasText: '2 of 2' }).waitFor();
      for (let index = 0; index < 5; index++) await page.keyboard.press('Tab');
      assert.ok(await page.evaluate(() => document.querySelector('[role=dialog]')?.contains(document.activeElement)));
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Retry matching…' }).click();
      await page.getByRole('button', { name: 'Retry 2 jobs' }).click();
      await page.getByTestId('bulk-result').filter({ hasText: '2 matched, 2 changed' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByText('No jobs match these filters').waitFor();
    });

    await step('run now on a job due later', async () => {
      const { jobs } = await (await fetch(`${base}api/jobs?status=queued&limit=100`)).json();
      const later = jobs.find((job) => Date.parse(job.runAt) > Date.now() + 60_000);
      await page.goto(`${base}#/jobs/${later.id}`);
      await page.getByRole('button', { name: 'Run now' }).click();
      await page.getByRole('button', { name: 'Run now' }).waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Cancel', exact: true }).waitFor();
    });

    await step('schedules and types: pause / resume', async () => {
      await page.goto(`${base}#/schedules`);
      const row = page.locator('[data-testid=schedule-row][data-schedule-name=heartbeat]');
      await row.getByRole('button', { name: 'Pause' }).click();
      await row.getByRole('button', { name: 'Resume' }).click();
      await row.getByRole('button', { name: 'Pause' }).waitFor();
      await page.goto(`${base}#/types`);
      const typeRow = page.locator('[data-testid=type-row][data-type="emails.send"]');
      await typeRow.getByRole('button', { name: 'Pause' }).click();
      await typeRow.getByText('paused').waitFor();
      await typeRow.getByRole('button', { name: 'Resume' }).click();
      await typeRow.getByRole('button', { name: 'Pause' }).waitFor();
    });
  } else if (mode === 'readonly') {
    await step('no action buttons', async () => {
      await page.goto(`${base}#/jobs?status=failed`);
      await page.getByTestId('job-row').first().waitFor();
      assert.equal(await page.getByRole('button', { name: 'Retry matching…' }).count(), 0);
      await page.goto(`${base}#/schedules`);
      await page.getByTestId('schedule-row').first().waitFor();
      assert.equal(await page.getByRole('button', { name: 'Pause' }).count(), 0);
      await page.goto(`${base}#/types`);
      await page.getByTestId('type-row').first().waitFor();
      assert.equal(await page.getByRole('button', { name: 'Pause' }).count(), 0);
    });
  } else {
    await step('routes the server lacks: notes instead of features', async () => {
      await page.goto(`${base}#/types`);
      await page.getByTestId('types-view').getByTestId('unavailable').waitFor();
      await page.goto(`${base}#/schedules`);
      const row = page.locator('[data-testid=schedule-row][data-schedule-name=heartbeat]');
      await row.getByRole('button', { name: 'Pause' }).click();
      await page.getByTestId('unavailable').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Pause' }).count(), 0);
    });
  }
  assert.deepEqual(mode === 'bare' ? consoleErrors.filter((text) => !/status of 40[04]/.test(text)) : consoleErrors, []);
  console.log(`all checks passed (${mode})`);
} catch (error) {
  console.log('FAILED');
  console.error(error);
  await page.screenshot({ path: '/tmp/dashboard-check-failure.png', fullPage: true });
  console.error('console errors:', consoleErrors);
  process.exitCode = 1;
} finally {
  await browser.close();
}
