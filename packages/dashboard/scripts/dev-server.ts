/**
 * A throwaway server to look at the dashboard UI while the real handler (src/server) is built
 * elsewhere: serves `ui-dist` at /admin/jobs/ with the contract's CSP, mounts core's jobs handler
 * at /admin/jobs/api over a seeded memory store, answers `api/dashboard`, and stubs the routes
 * core does not have yet (activity, types, schedule pause/resume) per the dashboard contract.
 *
 *   npx vite build && npx tsx scripts/dev-server.ts [port]
 *
 * DEV_READONLY=1: readOnly dashboard. DEV_BARE=1: no stubs (activity, types and schedule pauses
 * answer 404, as an older core would, though `api/dashboard` claims them). DEV_EMPTY=1: no seeded jobs.
 * DEV_NO_BULK=1: bulk actions answer 403. DEV_LIVE=1: the running report advances and new jobs
 * finish every few seconds, to watch live updates.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Clock,
  createJobsHandler,
  createTracker,
  FatalJobError,
  type JobTypeInfo,
  MemoryJobStore,
  RetryableJobError,
  toNodeHandler,
  type Tracker,
} from '@jobtrail/core';

const MOUNT = '/admin/jobs';
const UI_DIST = fileURLToPath(new URL('../ui-dist/', import.meta.url));
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const READ_ONLY = process.env['DEV_READONLY'] === '1';
const BARE = process.env['DEV_BARE'] === '1';
const EMPTY = process.env['DEV_EMPTY'] === '1';
const NO_BULK = process.env['DEV_NO_BULK'] === '1';
const LIVE = process.env['DEV_LIVE'] === '1';
const port = Number(process.argv[2] ?? process.env['PORT'] ?? 5178);

// A clock the seeding moves back in time, so jobs look like they ran over the last hours.
let shiftMs = 0;
const clock: Clock = {
  now: () => Date.now() - shiftMs,
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const store = new MemoryJobStore({ name: 'dev' });
const tracker = createTracker({ store, clock, clockSync: false, maxAttempts: 3, recoverIntervalMs: false });
if (!EMPTY) await seed(tracker);
if (LIVE) startLiveActivity(tracker);

const jobsHandler = createJobsHandler({
  tracker,
  authorize: () => ({ admin: true }),
  basePath: `${MOUNT}/api`,
  canActOnMany: () => !READ_ONLY && !NO_BULK,
  canAct: () => !READ_ONLY,
  expose: { payload: true, result: (job) => job.type !== 'billing.sync' },
  maxExposedBytes: 2048,
});
const api = toNodeHandler(jobsHandler);

const server = createServer((request, response) => {
  void route(request, response).catch((error: unknown) => {
    console.error(error);
    if (!response.headersSent) sendJson(response, 500, { error: { code: 'internal', message: 'Dev server error.' } });
  });
});
server.listen(port, () => console.log(`dashboard dev server: http://localhost:${port}${MOUNT}/`));

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (path === MOUNT) {
    response.writeHead(308, { location: `${MOUNT}/` }).end();
    return;
  }
  if (path.startsWith(`${MOUNT}/api/`)) {
    const apiPath = path.slice(`${MOUNT}/api`.length);
    if (apiPath === '/dashboard') {
      sendJson(response, 200, {
        title: READ_ONLY ? 'Acme jobs (read-only)' : 'Acme jobs',
        readOnly: READ_ONLY,
        scope: { admin: true },
        features: { streams: true, schedules: true, types: true, activity: true, bulkActions: !READ_ONLY },
      });
      return;
    }
    if (!BARE && (await stubRoute(request, response, apiPath, url))) return;
    await api(request, response);
    return;
  }
  if (path.startsWith(`${MOUNT}/`)) {
    await serveStatic(response, path.slice(MOUNT.length + 1) || 'index.html');
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

async function serveStatic(response: ServerResponse, file: string): Promise<void> {
  const safe = normalize(file).replace(/^(\.\.[/\\])+/, '');
  try {
    const body = await readFile(join(UI_DIST, safe));
    response.writeHead(200, {
      'content-type': MIME[extname(safe)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    response.end(body);
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** The contract's new routes, until core has them. Answers true when it handled the request. */
async function stubRoute(request: IncomingMessage, response: ServerResponse, path: string, url: URL): Promise<boolean> {
  if (request.method === 'GET' && path === '/jobs/activity') {
    sendJson(response, 200, activity(url.searchParams));
    return true;
  }
  if (request.method === 'GET' && path === '/types') {
    sendJson(response, 200, { types: (await tracker.listTypes()).map(typeJson) });
    return true;
  }
  const typeAction = /^\/types\/([^/]+)\/(pause|resume)$/.exec(path);
  if (request.method === 'POST' && typeAction) {
    const type = decodeURIComponent(typeAction[1]!);
    if (READ_ONLY) return forbidden(response);
    const info = typeAction[2] === 'pause' ? await tracker.pauseType(type) : await tracker.resumeType(type);
    sendJson(response, 200, { type: typeJson(info) });
    return true;
  }
  const scheduleAction = /^\/schedules\/([^/]+)\/(pause|resume)$/.exec(path);
  if (request.method === 'POST' && scheduleAction) {
    const name = decodeURIComponent(scheduleAction[1]!);
    if (READ_ONLY) return forbidden(response);
    if (!(await tracker.getSchedule(name))) {
      sendJson(response, 404, { error: { code: 'not_found', message: `No schedule named ${name}.` } });
      return true;
    }
    const schedule = scheduleAction[2] === 'pause' ? await tracker.pauseSchedule(name) : await tracker.resumeSchedule(name);
    sendJson(response, 200, { schedule });
    return true;
  }
  return false;
}

