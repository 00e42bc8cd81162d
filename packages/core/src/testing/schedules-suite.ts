import { expect, it } from 'vitest';
import type { JobStore } from '../store/job-store.js';
import type { ScheduleRecord, ScheduleStore } from '../store/schedule-store.js';
import { makeJob, uniqueName } from './make-job.js';
import { describeWithStore, expectJobtrailError, type StoreContractOptions } from './store-contract-options.js';

type SchedulingStore = JobStore & ScheduleStore;

/** A complete schedule record for store tests; override any field. */
export function makeScheduleRecord(overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  const now = new Date();
  return {
    name: uniqueName('schedule'),
    type: uniqueName('scheduled.job'),
    payload: { batch: 50, nested: { list: [1, 'two', null] } },
    metadata: { team: 'ops' },
    tenantId: null,
    cron: null,
    timezone: null,
    everyMs: 60_000,
    startAt: null,
    endAt: null,
    anchorAt: now,
    overlap: 'skip',
    catchUp: 'latest',
    maxCatchUp: 1,
    enabled: true,
    paused: false,
    nextRunAt: new Date(now.getTime() + 60_000),
    lastRunAt: null,
    lastJobId: null,
    pendingTicks: [],
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/**
 * `dueSchedules` and `nextScheduleRunAt` see every schedule in the store, so the tests that read
 * them put their schedules in a window long before any real data (the 1950s), and delete them
 * after. Never run the contract suite against a database that holds real schedules.
 */
const OLD_WINDOW = Date.UTC(1950, 0, 1);

/**
 * The schedule part of the store contract (`ScheduleStore`): records kept as given, insert that
 * never overwrites, compare-and-set on `version`, due selection (pending ticks first whatever the
 * state, then enabled, unpaused and due), paging by name, tenant filters, wake-ups, and jobs'
 * `scheduleName` / `scheduledFor`. A store without schedule methods fails it: every store jobtrail
 * ships keeps schedules.
 */
export function schedulesSuite(options: StoreContractOptions): void {
  describeWithStore('schedules', options, (getStore) => {
    const store = (): SchedulingStore => {
      const current = getStore();
      expect(typeof current.insertSchedule, 'the store implements ScheduleStore').toBe('function');
      return current as SchedulingStore;
    };

    /** Deletes `names` after `body`, whatever happens, so no test leaves a due schedule behind. */
    async function withSchedules(names: string[], body: () => Promise<void>): Promise<void> {
      try {
        await body();
      } finally {
        for (const name of names) await store().deleteSchedule(name);
      }
    }

    it('keeps a record exactly as given and answers it from get, list and update', async () => {
      const record = makeScheduleRecord({
        tenantId: uniqueName('tenant'),
        cron: '0 2 * * *',
        timezone: 'Europe/Berlin',
        everyMs: null,
        startAt: new Date('2026-01-01T00:00:00.000Z'),
        endAt: new Date('2027-01-01T00:00:00.000Z'),
        overlap: 'allow',
        catchUp: 'all',
        maxCatchUp: 250,
        lastRunAt: new Date('2026-03-01T01:00:00.000Z'),
        lastJobId: makeJob().id,
        pendingTicks: [new Date('2026-02-28T01:00:00.000Z'), new Date('2026-03-01T01:00:00.000Z')],
        payload: { deep: { a: [1, 2, { b: 'ü €' }] }, n: 1.5 },
        metadata: {},
      });
      await withSchedules([record.name], async () => {
        const inserted = await store().insertSchedule(record);
        expect(inserted).toEqual({ ok: true, schedule: record });
        expect(await store().getSchedule(record.name)).toEqual(record);
        expect(await store().listSchedules({ tenantId: record.tenantId, limit: 10 })).toEqual([record]);
        const updated = await store().updateSchedule(record.name, 1, { paused: true, updatedAt: record.updatedAt });
        expect(updated).toEqual({ ok: true, schedule: { ...record, paused: true, version: 2 } });
      });
    });

    it('answers null for a schedule that does not exist', async () => {
      expect(await store().getSchedule(uniqueName('missing'))).toBeNull();
      expect(await store().deleteSchedule(uniqueName('missing'))).toBe(false);
      const missing = await store().updateSchedule(uniqueName('missing'), 1, { paused: true, updatedAt: new Date() });
      expect(missing).toEqual({ ok: false, reason: 'not_found' });
    });

    it('never overwrites on insert: a taken name answers exists with the current record, whatever its tenant', async () => {
      const first = makeScheduleRecord({ tenantId: 'tenant-a' });
      await withSchedules([first.name], async () => {
        await store().insertSchedule(first);
        const again = await store().insertSchedule(makeScheduleRecord({ name: first.name, tenantId: 'tenant-b', type: 'other', everyMs: 5_000 }));
        expect(again).toEqual({ ok: false, reason: 'exists', current: first });
        expect(await store().getSchedule(first.name)).toEqual(first);
      });
    });

    it('lets exactly one of many concurrent inserts of one name win', async () => {
      const name = uniqueName('race');
      await withSchedules([name], async () => {
        const contenders = Array.from({ length: 8 }, (_, index) => makeScheduleRecord({ name, type: `type-${index}` }));
        const results = await Promise.all(contenders.map((record) => store().insertSchedule(record)));
        const winners = results.filter((result) => result.ok);
        expect(winners).toHaveLength(1);
        const stored = await store().getSchedule(name);
        expect(stored?.type).toBe(winners[0]!.ok ? winners[0]!.schedule.type : undefined);
        for (const result of results) if (!result.ok) expect(result.current).toEqual(stored);
      });
    });

    it('updates by compare-and-set on version: a stale version writes nothing and answers the current record', async () => {
      const record = makeScheduleRecord();
      await withSchedules([record.name], async () => {
        await store().insertSchedule(record);
        const at = new Date(record.updatedAt.getTime() + 1000);
        const tick = new Date(record.anchorAt.getTime() + 60_000);
        const jobId = makeJob().id;
        const first = await store().updateSchedule(record.name, 1, { lastRunAt: tick, lastJobId: jobId, pendingTicks: [tick], nextRunAt: null, updatedAt: at });
        expect(first).toEqual({
          ok: true,
          schedule: { ...record, lastRunAt: tick, lastJobId: jobId, pendingTicks: [tick], nextRunAt: null, version: 2, updatedAt: at },
        });
        const stale = await store().updateSchedule(record.name, 1, { paused: true, updatedAt: at });
        expect(stale).toEqual({ ok: false, reason: 'conflict', current: first.ok ? first.schedule : null });
        const cleared = await store().updateSchedule(record.name, 2, { pendingTicks: [], lastJobId: null, updatedAt: at });
        expect(cleared.ok && cleared.schedule).toMatchObject({ pendingTicks: [], lastJobId: null, lastRunAt: tick, version: 3 });
      });
    });

    it('updates every spec field, and leaves those a patch does not name', async () => {
      const record = makeScheduleRecord();
      await withSchedules([record.name], async () => {
        await store().insertSchedule(record);
        const at = new Date(record.updatedAt.getTime() + 5);
        const patch = {
          type: 'renamed.type',
          payload: ['a', { b: true }],
          metadata: { owner: 'x' },
          tenantId: 'tenant-x',
          cron: '*/5 * * * *',
          timezone: 'America/New_York',
          everyMs: null,
          startAt: new Date('2030-01-01T00:00:00.000Z'),
          endAt: null,
          anchorAt: at,
          overlap: 'allow' as const,
          catchUp: 'none' as const,
          maxCatchUp: 1,
          enabled: false,
          updatedAt: at,
        };
        const updated = await store().updateSchedule(record.name, 1, patch);
        expect(updated).toEqual({ ok: true, schedule: { ...record, ...patch, version: 2 } });
        expect(await store().getSchedule(record.name)).toEqual({ ...record, ...patch, version: 2 });
      });
    });

    it('lists by name, after a cursor, within a tenant (null: without one)', async () => {
      const tenant = uniqueName('tenant');
      const prefix = uniqueName('list');
      const names = ['c', 'a', 'b', 'e', 'd'].map((suffix) => `${prefix}.${suffix}`);
      const records = names.map((name) => makeScheduleRecord({ name, tenantId: tenant }));
      const untenanted = makeScheduleRecord({ name: `${prefix}.f`, tenantId: null });
      await withSchedules([...names, untenanted.name], async () => {
        for (const record of [...records, untenanted]) await store().insertSchedule(record);
        const sorted = [...names].sort();
        const firstPage = await store().listSchedules({ tenantId: tenant, limit: 2 });
        expect(firstPage.map((r) => r.name)).toEqual(sorted.slice(0, 2));
        const secondPage = await store().listSchedules({ tenantId: tenant, after: sorted[1], limit: 2 });
        expect(secondPage.map((r) => r.name)).toEqual(sorted.slice(2, 4));
        const lastPage = await store().listSchedules({ tenantId: tenant, after: sorted[3], limit: 2 });
        expect(lastPage.map((r) => r.name)).toEqual(sorted.slice(4));
        expect(await store().listSchedules({ tenantId: uniqueName('nobody'), limit: 10 })).toEqual([]);
        const withoutTenant = await store().listSchedules({ tenantId: null, after: `${prefix}.e`, limit: 1000 });
        expect(withoutTenant.map((r) => r.name)).toContain(untenanted.name);
        expect(withoutTenant.every((r) => r.tenantId === null)).toBe(true);
        const any = await store().listSchedules({ after: `${prefix}.d`, limit: 2 });
        expect(any.map((r) => r.name)).toEqual([`${prefix}.e`, `${prefix}.f`]);
      });
    });

    it('orders names by Unicode code point, whatever the database collation', async () => {
      const tenant = uniqueName('tenant');
      const prefix = uniqueName('order');
      // Code point order: '-' (U+2D) < 'B' < '_' < 'a' < U+FFFF < U+10000 (a surrogate pair in UTF-16).
      const suffixes = ['a', '_x', 'B', '-y', '\uFFFF', '\u{10000}'];
      const names = suffixes.map((suffix) => `${prefix}.${suffix}`);
      await withSchedules(names, async () => {
        for (const name of names) await store().insertSchedule(makeScheduleRecord({ name, tenantId: tenant }));
        const listed = await store().listSchedules({ tenantId: tenant, limit: 10 });
        expect(listed.map((r) => r.name.slice(prefix.length + 1))).toEqual(['-y', 'B', '_x', 'a', '\uFFFF', '\u{10000}']);
        const after = await store().listSchedules({ tenantId: tenant, after: `${prefix}.\uFFFF`, limit: 10 });
        expect(after.map((r) => r.name)).toEqual([`${prefix}.\u{10000}`]);
      });
    });

    it('answers due schedules: pending ticks whatever the state, else enabled, unpaused and due; nextRunAt order, then name', async () => {
      const prefix = uniqueName('due');
      const t = (minutes: number) => new Date(OLD_WINDOW + minutes * 60_000);
      const tick = t(1);
      const records = [
        makeScheduleRecord({ name: `${prefix}.b-due`, nextRunAt: t(5) }),
        makeScheduleRecord({ name: `${prefix}.a-due-same-time`, nextRunAt: t(5) }),
        makeScheduleRecord({ name: `${prefix}.c-due-earlier`, nextRunAt: t(2) }),
        makeScheduleRecord({ name: `${prefix}.d-not-yet`, nextRunAt: t(11) }),
        makeScheduleRecord({ name: `${prefix}.e-paused`, nextRunAt: t(1), paused: true }),
        makeScheduleRecord({ name: `${prefix}.f-disabled`, nextRunAt: t(1), enabled: false }),
        makeScheduleRecord({ name: `${prefix}.g-ended`, nextRunAt: null }),
        makeScheduleRecord({ name: `${prefix}.h-pending-paused`, nextRunAt: t(30), paused: true, pendingTicks: [tick] }),
        makeScheduleRecord({ name: `${prefix}.i-pending-ended`, nextRunAt: null, enabled: false, pendingTicks: [tick] }),
        makeScheduleRecord({ name: `${prefix}.j-exactly-now`, nextRunAt: t(10) }),
      ];
      await withSchedules(
        records.map((r) => r.name),
        async () => {
          for (const record of records) await store().insertSchedule(record);
          const due = (await store().dueSchedules(t(10), 1000)).filter((r) => r.name.startsWith(prefix));
          expect(due.map((r) => r.name)).toEqual([
            `${prefix}.i-pending-ended`,
            `${prefix}.c-due-earlier`,
            `${prefix}.a-due-same-time`,
            `${prefix}.b-due`,
            `${prefix}.j-exactly-now`,
            `${prefix}.h-pending-paused`,
          ]);
          expect(due.find((r) => r.name.endsWith('h-pending-paused'))).toEqual(records[7]);
          expect(await store().dueSchedules(t(10), 2)).toHaveLength(2);
        },
      );
    });

    it('answers the earliest nextRunAt of the enabled, unpaused schedules', async () => {
      const prefix = uniqueName('next');
      const early = new Date(OLD_WINDOW - 86_400_000 * 365);
      const records = [
        makeScheduleRecord({ name: `${prefix}.paused`, nextRunAt: new Date(early.getTime() - 2000), paused: true }),
        makeScheduleRecord({ name: `${prefix}.disabled`, nextRunAt: new Date(early.getTime() - 1000), enabled: false }),
        makeScheduleRecord({ name: `${prefix}.active`, nextRunAt: early }),
        makeScheduleRecord({ name: `${prefix}.later`, nextRunAt: new Date(early.getTime() + 1000) }),
      ];
      await withSchedules(
        records.map((r) => r.name),
        async () => {
          for (const record of records) await store().insertSchedule(record);
          expect(await store().nextScheduleRunAt()).toEqual(early);
          await store().deleteSchedule(`${prefix}.active`);
          expect(await store().nextScheduleRunAt()).toEqual(new Date(early.getTime() + 1000));
        },
      );
    });

    it('deletes a schedule once', async () => {
      const record = makeScheduleRecord();
      await store().insertSchedule(record);
      expect(await store().deleteSchedule(record.name)).toBe(true);
      expect(await store().getSchedule(record.name)).toBeNull();
      expect(await store().deleteSchedule(record.name)).toBe(false);
      expect((await store().insertSchedule(record)).ok).toBe(true);
      await store().deleteSchedule(record.name);
    });

    it('wakes subscribers on insert, update and delete with the schedule name', async () => {
      if (typeof getStore().subscribe !== 'function') return;
      const record = makeScheduleRecord();
      const seen: string[] = [];
      const unsubscribe = store().subscribe!((event) => {
        if (event.schedule === record.name) seen.push(event.schedule);
      });
      try {
        const waitFor = async (count: number) => {
          for (let i = 0; i < 400 && seen.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 25));
          expect(seen.length).toBeGreaterThanOrEqual(count);
        };
        await store().insertSchedule(record);
        await waitFor(1);
        await store().updateSchedule(record.name, 1, { paused: true, updatedAt: new Date() });
        await waitFor(2);
        await store().deleteSchedule(record.name);
        await waitFor(3);
      } finally {
        unsubscribe();
        await store().deleteSchedule(record.name);
      }
    });

    it("keeps a job's scheduleName and scheduledFor", async () => {
      const type = uniqueName('scheduled');
      const tick = new Date('2026-03-29T00:00:00.000Z');
      const job = makeJob({ type, scheduleName: 'nightly.report', scheduledFor: tick });
      const plain = makeJob({ type });
      await store().insert(job);
      await store().insert(plain);
      expect(await store().get(job.id)).toMatchObject({ scheduleName: 'nightly.report', scheduledFor: tick });
      expect(await store().get(plain.id)).toMatchObject({ scheduleName: null, scheduledFor: null });
      const read = await store().get(job.id, { read: { payload: 'omit', metadata: 'omit', result: 'omit' } });
      expect(read).toMatchObject({ scheduleName: 'nightly.report', scheduledFor: tick });
      const page = await store().query({ type: [type], limit: 10 });
      expect(page.jobs.map((j) => [j.scheduleName, j.scheduledFor])).toEqual([
        [null, null],
        ['nightly.report', tick],
      ]);
      const [claimed] = await store().claim({ owner: 'w', now: new Date(), leaseExpiresAt: new Date(Date.now() + 60_000), limits: { [type]: 1 }, limit: 1 });
      expect(claimed).toMatchObject({ id: job.id, scheduleName: 'nightly.report', scheduledFor: tick });
    });

    it('refuses malformed records and patches before the store sees them, and stores nothing', async () => {
      const name = uniqueName('bad');
      await expectJobtrailError(() => store().insertSchedule(makeScheduleRecord({ name, cron: '* * * * *' })), 'invalid_input');
      await expectJobtrailError(() => store().insertSchedule(makeScheduleRecord({ name, everyMs: 0 })), 'invalid_input');
      await expectJobtrailError(() => store().insertSchedule(makeScheduleRecord({ name: '' })), 'invalid_input');
      await expectJobtrailError(() => store().insertSchedule(makeScheduleRecord({ name, overlap: 'queue' as never })), 'invalid_input');
      await expectJobtrailError(() => store().insertSchedule(makeScheduleRecord({ name, pendingTicks: [new Date(Number.NaN)] })), 'invalid_input');
      await expectJobtrailError(() => store().insertSchedule(makeScheduleRecord({ name, enabled: undefined as never })), 'invalid_input');
      await expectJobtrailError(() => store().insertSchedule(makeScheduleRecord({ name, nextRunAt: undefined as never })), 'invalid_input');
      expect(await store().getSchedule(name)).toBeNull();
      await expectJobtrailError(() => store().updateSchedule(name, 0, { updatedAt: new Date() }), 'invalid_input');
      await expectJobtrailError(() => store().listSchedules({ limit: 0 }), 'invalid_input');
      await expectJobtrailError(() => store().dueSchedules(new Date(), 1001), 'invalid_input');
    });
  });
}
