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
  const start = async (name) => {
    await page.getByTestId(`start-${name}`).click();
    await page.waitForTimeout(300);
  };
  // A history first, then work in flight, then show a job that is waiting for its retry.
  await start('deep-scan');
  await start('bad-input');
  await start('lead-scoring');
  await page.locator('[data-testid="job-detail"][data-status="completed"]').waitFor({ timeout: 60_000 });
  await start('flaky-api');
  const flaky = await page.getByTestId('job-detail').getAttribute('data-job-id');
  await start('file-import');
  await start('deep-scan');
  await page.locator(`[data-testid="job-row"][data-job-id="${flaky}"]`).click();
  await page.locator(`[data-testid="job-detail"][data-job-id="${flaky}"][data-status="retrying"]`).waitFor({ timeout: 60_000 });
  await page.waitForTimeout(400);
  await page.screenshot({ path: output });
  console.log(`saved ${output}`);
} finally {
  await browser?.close();
  const exited = new Promise((resolve) => demo.once('exit', resolve));
  demo.kill('SIGTERM');
  await exited;
  rmSync(dataRoot, { recursive: true, force: true });
}