function forbidden(response: ServerResponse): true {
  sendJson(response, 403, { error: { code: 'forbidden', message: 'This dashboard is read-only.' } });
  return true;
}

function typeJson(info: JobTypeInfo) {
  return { ...info, updatedAt: info.updatedAt?.toISOString() ?? null };
}

/** Deterministic made-up activity (a daily wave plus noise), zero-filled like the real route. */
function activity(params: URLSearchParams) {
  const bucketMs = Math.max(1000, Number(params.get('bucketMs') ?? 3_600_000));
  const until = params.get('until') ? Date.parse(params.get('until')!) : Date.now();
  const sinceRaw = params.get('since') ? Date.parse(params.get('since')!) : until - 86_400_000;
  const since = Math.floor(sinceRaw / bucketMs) * bucketMs;
  const buckets = [];
  for (let start = since; start < until && buckets.length < 1440; start += bucketMs) {
    const hour = (start / 3_600_000) % 24;
    const wave = 0.6 + 0.4 * Math.sin(((hour - 6) / 24) * 2 * Math.PI);
    const noise = pseudoRandom(start / bucketMs);
    const scale = bucketMs / 60_000;
    const completed = Math.round(wave * scale * (4 + 3 * noise));
    const failed = noise > 0.82 ? Math.round(scale * noise * 1.5) : Math.round(completed * 0.03 * noise);
    const started = completed + failed;
    const waitMsAvg = started === 0 ? null : Math.round(300 + 2200 * wave * noise);
    buckets.push({
      start: new Date(start).toISOString(),
      started,
      completed,
      failed,
      waitMsAvg,
      waitMsMax: waitMsAvg === null ? null : Math.round(waitMsAvg * (2 + 3 * pseudoRandom(start / bucketMs + 7))),
    });
  }
  return { bucketMs, since: new Date(since).toISOString(), until: new Date(until).toISOString(), buckets };
}

