/**
 * Screenshots of every view at phone and desktop sizes in light and dark, against a running
 * `scripts/dev-server.ts`; reports console errors (CSP violations show up there) and pages that
 * scroll sideways.
 *
 *   node scripts/dev-screenshots.mjs [origin] [outDir] [onlyView]
 */
import { mkdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const origin = process.argv[2] ?? 'http://localhost:5178';
const outDir = process.argv[3] ?? '/tmp/dashboard-shots';
const only = process.argv[4];
const base = `${origin}/admin/jobs/`;

await mkdir(outDir, { recursive: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const problems = [];

async function jobIdWhere(predicate) {
  const response = await fetch(`${base}api/jobs?limit=100`);
  const { jobs } = await response.json();
  return jobs.find(predicate)?.id;
}

const views = [
  { name: 'overview', hash: '#/' },
  { name: 'jobs', hash: '#/jobs' },
  { name: 'jobs-failed', hash: '#/jobs?status=failed' },
  { name: 'jobs-empty', hash: '#/jobs?type=nope' },
  { name: 'detail-running', hash: `#/jobs/${await jobIdWhere((job) => job.type === 'reports.build' && job.status === 'running')}` },
  { name: 'detail-flaky', hash: `#/jobs/${await jobIdWhere((job) => job.type === 'webhooks.deliver' && job.status === 'failed')}` },
  { name: 'detail-parent', hash: `#/jobs/${await jobIdWhere((job) => job.type === 'leads.scoreRun')}` },
  { name: 'detail-retrying', hash: `#/jobs/${await jobIdWhere((job) => job.status === 'retrying')}` },
  { name: 'schedules', hash: '#/schedules' },
  { name: 'types', hash: '#/types' },
  { name: 'bulk', hash: '#/jobs?status=failed', open: 'Retry matching…' },
];

for (const scheme of ['light', 'dark']) {
  for (const [width, height] of [
    [390, 844],
    [1440, 900],
  ]) {
    const context = await browser.newContext({ viewport: { width, height }, colorScheme: scheme, reducedMotion: 'reduce' });
    const page = await context.newPage();
    // Layout shift while data arrives: summed per view (Chromium's layout-shift entries).
    await page.addInitScript(() => {
      window.__shift = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
      }).observe({ type: 'layout-shift', buffered: true });
    });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${scheme} ${width}: console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${scheme} ${width}: page error: ${error.message}`));
    for (const view of views) {
      if (only && view.name !== only) continue;
      // A fresh document per view, so each one's layout shift is measured from its first paint.
      await page.goto('about:blank');
      await page.goto(`${base}${view.hash}`);
      // Live streams keep the network busy: wait for the data instead of network idle.
      await page.waitForTimeout(1200);
      if (view.open) {
        await page.getByRole('button', { name: view.open }).click();
        await page.waitForTimeout(500);
      }
      const shift = await page.evaluate(() => window.__shift);
      if (shift > 0.01 && !view.open) problems.push(`${scheme} ${width} ${view.name}: layout shift ${shift.toFixed(3)}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) problems.push(`${scheme} ${width} ${view.name}: page scrolls sideways by ${overflow}px`);
      await page.screenshot({ path: `${outDir}/${view.name}-${width}-${scheme}.png`, fullPage: true });
    }
    await context.close();
  }
}
await browser.close();
console.log(problems.length ? problems.join('\n') : 'no console errors, no sideways scroll');
