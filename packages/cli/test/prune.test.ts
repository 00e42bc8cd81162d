import type { Job } from '@jobtrail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codedError, completedJob, createCliDatabase, failedJob, run, type CliDatabase } from './support/cli-database.js';

const DAY = 86_400_000;
let db: CliDatabase;

beforeAll(async () => {
  db = await createCliDatabase('cli_prune');
});

afterAll(async () => {
  await db?.drop();
});

describe('prune', () => {
  it('--dry-run counts per status what the cut-offs would delete and deletes nothing; the real run deletes exactly those', async () => {
    const tenDaysAgo = db.trackerInThePast(10 * DAY);
    const fortyDaysAgo = db.trackerInThePast(40 * DAY);
    const oldCompleted = await completedJob(tenDaysAgo, 'prune.report');
    const recentCompleted = await completedJob(db.tracker, 'prune.report');
    const tenDayFailure = await failedJob(tenDaysAgo, 'prune.report', codedError('HTTP 503', 'http_503'));
    const oldFailure = await failedJob(fortyDaysAgo, 'prune.report', codedError('HTTP 503', 'http_503'));
    const oldCancelled = await fortyDaysAgo.enqueue('prune.report', {});
    await fortyDaysAgo.cancel(oldCancelled.id);
    const stillQueued = await fortyDaysAgo.enqueue('prune.report', {});
    const args = ['prune', ...db.flags, '--completed', '7d', '--failed', '30d'];

    const dry = await run([...args, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(dry.json()).toMatchObject({ dryRun: true, olderThan: { completed: '7d', failed: '30d' }, wouldDelete: { completed: 1, failed: 1 }, total: 1 + 1 });
    const dryText = await run([...args, '--dry-run']);
    expect(dryText.stdout).toMatch(/^Dry run: would delete 2 jobs\. Nothing was deleted\.\n/);
    expect(dryText.stdout).toMatch(/completed.*7d.*1/);
    expect((await db.tracker.stats()).total).toBe(6);

    const real = await run([...args, '--json']);
    expect(real.code).toBe(0);
    expect(real.json()).toEqual({ dryRun: false, olderThan: { completed: '7d', failed: '30d' }, deleted: 2 });
    const left = (await db.tracker.list({ limit: 100 })).jobs.map((job: Job) => job.id).sort();
    expect(left).toEqual([recentCompleted.id, tenDayFailure.id, oldCancelled.id, stillQueued.id].sort());
    expect(left).not.toContain(oldCompleted.id);
    expect(left).not.toContain(oldFailure.id);

    // Nothing old enough is left: a success that deleted nothing.
    const again = await run(args);
    expect(again).toMatchObject({ code: 0, stdout: 'Deleted 0 jobs.\n' });
  });

  it('needs at least one cut-off and refuses a bad duration (exit 2)', async () => {
    const none = await run(['prune', ...db.flags]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^jobtrail: prune needs at least one cut-off: --completed <age>, --failed <age>/);
    for (const age of ['1x', '7', '7D', '-7d', '']) {
      const bad = await run(['prune', ...db.flags, '--completed', age]);
      expect(bad.code, age).toBe(2);
      expect(bad.stderr).toContain(`jobtrail: --completed must be a number and a unit`);
    }
    expect((await db.tracker.stats()).total).toBeGreaterThan(0);
  });

  it('refuses an age reaching back before year 0001, naming the flag given, with and without --dry-run (exit 2)', async () => {
    const before = (await db.tracker.stats()).total;
    for (const [flag, age] of [['--completed', '100000000d'], ['--failed', '106000w'], ['--cancelled', '9007199254740991ms']] as const) {
      for (const dryRun of [['--dry-run'], []]) {
        const result = await run(['prune', ...db.flags, '--skipped', '7d', flag, age, ...dryRun]);
        expect(result.code, `${flag} ${age} ${dryRun.join('')}`).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe(`jobtrail: ${flag}: "${age}" reaches back before 0001-01-01T00:00:00Z, the earliest date a store holds; give a shorter age.\n`);
      }
    }
    // 2000 years is a cut-off that exists: accepted.
    const long = await run(['prune', ...db.flags, '--completed', '104000w', '--dry-run', '--json']);
    expect(long.code).toBe(0);
    expect((await db.tracker.stats()).total).toBe(before);
  });
});
