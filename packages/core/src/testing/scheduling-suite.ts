import { expect, it } from 'vitest';
import { JobValidationError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import { scheduleJobId } from '../schedule/schedule-job-id.js';
import type { JobStore } from '../store/job-store.js';
import type { ScheduleStore } from '../store/schedule-store.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import { systemClock, type Clock } from '../util/clock.js';
import { uniqueName } from './make-job.js';
import { describeWithStore, expectJobtrailError, queryAll, type StoreContractOptions } from './store-contract-options.js';

/** A clock a test sets by hand (timers run in real time: the trackers here start none that matter). */
interface HandClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

function handClock(start: number): HandClock {
  let now = start;
  return {
    now: () => now,
    setTimeout: systemClock.setTimeout,
    clearTimeout: systemClock.clearTimeout,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/**
 * Each test fires schedules at its own hand-set time in the 1980s, so a pass fires only that
 * test's schedules (and leftovers of the same test in an interrupted earlier run), never the
 * real-time ones of other tests or suites. Never run the contract suite against a database that
 * holds real schedules.
 */
let nextWindow = Date.UTC(1981, 0, 1) + Math.floor(Math.random() * 1000) * 86_400_000;
function freshWindow(): number {
  nextWindow += 7 * 86_400_000;
  return nextWindow;
}

/**
 * Recurring schedules through the tracker, on the store under test: declaring (idempotent, checked,
 * tenant-safe), pausing and listing; and firing, as every worker's scheduler does, with each tick
 * exactly once however many trackers fire at the same time, ticks of a process that died half-way
 * finished by the next pass, overlap, catch-up after downtime, and bounds.
 */
export function schedulingSuite(options: StoreContractOptions): void {
  describeWithStore('scheduling through the tracker', options, (store) => {
    const trackers: Tracker[] = [];
    function trackerAt(clock: Clock): Tracker {
      const tracker = createTracker({ store: store(), clock, recoverIntervalMs: false });
      trackers.push(tracker);
      return tracker;
    }
    const schedules = (): JobStore & ScheduleStore => store() as JobStore & ScheduleStore;

    async function jobsOf(type: string): Promise<Job[]> {
      return (await queryAll(store(), { type: [type] })).sort((a, b) => a.scheduledFor!.getTime() - b.scheduledFor!.getTime());
    }

    /** Runs `body` with a fresh name and type, then deletes the schedule whatever happens. */
    async function withSchedule(body: (name: string, type: string) => Promise<void>): Promise<void> {
      const name = uniqueName('sched');
      const type = uniqueName('sched.type');
      try {
        await body(name, type);
      } finally {
        await schedules().deleteSchedule(name);
        for (const tracker of trackers.splice(0)) await tracker.close();
      }
    }

    it('declares a schedule once: an unchanged declaration writes nothing, a change of timing starts afresh', async () => {
      await withSchedule(async (name, type) => {
        const base = freshWindow();
        const clock = handClock(base);
        const tracker = trackerAt(clock);
        const created = await tracker.schedule(name, { type, every: '1m', payload: { batch: 10 } });
        expect(created).toMatchObject({ name, type, every: 60_000, cron: null, overlap: 'skip', catchUp: 'latest', paused: false });
        expect(created.nextRunAt).toEqual(new Date(base));
        const first = (await schedules().getSchedule(name))!.version;
        clock.advance(30_000);
        await tracker.schedule(name, { type, every: '1m', payload: { batch: 10 } });
        expect((await schedules().getSchedule(name))?.version).toBe(first);
        await tracker.schedule(name, { type, every: 60_000, payload: { batch: 20 } });
        const payloadChanged = await schedules().getSchedule(name);
        expect(payloadChanged).toMatchObject({ version: first + 1, payload: { batch: 20 }, nextRunAt: new Date(base) });
        const retimed = await tracker.schedule(name, { type, every: '2m', payload: { batch: 20 } });
        expect(retimed.nextRunAt).toEqual(new Date(base + 30_000));
        expect(retimed.every).toBe(120_000);
      });
    });

    it("writes nothing when declared again with a payload's Dates, undefined properties or the zone spelled otherwise", async () => {
      await withSchedule(async (name, type) => {
        const tracker = trackerAt(handClock(freshWindow()));
        const payload = { at: new Date(Date.UTC(2026, 0, 1)), skipped: undefined, nested: { b: 1, a: [1, { z: null }] } };
        await tracker.schedule(name, { type, cron: '0 2 * * *', timezone: 'europe/berlin', payload, metadata: { k: undefined } });
        const first = (await schedules().getSchedule(name))!;
        expect(first.timezone).toBe('Europe/Berlin');
        await tracker.schedule(name, { type, cron: ' 0  2 * * *\t', timezone: 'Europe/Berlin', payload: { nested: { a: [1, { z: null }], b: 1 }, at: new Date(Date.UTC(2026, 0, 1)) }, metadata: {} });
        expect((await schedules().getSchedule(name))?.version).toBe(first.version);
      });
    });

    it('refuses bad specs naming the field, and stores nothing', async () => {
      await withSchedule(async (name, type) => {
        const tracker = trackerAt(handClock(freshWindow()));
        const cases: [unknown, string][] = [
          [{ type, cron: 'not a cron' }, 'cron'],
          [{ type, cron: '0 2 * * *', timezone: 'Mars/Olympus_Mons' }, 'timezone'],
          [{ type, cron: '0 2 * * *', every: '1m' }, 'every'],
          [{ type, every: 0 }, 'every'],
          [{ type, every: '1m', startAt: new Date('2026-02-01'), endAt: new Date('2026-01-01') }, 'endAt'],
          [{ type, every: '1m', catchUp: 'all', overlap: 'skip' }, 'overlap'],
          [{ every: '1m' }, 'type'],
          [{ type, every: '1m', colour: 'red' }, 'colour'],
          [{ type, every: '1m', endAt: new Date(Date.UTC(1980, 0, 1)) }, 'endAt'],
          [{ type, cron: '0 2 * * *', startAt: new Date(Date.UTC(1979, 0, 1)), endAt: new Date(Date.UTC(1980, 0, 1)) }, 'endAt'],
        ];
        for (const [spec, field] of cases) {
          const error = await tracker.schedule(name, spec as never).then(
            () => null,
            (caught: unknown) => caught,
          );
          expect(JobValidationError.isInstance(error), `${JSON.stringify(spec)} is refused`).toBe(true);
          expect((error as JobValidationError).field).toBe(field);
        }
        expect(await tracker.getSchedule(name)).toBeNull();
        // A getter answering a valid type when checked and another when stored is read once.
        let reads = 0;
        const shifty = { every: '1m', get type() {
          reads++;
          return reads === 1 ? type : 'x\u0000y';
        } };
        const stored = await tracker.schedule(name, shifty as never);
        expect(stored.type).toBe(type);
        expect(reads).toBe(1);
      });
    });

    it("refuses to take over another tenant's schedule name, and scopes reads and commands by tenant", async () => {
      await withSchedule(async (name, type) => {
        const tracker = trackerAt(handClock(freshWindow()));
        await tracker.schedule(name, { type, every: '1h', tenantId: 'tenant-a' });
        await expect(tracker.schedule(name, { type, every: '1h', tenantId: 'tenant-b' })).rejects.toMatchObject({ code: 'invalid_input', field: 'tenantId' });
        expect(await tracker.getSchedule(name, { tenantId: 'tenant-b' })).toBeNull();
        expect(await tracker.getSchedule(name, { tenantId: 'tenant-a' })).toMatchObject({ name, tenantId: 'tenant-a' });
        await expectJobtrailError(() => tracker.pauseSchedule(name, { tenantId: 'tenant-b' }), 'schedule_not_found');
        // A misspelt scope key is refused, never read as "any tenant".
        await expectJobtrailError(() => tracker.unschedule(name, { tenantid: 'tenant-b' } as never), 'invalid_input');
        await expectJobtrailError(() => tracker.listSchedules({ tenant: 'tenant-b' } as never), 'invalid_input');
        expect(await tracker.getSchedule(name)).not.toBeNull();
        expect(await tracker.unschedule(name, { tenantId: 'tenant-b' })).toBe(false);
        const page = await tracker.listSchedules({ tenantId: 'tenant-a', after: name.slice(0, -1), limit: 1000 });
        expect(page.schedules.map((s) => s.name)).toContain(name);
        expect((await tracker.listSchedules({ tenantId: 'tenant-b', after: name.slice(0, -1) })).schedules.map((s) => s.name)).not.toContain(name);
        expect(await tracker.unschedule(name, { tenantId: 'tenant-a' })).toBe(true);
        expect(await tracker.getSchedule(name)).toBeNull();
      });
    });

    it('fires each tick exactly once however many trackers fire at the same time', async () => {
      await withSchedule(async (name, type) => {
        const base = freshWindow();
        const clock = handClock(base);
        const firers = Array.from({ length: 4 }, () => trackerAt(clock));
        await firers[0]!.schedule(name, { type, every: '1s', payload: { n: 1 }, metadata: { via: 'schedule' }, tenantId: 'tenant-t', catchUp: 'all' });
        for (let second = 0; second < 10; second++) {
          const passes = await Promise.all(firers.map((tracker) => tracker.fireDueSchedules()));
          expect(passes.reduce((sum, pass) => sum + pass.failed, 0)).toBe(0);
          clock.advance(1000);
        }
        const jobs = await jobsOf(type);
        expect(jobs.map((job) => job.scheduledFor!.getTime())).toEqual(Array.from({ length: 10 }, (_, i) => base + i * 1000));
        for (const job of jobs) {
          expect(job).toMatchObject({ scheduleName: name, type, payload: { n: 1 }, metadata: { via: 'schedule' }, tenantId: 'tenant-t', status: 'queued' });
          expect(job.id).toBe(scheduleJobId(name, job.scheduledFor!));
        }
        const stored = await firers[0]!.getSchedule(name);
        expect(stored).toMatchObject({ lastRunAt: new Date(base + 9000), lastJobId: jobs[9]!.id, nextRunAt: new Date(base + 10_000) });
        expect((await schedules().getSchedule(name))?.pendingTicks).toEqual([]);
      });
    });

    it('never lets a stale write or delete land on a schedule declared again under the same name', async () => {
      await withSchedule(async (name, type) => {
        const base = freshWindow();
        const clock = handClock(base);
        const tracker = trackerAt(clock);
        await tracker.schedule(name, { type, every: '1m', tenantId: 'tenant-a' });
        const stale = (await schedules().getSchedule(name))!;
        expect(await tracker.unschedule(name)).toBe(true);
        clock.advance(1);
        await tracker.schedule(name, { type, cron: '0 0 * * *', enabled: false, tenantId: 'tenant-b' });
        const fresh = (await schedules().getSchedule(name))!;
        expect(fresh.version).not.toBe(stale.version);
        // What a pass or a command that read the old record before the unschedule would write.
        const update = await schedules().updateSchedule(name, stale.version, { tenantId: 'tenant-a', enabled: true, updatedAt: new Date(base) });
        expect(update).toMatchObject({ ok: false, reason: 'conflict' });
        expect(await schedules().deleteSchedule(name, stale.version)).toBe(false);
        expect(await schedules().getSchedule(name)).toEqual(fresh);
        expect(await schedules().deleteSchedule(name, fresh.version)).toBe(true);
      });
    });

    it('fires many due schedules in one pass and counts each job it created', async () => {
      const base = freshWindow();
      const clock = handClock(base);
      const tracker = trackerAt(clock);
      const type = uniqueName('many');
      const names = Array.from({ length: 25 }, (_, i) => `${uniqueName('many')}.${i}`);
      try {
        for (const name of names) await tracker.schedule(name, { type, every: '1m', payload: { name } });
        const pass = await tracker.fireDueSchedules();
        expect(pass).toMatchObject({ fired: 25, failed: 0, next: new Date(base + 60_000) });
        const jobs = await jobsOf(type);
        expect(jobs.map((job) => job.scheduleName).sort()).toEqual([...names].sort());
        expect(jobs.every((job) => (job.payload as { name: string }).name === job.scheduleName)).toBe(true);
      } finally {
        for (const name of names) await schedules().deleteSchedule(name);
        for (const made of trackers.splice(0)) await made.close();
      }
    });

    it('finishes the firing of a process that died between claiming ticks and inserting their jobs', async () => {
      await withSchedule(async (name, type) => {
        const base = freshWindow();
        const clock = handClock(base);
        const tracker = trackerAt(clock);
        await tracker.schedule(name, { type, every: '1m' });
        await tracker.fireDueSchedules(); // the first tick, at base
        clock.advance(60_000);
        // What a process that died after its claim left behind: the tick claimed, its job missing.
        const record = (await schedules().getSchedule(name))!;
        const tick = new Date(base + 60_000);
        await schedules().updateSchedule(name, record.version, {
          nextRunAt: new Date(base + 120_000),
          lastRunAt: tick,
          lastJobId: scheduleJobId(name, tick),
          pendingTicks: [new Date(base), tick],
          updatedAt: new Date(base),
        });
        // A claim younger than the grace period is a firing under way elsewhere: left alone.
        clock.set(base + 60_000 + 1);
        const fresh = (await schedules().getSchedule(name))!;
        await schedules().updateSchedule(name, fresh.version, { updatedAt: new Date(base + 60_000), pendingTicks: fresh.pendingTicks });
        expect((await tracker.fireDueSchedules()).fired).toBe(0);
        expect((await schedules().getSchedule(name))?.pendingTicks).toHaveLength(2);
        clock.set(base + 60_000 + 5_000);
        const pass = await tracker.fireDueSchedules();
        expect(pass).toMatchObject({ fired: 1, failed: 0 });
        expect((await jobsOf(type)).map((job) => job.scheduledFor!.getTime())).toEqual([base, base + 60_000]);
        expect(await schedules().getSchedule(name)).toMatchObject({ pendingTicks: [], lastRunAt: tick });
        expect((await tracker.fireDueSchedules()).fired).toBe(0);
      });
    });

    it("overlap 'skip' skips ticks while the previous job is unfinished; 'allow' fires them", async () => {
      await withSchedule(async (name, type) => {
        const base = freshWindow();
        const clock = handClock(base);
        const tracker = trackerAt(clock);
        await tracker.schedule(name, { type, every: '1m' });
        await tracker.fireDueSchedules();
        const [first] = await jobsOf(type);
        clock.advance(60_000);
        expect((await tracker.fireDueSchedules()).fired).toBe(0);
        expect(await tracker.getSchedule(name)).toMatchObject({ lastRunAt: new Date(base), lastJobId: first!.id, nextRunAt: new Date(base + 120_000) });
        await tracker.start(first!.id);
        await tracker.complete(first!.id);
        clock.advance(60_000);
        expect((await tracker.fireDueSchedules()).fired).toBe(1);
        expect((await jobsOf(type)).map((job) => job.scheduledFor!.getTime())).toEqual([base, base + 120_000]);

        await tracker.schedule(name, { type, every: '1m', overlap: 'allow' });
        clock.advance(60_000);
        expect((await tracker.fireDueSchedules()).fired).toBe(1);
        expect(await jobsOf(type)).toHaveLength(3);
      });
    });

    it.each([
      ['none', []],
      ['latest', [10]],
      ['all', [2, 4, 6, 8, 10]],
    ] as const)("catches up after an 11-minute gap with catchUp '%s'", async (catchUp, firedMinutes) => {
      await withSchedule(async (name, type) => {
        const base = freshWindow();
        const clock = handClock(base);
        const tracker = trackerAt(clock);
        await tracker.schedule(name, { type, every: '2m', catchUp, overlap: 'allow' });
        await tracker.fireDueSchedules();
        clock.advance(11 * 60_000); // down from base to base + 11 min: ticks at 2, 4, 6, 8, 10 missed
        await tracker.fireDueSchedules();
        const minutes = (await jobsOf(type)).map((job) => (job.scheduledFor!.getTime() - base) / 60_000);
        expect(minutes).toEqual([0, ...firedMinutes]);
        expect((await tracker.getSchedule(name))?.nextRunAt).toEqual(new Date(base + 12 * 60_000));
        clock.advance(60_000);
        await tracker.fireDueSchedules();
        expect((await jobsOf(type)).map((job) => (job.scheduledFor!.getTime() - base) / 60_000)).toEqual([0, ...firedMinutes, 12]);
      });
    });

    it('fires nothing while paused or disabled, and none of the ticks it was paused for', async () => {
      await withSchedule(async (name, type) => {
        const base = freshWindow();
        const clock = handClock(base);
        const tracker = trackerAt(clock);
        await tracker.schedule(name, { type, every: '1m', overlap: 'allow', catchUp: 'latest' });
        await tracker.fireDueSchedules();
        expect(await tracker.pauseSchedule(name)).toMatchObject({ paused: true });
        clock.advance(3 * 60_000);
        expect((await tracker.fireDueSchedules()).fired).toBe(0);
        // A redeploy declaring the schedule again keeps the operator's pause.
        expect(await tracker.schedule(name, { type, every: '1m', overlap: 'allow', catchUp: 'latest' })).toMatchObject({ paused: true });
        clock.advance(30_000);
        expect(await tracker.resumeSchedule(name)).toMatchObject({ paused: false, nextRunAt: new Date(base + 4 * 60_000) });
        expect((await tracker.fireDueSchedules()).fired).toBe(0);
        clock.advance(30_000);
        expect((await tracker.fireDueSchedules()).fired).toBe(1);
        await tracker.schedule(name, { type, every: '1m', overlap: 'allow', enabled: false });
        clock.advance(5 * 60_000);
        expect((await tracker.fireDueSchedules()).fired).toBe(0);
        await tracker.schedule(name, { type, every: '1m', overlap: 'allow' });
        expect((await tracker.fireDueSchedules()).fired).toBe(1);
        expect((await jobsOf(type)).map((job) => (job.scheduledFor!.getTime() - base) / 60_000)).toEqual([0, 4, 9]);
        await expectJobtrailError(() => tracker.pauseSchedule(uniqueName('missing')), 'schedule_not_found');
      });
    });

    it('fires nothing outside startAt and endAt, and has no next run after the end', async () => {
      await withSchedule(async (name, type) => {
        const base = freshWindow();
        const clock = handClock(base);
        const tracker = trackerAt(clock);
        const startAt = new Date(base + 10 * 60_000);
        const endAt = new Date(base + 13 * 60_000);
        const created = await tracker.schedule(name, { type, every: '1m', startAt, endAt, overlap: 'allow', catchUp: 'all' });
        expect(created.nextRunAt).toEqual(startAt);
        expect((await tracker.fireDueSchedules()).fired).toBe(0);
        clock.set(base + 20 * 60_000);
        await tracker.fireDueSchedules();
        expect((await jobsOf(type)).map((job) => (job.scheduledFor!.getTime() - base) / 60_000)).toEqual([10, 11, 12]);
        expect((await tracker.getSchedule(name))?.nextRunAt).toBeNull();
      });
    });

    it('fires cron ticks in the schedule time zone', async () => {
      await withSchedule(async (name, type) => {
        // 1985-03-31: Central Europe moved to summer time at 02:00 local (01:00 UTC).
        const clock = handClock(Date.UTC(1985, 2, 29, 12));
        const tracker = trackerAt(clock);
        await tracker.schedule(name, { type, cron: '30 2 * * *', timezone: 'Europe/Berlin', overlap: 'allow', catchUp: 'all' });
        clock.set(Date.UTC(1985, 3, 2, 12));
        await tracker.fireDueSchedules();
        expect((await jobsOf(type)).map((job) => job.scheduledFor!.toISOString())).toEqual([
          '1985-03-30T01:30:00.000Z', // 02:30 CET
          '1985-03-31T01:00:00.000Z', // 02:30 does not exist: the first instant after the gap, 03:00 CEST
          '1985-04-01T00:30:00.000Z', // 02:30 CEST
          '1985-04-02T00:30:00.000Z',
        ]);
      });
    });
  });
}
