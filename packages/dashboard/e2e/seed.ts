import type { Tracker } from '@jobtrail/core';
import { SEED_NOW } from './dashboard-server.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function failure(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The same jobs on every run, at fixed times before {@link SEED_NOW}: Acme has a day of sent
 * emails, failed reports (`http_503`), one retrying, one running with progress, a batch with
 * children and a schedule; Globex has a few invoices and its own schedule. Leaves the clock at
 * `SEED_NOW`.
 */
export async function seedJobs(tracker: Tracker, setNow: (ms: number) => void): Promise<{ running: string; failed: string[]; parent: string }> {
  const at = (ms: number) => setNow(SEED_NOW - ms);
  const acme = { tenantId: 'acme' };

  for (let i = 0; i < 14; i++) {
    const createdAgo = 22 * HOUR - i * 90 * MINUTE;
    at(createdAgo);
    const job = await tracker.create('email.send', { ...acme, payload: { to: `user${i}@acme.test` }, metadata: { campaign: 'winter' } });
    at(createdAgo - (1 + (i % 4)) * 1_000);
    await tracker.start(job.id, { owner: 'seed' });
    at(createdAgo - 9_000);
    await tracker.complete(job.id, { result: { messageId: `m-${i}` } });
  }

  const failed: string[] = [];
  for (let i = 0; i < 4; i++) {
    const createdAgo = 5 * HOUR - i * 40 * MINUTE;
    at(createdAgo);
    const job = await tracker.create('report.build', { ...acme, maxAttempts: 1, payload: { month: `2026-0${i + 1}` } });
    at(createdAgo - 30_000);
    await tracker.start(job.id, { owner: 'seed' });
    at(createdAgo - 45_000);
    await tracker.fail(job.id, failure('Upstream answered 503 Service Unavailable', 'http_503'));
    failed.push(job.id);
  }

  at(50 * MINUTE);
  const retrying = await tracker.create('report.build', { ...acme, maxAttempts: 3 });
  at(49 * MINUTE);
  await tracker.start(retrying.id, { owner: 'seed' });
  at(48 * MINUTE);
  await tracker.fail(retrying.id, failure('Connection reset by peer', 'ECONNRESET'));

  at(12 * MINUTE);
  const running = await tracker.create('report.build', { ...acme, payload: { month: '2026-11' } });
  at(11 * MINUTE);
  await tracker.start(running.id, { owner: 'seed', leaseMs: 24 * HOUR });
  await tracker.incrementMetrics(running.id, { rows: 41_000, pages: 12 });
  tracker.progress(running.id, 0.4, { stage: 'rendering', current: 4, total: 10 });
  await tracker.flush(running.id);

  at(30 * MINUTE);
  const parent = await tracker.create('import.batch', { ...acme, payload: { file: 'contacts.csv' } });
  for (const [i, outcome] of (['complete', 'start', 'queue'] as const).entries()) {
    at(29 * MINUTE - i * MINUTE);
    const child = await tracker.create('import.chunk', { ...acme, parentId: parent.id, group: 'contacts', key: `chunk-${i}` });
    if (outcome === 'queue') continue;
    await tracker.start(child.id, { owner: 'seed', leaseMs: 24 * HOUR });
    if (outcome === 'complete') await tracker.complete(child.id);
  }

  for (let i = 0; i < 2; i++) {
    at(2 * MINUTE - i * 30_000);
    await tracker.create('email.send', { ...acme, runAt: new Date(SEED_NOW + (i + 1) * HOUR) });
  }

  at(3 * HOUR);
  for (const [i, card] of ['ok', 'declined', 'ok'].entries()) {
    const job = await tracker.create('invoice.charge', { tenantId: 'globex', maxAttempts: 1, payload: { invoice: `G-${i}` } });
    await tracker.start(job.id, { owner: 'seed' });
    if (card === 'ok') await tracker.complete(job.id);
    else await tracker.fail(job.id, failure('Card declined', 'card_declined'));
  }

  at(6 * HOUR);
  await tracker.schedule('acme.digest', { type: 'email.digest', cron: '0 * * * *', tenantId: 'acme' });
  await tracker.schedule('globex.sync', { type: 'invoice.sync', every: 15 * MINUTE, tenantId: 'globex' });
  setNow(SEED_NOW);
  return { running: running.id, failed, parent: parent.id };
}
