import { randomUUID } from 'node:crypto';
import type { Job, JobStats } from '@jobtrail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codedError, completedJob, createCliDatabase, failedJob, run, type CliDatabase } from './support/cli-database.js';

let db: CliDatabase;

beforeAll(async () => {
  db = await createCliDatabase('cli_commands');
});

afterAll(async () => {
  await db?.drop();
});

let typeCounter = 0;
/** A job type no other test uses, so each test sees only its own jobs. */
const uniqueType = (name: string) => `${name}.${++typeCounter}.${randomUUID().slice(0, 8)}`;

describe('migrate', () => {
  it('reports an up-to-date schema when run again, in text and JSON', async () => {
    const again = await run(['migrate', ...db.flags]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toMatch(/^Already up to date \(schema version \d+\)\.\n$/);

    const json = await run(['migrate', ...db.flags, '--json']);
    expect(json.code).toBe(0);
    expect(json.json()).toMatchObject({ database: 'postgres', applied: [] });
    expect(json.json<{ version: number }>().version).toBeGreaterThan(0);
  });

  it('creates the tables in a fresh schema under a table name of its own (--table), which later commands find', async () => {
    const fresh = await createCliDatabase('cli_migrate_fresh', { migrate: false });
    try {
      const flags = [...fresh.flags, '--table', 'my_jobs'];
      const migrated = await run(['migrate', ...flags, '--json']);
      expect(migrated.code).toBe(0);
      const { applied, version } = migrated.json<{ applied: number[]; version: number }>();
      expect(applied.length).toBeGreaterThan(0);
      expect(Math.max(...applied)).toBe(version);

      const stats = await run(['stats', ...flags, '--json']);
      expect(stats.code).toBe(0);
      expect(stats.json()).toMatchObject({ total: 0 });
      // The default table was never created: commands against it fail (exit 1) and say what to do.
      const missing = await run(['stats', ...fresh.flags]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^jobtrail: .*jobtrail migrate.*\n$/);
      expect(missing.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await fresh.drop();
    }
  });
});

describe('stats', () => {
  it('counts by type and status, filtered, as a table and as JSON', async () => {
    const type = uniqueType('stats.sync');
    await db.tracker.enqueue(type, {});
    await db.tracker.enqueue(type, {});
    await failedJob(db.tracker, type, codedError('HTTP 503', 'http_503'));

    const json = await run(['stats', ...db.flags, '--type', type, '--json']);
    expect(json.code).toBe(0);
    const stats = json.json<JobStats>();
    expect(stats.total).toBe(3);
    expect(stats.byStatus).toMatchObject({ queued: 2, failed: 1, completed: 0 });
    expect(Object.keys(stats.byType)).toEqual([type]);

    const text = await run(['stats', ...db.flags, '--type', type]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(type);
    expect(text.stdout).toMatch(/\(all\)/);
    expect(text.stdout.split('\n')[1]).toMatch(/type.*total.*queued.*running.*failed/);

    const failedOnly = await run(['stats', ...db.flags, '--type', type, '--status', 'failed', '--error-code', 'http_503', '--since', '1h', '--json']);
    expect(failedOnly.json<JobStats>().total).toBe(1);
  });

  it('answers zero for a filter that matches nothing (exit 0)', async () => {
    const json = await run(['stats', ...db.flags, '--type', uniqueType('stats.none'), '--json']);
    expect(json.code).toBe(0);
    expect(json.json()).toMatchObject({ total: 0, byType: {} });
    const text = await run(['stats', ...db.flags, '--type', uniqueType('stats.none')]);
    expect(text).toMatchObject({ code: 0, stdout: 'No jobs match.\n' });
  });

  it('refuses an unknown status (exit 2) without a stack trace', async () => {
    const result = await run(['stats', ...db.flags, '--status', 'broken']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^jobtrail: --status: "broken" is not a status; use one of queued, /);
    const parent = await run(['list', ...db.flags, '--parent-id', 'x']);
    expect(parent).toMatchObject({ code: 2, stderr: 'jobtrail: --parent-id: must be a job id; got "x".\n' });
    expect(result.stdout).toBe('');
  });
});

describe('list', () => {
  it('lists matching jobs newest first, without payloads, and pages by cursor', async () => {
    const type = uniqueType('list.mail');
    const first = await db.tracker.enqueue(type, { to: 'a' });
    const second = await db.tracker.enqueue(type, { to: 'b' });
    const third = await db.tracker.enqueue(type, { to: 'c' });

    const page1 = await run(['list', ...db.flags, '--type', type, '--limit', '2', '--json']);
    expect(page1.code).toBe(0);
    const { jobs, nextCursor } = page1.json<{ jobs: Job[]; nextCursor: string | null }>();
    expect(jobs.map((job) => job.id)).toEqual([third.id, second.id]);
    expect(jobs[0]!.payload).toBeUndefined();
    expect(nextCursor).not.toBeNull();

    const page2 = await run(['list', ...db.flags, '--type', type, '--limit', '2', '--cursor', nextCursor!, '--json']);
    expect(page2.json<{ jobs: Job[]; nextCursor: string | null }>()).toMatchObject({ jobs: [{ id: first.id }], nextCursor: null });

    const oldest = await run(['list', ...db.flags, '--type', type, '--order', 'oldest', '--json']);
    expect(oldest.json<{ jobs: Job[] }>().jobs.map((job) => job.id)).toEqual([first.id, second.id, third.id]);

    const text = await run(['list', ...db.flags, '--type', type, '--limit', '2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(third.id);
    expect(text.stdout).not.toContain(first.id);
    expect(text.stdout).toMatch(/More: --cursor [0-9a-f-]{36}\n$/);
  });

  it('filters by metadata given as JSON; bad JSON or a bad field is a usage error (exit 2)', async () => {
    const type = uniqueType('list.metadata');
    const acme = await db.tracker.enqueue(type, {}, { metadata: { customerId: 'acme', tier: 2 } });
    await db.tracker.enqueue(type, {}, { metadata: { customerId: 'acme', tier: '2' } });
    const byMetadata = await run(['list', ...db.flags, '--type', type, '--metadata', '{"customerId":"acme","tier":2}', '--json']);
    expect(byMetadata.json<{ jobs: Job[] }>().jobs.map((job) => job.id)).toEqual([acme.id]);
    const badJson = await run(['list', ...db.flags, '--metadata', 'customerId=acme']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/^jobtrail: --metadata: must be a JSON object/);
    const badField = await run(['retry', ...db.flags, '--metadata', '{"a.b":1}']);
    expect(badField.code).toBe(2);
    expect(badField.stderr).toMatch(/^jobtrail: --metadata: /);
    // Core names the field metadata.a: the flag is named, and the field in the reason.
    const nested = await run(['retry', ...db.flags, '--metadata', '{"a":{"b":1}}']);
    expect(nested.code).toBe(2);
    expect(nested.stderr).toBe('jobtrail: --metadata: field "a" must be a string, a finite number or a boolean; got an object.\n');
  });

  it('filters by status, error code and tenant; a filter matching nothing lists nothing (exit 0)', async () => {
    const type = uniqueType('list.sync');
    const timedOut = await failedJob(db.tracker, type, codedError('too slow', 'job_timeout'), { tenantId: 'acme' });
    await failedJob(db.tracker, type, codedError('HTTP 503', 'http_503'), { tenantId: 'acme' });
    await db.tracker.enqueue(type, {}, { tenantId: 'acme' });

    const byCode = await run(['list', ...db.flags, '--type', type, '--status', 'failed', '--error-code', 'job_timeout', '--tenant-id', 'acme', '--json']);
    expect(byCode.json<{ jobs: Job[] }>().jobs.map((job) => job.id)).toEqual([timedOut.id]);

    const none = await run(['list', ...db.flags, '--type', type, '--error-code', 'no_such_code', '--json']);
    expect(none.code).toBe(0);
    expect(none.json()).toEqual({ jobs: [], nextCursor: null });
    const noneText = await run(['list', ...db.flags, '--type', type, '--tenant-id', 'nobody']);
    expect(noneText).toMatchObject({ code: 0, stdout: 'No jobs match.\n' });
    const future = await run(['list', ...db.flags, '--type', type, '--since', '2999-01-01', '--json']);
    expect(future.json()).toEqual({ jobs: [], nextCursor: null });
  });

  it('refuses a bad --limit, --order, --since or --cursor (exit 2)', async () => {
    for (const flags of [['--limit', '0'], ['--limit', '1001'], ['--limit', 'ten'], ['--order', 'random'], ['--since', '1x'], ['--since', '-1h'], ['--cursor', 'nope']]) {
      const result = await run(['list', ...db.flags, ...flags]);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^jobtrail: /);
      expect(result.stdout).toBe('');
    }
  });
});

describe('show', () => {
  it('shows a job with its payload and history, as JSON and as a table', async () => {
    const type = uniqueType('show.report');
    const failed = await failedJob(db.tracker, type, codedError('HTTP 503', 'http_503'));
    // A retry puts the failed attempt and the retry into the history.
    await db.tracker.retry(failed.id);
    await db.tracker.start(failed.id);
    await db.tracker.fail(failed.id, codedError('HTTP 503', 'http_503'));

    const json = await run(['show', failed.id, ...db.flags, '--json']);
    expect(json.code).toBe(0);
    const job = json.json<Job>();
    expect(job).toMatchObject({ id: failed.id, type, status: 'failed', payload: { n: 1 }, error: { code: 'http_503', message: 'HTTP 503' } });
    expect(job.history.map((entry) => entry.kind)).toEqual(['attempt', 'retry']);

    const text = await run(['show', failed.id, ...db.flags]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(failed.id);
    expect(text.stdout).toContain('http_503');
    expect(text.stdout).toMatch(/History:\n/);
    expect(text.stdout).toMatch(/attempt 1.*failed/);
  });

  it('exits 1 with a clear message for an unknown id or one that is no job id', async () => {
    for (const id of [randomUUID(), 'not-an-id']) {
      const result = await run(['show', id, ...db.flags, '--json']);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`jobtrail: no job with id "${id}".\n`);
    }
  });

  it('needs the id (exit 2)', async () => {
    const result = await run(['show', ...db.flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/missing required argument 'id'/);
  });
});

describe('retry', () => {
  it('--dry-run reports what the same filter would retry and changes nothing; the real run retries exactly those', async () => {
    const type = uniqueType('retry.sync');
    const a = await failedJob(db.tracker, type, codedError('HTTP 503', 'http_503'));
    const b = await failedJob(db.tracker, type, codedError('HTTP 503', 'http_503'));
    const other = await failedJob(db.tracker, type, codedError('too slow', 'job_timeout'));
    const args = ['retry', ...db.flags, '--status', 'failed', '--type', type, '--error-code', 'http_503', '--since', '1h'];

    const dry = await run([...args, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const preview = dry.json<{ dryRun: boolean; matched: number; wouldChange: number; sample: { id: string }[]; filter: Record<string, unknown> }>();
    expect(preview).toMatchObject({ dryRun: true, matched: 2, wouldChange: 2, filter: { status: ['failed'], type: [type], errorCode: 'http_503' } });
    expect(preview.sample.map((job) => job.id).sort()).toEqual([a.id, b.id].sort());
    expect((await db.tracker.stats({ type })).byStatus).toMatchObject({ failed: 3, queued: 0 });

    const dryText = await run([...args, '--dry-run']);
    expect(dryText.stdout).toMatch(/^Dry run: would retry 2 of 2 matching jobs .*Nothing was changed\./);
    // The resolved filter, so the operator sees which instants --since and --until became.
    const since = new Date(Date.now() - 3_600_000);
    const filterLine = dryText.stdout.split('\n')[1]!;
    expect(filterLine).toMatch(new RegExp(`^Filter: status failed, type ${type.replace(/\./g, '\\.')}, error code http_503, created after \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\\.$`));
    expect(Math.abs(Date.parse(filterLine.slice(filterLine.lastIndexOf(' ') + 1, -1)) - since.getTime())).toBeLessThan(600_000);
    const dated = await run(['retry', ...db.flags, '--type', type, '--since', '2026-03-02', '--until', '2026-11-30T12:30:00+02:00', '--metadata', '{"tier":2}', '--dry-run']);
    expect(dated.code).toBe(0);
    expect(dated.stdout.split('\n')[1]).toBe(`Filter: type ${type}, metadata {"tier":2}, created after 2026-03-02T00:00:00.000Z, created before 2026-11-30T10:30:00.000Z.`);
    expect((await db.tracker.stats({ type })).byStatus).toMatchObject({ failed: 3, queued: 0 });

    const real = await run([...args, '--json']);
    expect(real.code).toBe(0);
    expect(real.json()).toMatchObject({ dryRun: false, matched: 2, changed: 2 });
    expect((await db.tracker.get(a.id))?.status).toBe('queued');
    expect((await db.tracker.get(b.id))?.status).toBe('queued');
    expect((await db.tracker.get(other.id))?.status).toBe('failed');

    // Queued jobs cannot be retried: matched, not changed.
    const again = await run(['retry', ...db.flags, '--type', type, '--status', 'queued']);
    expect(again).toMatchObject({ code: 0, stdout: 'Retried 0 of 2 matching jobs.\n' });
  });

  it('a filter matching nothing retries nothing (exit 0)', async () => {
    const result = await run(['retry', ...db.flags, '--status', 'failed', '--type', uniqueType('retry.none'), '--json']);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ matched: 0, changed: 0 });
    const dry = await run(['retry', ...db.flags, '--type', uniqueType('retry.none'), '--dry-run']);
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.stdout).toMatch(/^Dry run: would retry 0 of 0 matching jobs/);
  });

  it('refuses to run without a filter (exit 2), before connecting', async () => {
    const result = await run(['retry', '--database-url', 'postgres://nobody@127.0.0.1:1/none']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^jobtrail: retry needs at least one filter \(--status, --type, .*\); without one it would retry every job\.\n$/);
  });

  it('--metadata alone is a filter, and the message without one names it', async () => {
    const result = await run(['retry', '--database-url', 'postgres://nobody@127.0.0.1:1/none', '--json']);
    expect(result.stderr).toContain('--parent-id, --metadata, --since, --until');
    const type = uniqueType('retry.metadata');
    const job = await failedJob(db.tracker, type, codedError('HTTP 503', 'http_503'), { metadata: { batch: type } });
    const byMetadata = await run(['retry', ...db.flags, '--metadata', JSON.stringify({ batch: type }), '--json']);
    expect(byMetadata.json()).toMatchObject({ matched: 1, changed: 1 });
    expect((await db.tracker.get(job.id))?.status).toBe('queued');
  });

  // new Date() would roll these over (2026-02-30 to 2026-03-02) and act on other days' jobs.
  it('refuses --since or --until of a day or time that does not exist (exit 2), before connecting', async () => {
    for (const [flag, when] of [['--since', '2026-02-30'], ['--since', '2026-04-31'], ['--until', '2026-11-30T24:00:00Z'], ['--until', '2025-02-29'], ['--since', '2026-13-01']]) {
      const result = await run(['retry', '--database-url', 'postgres://nobody@127.0.0.1:1/none', '--status', 'failed', flag!, when!, '--dry-run']);
      expect(result.code, `${flag} ${when}`).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(new RegExp(`^jobtrail: ${flag} is not a valid date-time: .*; got "${when}"\\.\\n$`));
    }
  });
});

describe('cancel', () => {
  it('--dry-run changes nothing; the real run cancels the unfinished jobs the filter matches', async () => {
    const type = uniqueType('cancel.mail');
    const queued = await db.tracker.enqueue(type, {}, { group: 'g1' });
    const running = await db.tracker.enqueue(type, {}, { group: 'g1' });
    await db.tracker.start(running.id);
    const done = await completedJob(db.tracker, type);
    const elsewhere = await db.tracker.enqueue(type, {}, { group: 'g2' });
    const args = ['cancel', ...db.flags, '--type', type, '--status', 'queued,running,completed', '--group', 'g1'];

    const dry = await run([...args, '--dry-run', '--json']);
    expect(dry.json()).toMatchObject({ dryRun: true, matched: 2, wouldChange: 2 });
    expect((await db.tracker.get(queued.id))?.status).toBe('queued');

    const real = await run([...args, '--json']);
    expect(real.json()).toMatchObject({ dryRun: false, matched: 2, changed: 2 });
    expect((await db.tracker.get(queued.id))?.status).toBe('cancelled');
    expect((await db.tracker.get(running.id))?.status).toBe('cancelled');
    expect((await db.tracker.get(done.id))?.status).toBe('completed');
    expect((await db.tracker.get(elsewhere.id))?.status).toBe('queued');

    const text = await run(['cancel', ...db.flags, '--type', type, '--group', 'g2']);
    expect(text).toMatchObject({ code: 0, stdout: 'Cancelled 1 of 1 matching job.\n' });
  });

  it('refuses to run without a filter (exit 2)', async () => {
    const result = await run(['cancel', ...db.flags, '--json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/cancel needs at least one filter/);
  });
});

describe('schedules', () => {
  it('lists the schedules with their timing and pause', async () => {
    const empty = await run(['schedules', ...db.flags, '--tenant-id', 'no-such-tenant', '--json']);
    expect(empty).toMatchObject({ code: 0 });
    expect(empty.json()).toEqual({ schedules: [] });

    await db.tracker.schedule('cli.nightly', { type: 'report', cron: '0 2 * * *', timezone: 'Europe/Berlin' });
    await db.tracker.schedule('cli.sync', { type: 'orders.sync', every: '5m' });
    await db.tracker.pauseSchedule('cli.sync');

    const json = await run(['schedules', ...db.flags, '--json']);
    expect(json.code).toBe(0);
    const { schedules } = json.json<{ schedules: { name: string; paused: boolean; cron: string | null; every: number | null }[] }>();
    expect(schedules.map((schedule) => schedule.name)).toEqual(['cli.nightly', 'cli.sync']);
    expect(schedules[0]).toMatchObject({ cron: '0 2 * * *', paused: false });
    expect(schedules[1]).toMatchObject({ every: 300_000, paused: true });

    const text = await run(['schedules', ...db.flags]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/cli\.nightly.*0 2 \* \* \* \(Europe\/Berlin\).*active/);
    expect(text.stdout).toMatch(/cli\.sync.*every 5m.*paused/);
  });
});

describe('types', () => {
  it('lists job types with their limits, pause and counts', async () => {
    const type = uniqueType('types.mail');
    await db.tracker.enqueue(type, {});
    await db.tracker.setTypeLimits(type, { maxRunning: 5, rateLimit: { limit: 100, intervalMs: 60_000, perGroup: true } });
    await db.tracker.pauseType(type);

    const json = await run(['types', ...db.flags, '--json']);
    expect(json.code).toBe(0);
    const info = json.json<{ types: { type: string }[] }>().types.find((entry) => entry.type === type);
    expect(info).toMatchObject({ type, paused: true, limits: { maxRunning: 5, rateLimit: { limit: 100, intervalMs: 60_000, perGroup: true } }, counts: { total: 1 } });

    const text = await run(['types', ...db.flags]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`${type.replace(/\./g, '\\.')}.*paused.*5.*100 per 1m per group.*1`));
  });
});
