import { createJobsHandler, createTracker, MemoryJobStore, type Tracker } from '@jobtrail/core';
import type { JobJson } from '@jobtrail/core/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attemptsOf } from '../src/ui/views/attempts.js';

// The job detail's attempts, derived from the JSON the jobs API really sends.
let tracker: Tracker;
let now = Date.parse('2026-11-30T10:00:00.000Z');
beforeEach(() => {
  now = Date.parse('2026-11-30T10:00:00.000Z');
  tracker = createTracker({
    store: new MemoryJobStore(),
    clock: { now: () => now, setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout) },
    clockSync: false,
    recoverIntervalMs: false,
  });
});
afterEach(async () => {
  await tracker.close();
});

async function wire(id: string): Promise<JobJson> {
  const handler = createJobsHandler({ tracker, authorize: () => ({ admin: true }) });
  const response = await handler(new Request(`http://jobs.test/jobs/${id}`));
  return ((await response.json()) as { job: JobJson }).job;
}

const unavailable = (message: string) => Object.assign(new Error(message), { code: 'http_503' });

describe('attemptsOf', () => {
  it('lists a job that retried twice, then completed: three attempts, oldest first, with their errors', async () => {
    const job = await tracker.create('sync', { maxAttempts: 5 });
    for (let attempt = 1; attempt <= 3; attempt++) {
      now += 60_000;
      await tracker.start(job.id, { owner: 'w' });
      now += 1_000;
      if (attempt < 3) await tracker.fail(job.id, unavailable(`503 #${attempt}`));
      else await tracker.complete(job.id);
    }
    const attempts = attemptsOf(await wire(job.id));
    expect(attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.error?.message ?? null])).toEqual([
      [1, 'retrying', '503 #1'],
      [2, 'retrying', '503 #2'],
      [3, 'completed', null],
    ]);
    for (const attempt of attempts) expect(Date.parse(attempt.finishedAt!) - Date.parse(attempt.startedAt!)).toBe(1_000);
  });

  it('shows the attempt in progress, and a queued job none', async () => {
    const queued = await tracker.create('sync');
    expect(attemptsOf(await wire(queued.id))).toEqual([]);
    await tracker.start(queued.id, { owner: 'w' });
    expect(attemptsOf(await wire(queued.id))).toEqual([
      { attempt: 1, startedAt: new Date(now).toISOString(), finishedAt: null, outcome: 'running', error: null, retriedAt: null },
    ]);
  });

  it('marks a failed attempt retried by hand, and counts the next start as a new attempt', async () => {
    const job = await tracker.create('sync', { maxAttempts: 1 });
    await tracker.start(job.id, { owner: 'w' });
    now += 500;
    await tracker.fail(job.id, unavailable('down'));
    now += 60_000;
    await tracker.retry(job.id);
    const retried = attemptsOf(await wire(job.id));
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ attempt: 1, outcome: 'failed', retriedAt: new Date(now).toISOString() });
    now += 1_000;
    await tracker.start(job.id, { owner: 'w' });
    await tracker.complete(job.id);
    expect(attemptsOf(await wire(job.id)).map((attempt) => attempt.outcome)).toEqual(['failed', 'completed']);
  });

  it('shows an attempt whose worker was lost, recovered when its lease expired', async () => {
    const job = await tracker.create('sync', { maxAttempts: 3 });
    await tracker.start(job.id, { owner: 'w', leaseMs: 1_000 });
    now += 5_000;
    await tracker.recoverExpired();
    const attempts = attemptsOf(await wire(job.id));
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['lease_expired']);
  });
});