function pseudoRandom(seedValue: number): number {
  const x = Math.sin(seedValue * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

/** Varied jobs: completed, failed with codes, retrying, running with progress, children, schedules. */
async function seed(target: Tracker): Promise<void> {
  const at = async <T>(minutesAgo: number, action: () => Promise<T>): Promise<T> => {
    shiftMs = minutesAgo * 60_000;
    try {
      return await action();
    } finally {
      shiftMs = 0;
    }
  };
  const tenants = ['acme', 'globex', 'initech'];

  for (let index = 0; index < 34; index++) {
    const minutesAgo = 600 - index * 17;
    const type = ['emails.send', 'images.resize', 'reports.build'][index % 3]!;
    const job = await at(minutesAgo, () =>
      target.enqueue(type, { to: `user${index}@example.com`, template: 'welcome' }, { tenantId: tenants[index % 3]!, group: `batch-${index % 4}` }),
    );
    await at(minutesAgo - 0.2, () => target.start(job.id));
    target.progress(job.id, 1, { stage: 'Done', current: 10, total: 10 });
    await at(minutesAgo - 1, () => target.complete(job.id, { result: { delivered: true, messageId: `msg-${index}` } }));
  }

  const failures: Array<[string, Error]> = [
    ['billing.sync', new FatalJobError('Card declined by the issuer (insufficient funds).', { code: 'card_declined' })],
    ['billing.sync', new FatalJobError('Customer has no default payment method.', { code: 'no_payment_method' })],
    ['emails.send', new FatalJobError('Mailbox does not exist: 550 5.1.1 user unknown.', { code: 'mailbox_unknown' })],
    ['images.resize', new FatalJobError('Unsupported image format: image/heic.', { code: 'unsupported_format' })],
  ];
  for (const [index, [type, error]] of failures.entries()) {
    const job = await at(240 - index * 30, () => target.enqueue(type, { invoice: `inv_${1000 + index}` }, { tenantId: tenants[index % 3]!, maxAttempts: 1 }));
    await at(240 - index * 30 - 0.5, () => target.start(job.id));
    await at(240 - index * 30 - 1, () => target.fail(job.id, error));
  }

  // A job that failed twice with a retryable error before failing for good.
  const flaky = await at(90, () => target.enqueue('webhooks.deliver', { url: 'https://hooks.example.com/orders' }, { tenantId: 'acme', maxAttempts: 3 }));
  for (let attempt = 0; attempt < 3; attempt++) {
    await at(90 - attempt * 10, () => target.start(flaky.id));
    target.progress(flaky.id, 0.3, { stage: 'POST /orders' });
    await at(89 - attempt * 10, () =>
      target.fail(flaky.id, new RetryableJobError(`Upstream answered 503 Service Unavailable (attempt ${attempt + 1}).`, { code: 'upstream_503' })),
    );
    if (attempt < 2) await at(85 - attempt * 10, () => target.runNow(flaky.id).catch(() => undefined));
  }

  // Retrying: attempt 1 failed, the next is due in a few minutes.
  const retrying = await at(8, () => target.enqueue('webhooks.deliver', { url: 'https://hooks.example.com/invoices' }, { tenantId: 'globex' }));
  await at(7, () => target.start(retrying.id));
  await at(6, () => target.fail(retrying.id, new RetryableJobError('Connection reset by peer.', { code: 'econnreset', retryAfterMs: 600_000 })));

  // Running with progress, and a parent with children.
  const running = await at(3, () => target.enqueue('reports.build', { month: '2026-10' }, { tenantId: 'initech', key: 'report-2026-10' }));
  await target.start(running.id, { leaseMs: 3_600_000 });
  target.progress(running.id, 0.42, { stage: 'Aggregating invoices', current: 4_210, total: 10_000 });
  await target.incrementMetrics(running.id, { rowsRead: 4210, cacheHits: 3900 });

  const parent = await at(20, () => target.enqueue('leads.scoreRun', { segment: 'enterprise' }, { tenantId: 'acme' }));
  await at(19, () => target.start(parent.id, { leaseMs: 3_600_000 }));
  target.progress(parent.id, 0.5, { stage: 'Scoring clients', current: 3, total: 6 });
  for (let index = 0; index < 6; index++) {
    const child = await at(19, () => target.enqueue('leads.scoreClient', { client: `client-${index}` }, { tenantId: 'acme', parentId: parent.id }));
    if (index < 3) {
      await at(18, () => target.start(child.id));
      await at(17 - index, () => target.complete(child.id, { result: { score: 60 + index * 7 } }));
    } else if (index === 3) {
      await at(16, () => target.start(child.id));
      await at(15, () => target.fail(child.id, new FatalJobError('CRM record is locked.', { code: 'crm_locked' })));
    } else if (index === 4) {
      await target.start(child.id, { leaseMs: 3_600_000 });
      target.progress(child.id, 0.7, { stage: 'Fetching signals', current: 7, total: 10 });
    }
  }

  // Queued: some due now, one later, one cancelled; a big payload to show `tooLarge`.
  for (let index = 0; index < 3; index++) await target.enqueue('emails.send', { to: `later${index}@example.com` }, { tenantId: 'globex' });
  await target.enqueue('reports.build', { month: '2026-11' }, { runAt: new Date(Date.now() + 3 * 3_600_000), key: 'report-2026-11' });
  const cancelled = await at(45, () => target.enqueue('images.resize', { src: 'cat.png' }, { tenantId: 'initech' }));
  await at(44, () => target.cancel(cancelled.id));
  await target.enqueue('exports.csv', { rows: Array.from({ length: 200 }, (_, row) => ({ row, name: `Customer ${row}` })) }, { tenantId: 'acme' });

  for (const type of ['emails.send', 'billing.sync']) await target.setTypeLimits(type, { maxRunning: 5, rateLimit: { limit: 100, intervalMs: 60_000 } });
  await target.pauseType('exports.csv');

  await target.schedule('nightly-report', { type: 'reports.build', cron: '0 3 * * *', timezone: 'Europe/Berlin', payload: { kind: 'nightly' } });
  await target.schedule('heartbeat', { type: 'system.heartbeat', every: 60_000, startAt: new Date(Date.now() - 5 * 60_000) });
  await target.schedule('weekly-digest', { type: 'emails.send', cron: '0 9 * * 1', tenantId: 'acme' });
  await target.fireDueSchedules();
  await target.pauseSchedule('weekly-digest');
}

/** Keeps something happening: the running report advances, and a new email job runs every 3 s. */
function startLiveActivity(target: Tracker): void {
  let step = 0;
  setInterval(() => {
    void (async () => {
      step++;
      const { jobs } = await target.list({ type: 'reports.build', status: 'running' });
      for (const job of jobs) {
        const current = Math.min(10_000, (job.current ?? 0) + 250);
        target.progress(job.id, current / 10_000, { stage: 'Aggregating invoices', current, total: 10_000 });
        await target.flush(job.id);
      }
      if (step % 3 === 0) {
        const job = await target.enqueue('emails.send', { to: `live${step}@example.com` }, { tenantId: 'acme' });
        await target.start(job.id);
        await target.complete(job.id, { result: { delivered: true } });
      }
    })().catch((error: unknown) => console.error('live activity:', error));
  }, 1_000);
}
