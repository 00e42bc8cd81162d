// Takes the screenshot in the root README (docs/demo-screenshot.png) from the built demo:
//   npm run build -w @jobtrail/demo && npm run screenshot -w @jobtrail/demo
// Uses a throw-away embedded PostgreSQL (apps/demo/.data is not touched) and Debian's Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const appRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = process.argv[2] ?? join(appRoot, '..', '..', 'docs', 'demo-screenshot.png');

const dataRoot = mkdtempSync(join(tmpdir(), 'jobtrail-demo-screenshot-'));
const demo = spawn(process.execPath, ['dist/server/main.js', '--port', '0', '--traces', 'off', '--data-dir', join(dataRoot, 'postgres')], {
  cwd: appRoot,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let browser;
try {
  const url = await new Promise((resolve, reject) => {
    let text = '';
    demo.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /ready on (http:\/\/\S+)/.exec(text);
      if (match) resolve(match[1]);
    });
    demo.once('exit', (code) => reject(new Error(`the demo exited (code ${code})`)));
  });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1440, height: 960 }, deviceScaleFactor: 1 });
  await page.goto(url);
  const dashboard = page.frameLocator('[data-testid="dashboard-frame"]');
  await dashboard.getByRole('navigation', { name: 'Dashboard' }).waitFor({ timeout: 60_000 });
  // Starts a workflow; the page opens its job in the framed dashboard. Answers the job's id.
  const start = async (name) => {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/demo/workflows/${name}`) && r.request().method() === 'POST'),
      page.getByTestId(`start-${name}`).click(),
    ]);
    const { job } = await response.json();
    await dashboard.locator(`[data-testid="job-detail"][data-job-id="${job.id}"]`).waitFor({ timeout: 60_000 });
    return job.id;
  };
  // A history first, then work in flight, then the file import caught while it parses its rows.
  await start('deep-scan');
  await start('bad-input');
  const leads = await start('lead-scoring');
  await dashboard.locator(`[data-testid="job-detail"][data-job-id="${leads}"][data-status="completed"]`).waitFor({ timeout: 60_000 });
  await start('flaky-api');
  await start('deep-scan');
  const fileImport = await start('file-import');
  const frame = await (await page.locator('[data-testid="dashboard-frame"]').elementHandle()).contentFrame();
  await frame.waitForFunction(
    (id) => {
      const bar = document.querySelector(`[data-testid="job-detail"][data-job-id="${id}"] [role="progressbar"]`);
      const value = Number(bar?.getAttribute('aria-valuenow'));
      return value > 40 && value <= 70;
    },
    fileImport,
    { polling: 'raf', timeout: 60_000 },
  );
  await page.screenshot({ path: output });
  console.log(`saved ${output}`);
} finally {
  await browser?.close();
  const exited = new Promise((resolve) => demo.once('exit', resolve));
  demo.kill('SIGTERM');
  await exited;
  rmSync(dataRoot, { recursive: true, force: true });
}
