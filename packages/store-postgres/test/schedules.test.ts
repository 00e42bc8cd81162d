import { guardStore, type JobStore, type ScheduleRecord } from '@jobtrail/core/store';
import { expectJobtrailError, makeJob, uniqueName } from '@jobtrail/core/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { connectionString, createTestStore, type TestStore } from './support/test-database.js';
import { makeSchedule } from './support/schedules.js';

let db: TestStore;
/** The store as core calls it (input checked, closed refused). */
let guarded: Required<Pick<JobStore, 'insertSchedule' | 'getSchedule' | 'listSchedules' | 'dueSchedules' | 'nextScheduleRunAt' | 'updateSchedule' | 'deleteSchedule'>> & JobStore;
/** Stores on DataSources of their own: stand-ins for other processes. */
const others: Array<{ dataSource: DataSource; store: PostgresJobStore }> = [];

beforeAll(async () => {
  db = await createTestStore('schedules');
  guarded = guardStore(db.store) as typeof guarded;
  for (let i = 0; i < 3; i++) {
    const dataSource = await new DataSource({ type: 'postgres', url: connectionString(), schema: db.schema, poolSize: 2 }).initialize();
    others.push({ dataSource, store: new PostgresJobStore({ dataSource }) });
  }
});

afterAll(async () => {
  for (const other of others) {
    await other.store.close();
    await other.dataSource.destroy();
  }
  await db.drop();
});

/** Resolves once `predicate` holds, checking every 20 ms (generous: a busy machine must not fail it). */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 25_000; waited += 20) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `base` moved by `offsetMs`. */
function at(base: Date, offsetMs: number): Date {
  return new Date(base.getTime() + offsetMs);
}

describe('insertSchedule and getSchedule', () => {
  it('stores a schedule as given and reads it back equal, every field included', async () => {
    const base = new Date('2026-03-01T00:00:00.123Z');
    const cron = makeSchedule({
      tenantId: uniqueName('tenant'),
      cron: '0 6 * * 1-5',
      timezone: 'Europe/Berlin',
      everyMs: null,
      startAt: at(base, 1),
      endAt: at(base, 366 * 86_400_000),
      anchorAt: base,
      overlap: 'allow',
      catchUp: 'all',
      maxCatchUp: 1000,
      enabled: false,
      paused: true,
      nextRunAt: at(base, 3_600_000),
      lastRunAt: at(base, -3_600_000),
      lastJobId: makeJob().id,
      pendingTicks: [at(base, -7_200_000), at(base, -3_600_000)],
      payload: ['a', 1, null, { nested: { deep: true } }],
      metadata: { team: 'data', tags: ['x'] },
    });
    expect(await guarded.insertSchedule(cron)).toEqual({ ok: true, schedule: cron });
    expect(await guarded.getSchedule(cron.name)).toEqual(cron);

    // The longest interval (366 days) needs more than 32 bits; scalar and null payloads.
    for (const extra of [
      makeSchedule({ everyMs: 366 * 86_400_000 }),
      makeSchedule({ payload: null, metadata: {} }),
      makeSchedule({ payload: 'text' }),
      makeSchedule({ nextRunAt: null }),
    ]) {
      expect(await guarded.insertSchedule(extra)).toEqual({ ok: true, schedule: extra });
      expect(await guarded.getSchedule(extra.name)).toEqual(extra);
    }
  });

  it('answers fresh objects: changing an answer changes nothing stored', async () => {
    const schedule = makeSchedule();
    const inserted = await guarded.insertSchedule(schedule);
    if (!inserted.ok) throw new Error('not inserted');
    inserted.schedule.pendingTicks.push(new Date());
    (inserted.schedule.metadata as Record<string, unknown>)['changed'] = true;
    expect(await guarded.getSchedule(schedule.name)).toEqual(schedule);
  });

  it('stores a payload left undefined as null', async () => {
    const schedule = makeSchedule({ payload: undefined });
    expect(await guarded.insertSchedule(schedule)).toMatchObject({ ok: true, schedule: { payload: null } });
    expect((await guarded.getSchedule(schedule.name))?.payload).toBeNull();
  });

  it('answers null for a name it does not hold', async () => {
    expect(await guarded.getSchedule(uniqueName('missing'))).toBeNull();
  });

  it('answers exists with the current schedule for a taken name, whatever the tenant, and writes nothing', async () => {
    const first = makeSchedule({ tenantId: 'tenant-a' });
    await guarded.insertSchedule(first);
    const again = makeSchedule({ name: first.name, tenantId: 'tenant-b', type: 'other.type', version: 1 });
    expect(await guarded.insertSchedule(again)).toEqual({ ok: false, reason: 'exists', current: first });
    expect(await guarded.getSchedule(first.name)).toEqual(first);
  });

  it('lets exactly one of concurrent inserts of one name from several processes write', async () => {
    const name = uniqueName('race');
    const contenders = [db.store, ...others.map((other) => other.store)].flatMap((store, index) =>
      [0, 1].map((round) => ({ store, record: makeSchedule({ name, type: `writer.${index}.${round}` }) })),
    );
    const results = await Promise.all(contenders.map(({ store, record }) => store.insertSchedule(record)));
    const winners = results.filter((result) => result.ok);
    expect(winners).toHaveLength(1);
    const stored = await guarded.getSchedule(name);
    expect(winners[0]).toEqual({ ok: true, schedule: stored });
    for (const result of results.filter((result) => !result.ok)) expect(result).toEqual({ ok: false, reason: 'exists', current: stored });
  });

  it('keeps names apart by every character: case, accents and code point order', async () => {
    const prefix = uniqueName('chars');
    const names = [`${prefix}.a`, `${prefix}.A`, `${prefix}.á`, `${prefix}.a `];
    for (const name of names) expect((await guarded.insertSchedule(makeSchedule({ name }))).ok).toBe(true);
    for (const name of names) expect((await guarded.getSchedule(name))?.name).toBe(name);
  });
});

describe('updateSchedule', () => {
  it('applies the patch and sets version to expected + 1; undefined leaves a field, null clears it', async () => {
    const schedule = makeSchedule({ lastJobId: makeJob().id, lastRunAt: new Date('2026-01-01T00:00:00.000Z') });
    await guarded.insertSchedule(schedule);
    const updatedAt = new Date(schedule.updatedAt.getTime() + 1000);
    const nextRunAt = new Date('2026-06-01T12:00:00.000Z');
    const result = await guarded.updateSchedule(schedule.name, 1, {
      updatedAt,
      nextRunAt,
      lastJobId: null,
      pendingTicks: [new Date('2026-05-31T12:00:00.000Z')],
      payload: { report: 'weekly' },
      metadata: undefined,
      paused: true,
    });
    const expected: ScheduleRecord = {
      ...schedule,
      updatedAt,
      nextRunAt,
      lastJobId: null,
      pendingTicks: [new Date('2026-05-31T12:00:00.000Z')],
      payload: { report: 'weekly' },
      paused: true,
      version: 2,
    };
    expect(result).toEqual({ ok: true, schedule: expected });
    expect(await guarded.getSchedule(schedule.name)).toEqual(expected);

    // Every field a patch may set, from a cron schedule to an every one and back to nulls.
    const all = await guarded.updateSchedule(schedule.name, 2, {
      type: 'reports.other',
      payload: null,
      metadata: { owner: 'ops' },
      tenantId: 'tenant-z',
      cron: '*/5 * * * *',
      timezone: 'UTC',
      everyMs: null,
      startAt: new Date('2026-01-01T00:00:00.000Z'),
      endAt: new Date('2027-01-01T00:00:00.000Z'),
      anchorAt: new Date('2026-02-01T00:00:00.000Z'),
      overlap: 'allow',
      catchUp: 'none',
      maxCatchUp: 7,
      enabled: false,
      paused: false,
      nextRunAt: null,
      lastRunAt: null,
      lastJobId: null,
      pendingTicks: [],
      updatedAt: new Date(updatedAt.getTime() + 1000),
    });
    expect(all).toMatchObject({
      ok: true,
      schedule: {
        name: schedule.name,
        type: 'reports.other',
        payload: null,
        metadata: { owner: 'ops' },
        tenantId: 'tenant-z',
        cron: '*/5 * * * *',
        timezone: 'UTC',
        everyMs: null,
        overlap: 'allow',
        catchUp: 'none',
        maxCatchUp: 7,
        enabled: false,
        paused: false,
        nextRunAt: null,
        lastRunAt: null,
        pendingTicks: [],
        version: 3,
        createdAt: schedule.createdAt,
      },
    });
    expect(await guarded.getSchedule(schedule.name)).toEqual(all.ok ? all.schedule : null);
  });

  it('answers conflict with the current schedule for another version, and writes nothing', async () => {
    const schedule = makeSchedule();
    await guarded.insertSchedule(schedule);
    const first = await guarded.updateSchedule(schedule.name, 1, { updatedAt: new Date(), paused: true });
    expect(first.ok).toBe(true);
    for (const stale of [1, 3, 99]) {
      const lost = await guarded.updateSchedule(schedule.name, stale, { updatedAt: new Date(), type: 'never.written' });
      expect(lost).toEqual({ ok: false, reason: 'conflict', current: first.ok ? first.schedule : null });
    }
    expect((await guarded.getSchedule(schedule.name))?.type).toBe(schedule.type);
  });

  it('answers not_found for a name it does not hold', async () => {
    expect(await guarded.updateSchedule(uniqueName('missing'), 1, { updatedAt: new Date() })).toEqual({ ok: false, reason: 'not_found' });
  });

  it('lets exactly one of concurrent updates from one version write, across processes', async () => {
    const schedule = makeSchedule();
    await guarded.insertSchedule(schedule);
    const stores = [db.store, ...others.map((other) => other.store)];
    const results = await Promise.all(
      stores.flatMap((store, index) =>
        [0, 1].map((round) => store.updateSchedule(schedule.name, 1, { updatedAt: new Date(), type: `writer.${index}.${round}` })),
      ),
    );
    const winners = results.filter((result) => result.ok);
    expect(winners).toHaveLength(1);
    const stored = await guarded.getSchedule(schedule.name);
    expect(stored?.version).toBe(2);
    expect(winners[0]).toEqual({ ok: true, schedule: stored });
    for (const result of results.filter((result) => !result.ok)) expect(result).toEqual({ ok: false, reason: 'conflict', current: stored });
  });

  it('counts versions beyond 32 bits', async () => {
    const schedule = makeSchedule({ version: 2 ** 31 - 1 });
    await guarded.insertSchedule(schedule);
    const result = await guarded.updateSchedule(schedule.name, 2 ** 31 - 1, { updatedAt: new Date() });
    expect(result).toMatchObject({ ok: true, schedule: { version: 2 ** 31 } });
    expect((await guarded.getSchedule(schedule.name))?.version).toBe(2 ** 31);
  });
});

describe('deleteSchedule', () => {
  it('answers whether the schedule existed; the jobs it fired stay', async () => {
    const schedule = makeSchedule();
    await guarded.insertSchedule(schedule);
    const job = makeJob({ scheduleName: schedule.name, scheduledFor: new Date('2026-01-01T06:00:00.000Z') });
    await guarded.insert(job);
    expect(await guarded.deleteSchedule(schedule.name)).toBe(true);
    expect(await guarded.getSchedule(schedule.name)).toBeNull();
    expect(await guarded.deleteSchedule(schedule.name)).toBe(false);
    expect(await guarded.get(job.id)).toEqual(job);
    // The name is free again: a new schedule starts from version 1.
    expect(await guarded.insertSchedule({ ...schedule, type: 'again' })).toMatchObject({ ok: true, schedule: { type: 'again', version: 1 } });
  });
});

describe('listSchedules', () => {
  it('pages by name in code point order, after a name (exclusive), within a tenant or none', async () => {
    const prefix = uniqueName('list');
    const tenant = uniqueName('tenant');
    // Code point order: upper case before lower case, accented letters after both (a locale's
    // collation would put "a" before "B").
    const records = [
      makeSchedule({ name: `${prefix}.B`, tenantId: tenant }),
      makeSchedule({ name: `${prefix}.a`, tenantId: tenant }),
      makeSchedule({ name: `${prefix}.b`, tenantId: null }),
      makeSchedule({ name: `${prefix}.é`, tenantId: tenant }),
      makeSchedule({ name: `${prefix}.z`, tenantId: 'other-tenant' }),
    ];
    for (const record of [...records].reverse()) await guarded.insertSchedule(record);
    const byName = (...suffixes: string[]) => suffixes.map((suffix) => records.find((record) => record.name === `${prefix}.${suffix}`));

    const ofTenant = await guarded.listSchedules({ tenantId: tenant, limit: 10 });
    expect(ofTenant).toEqual(byName('B', 'a', 'é'));
    const firstPage = await guarded.listSchedules({ tenantId: tenant, limit: 2 });
    expect(firstPage).toEqual(byName('B', 'a'));
    expect(await guarded.listSchedules({ tenantId: tenant, after: firstPage[1]!.name, limit: 2 })).toEqual(byName('é'));
    expect(await guarded.listSchedules({ tenantId: tenant, after: `${prefix}.é`, limit: 2 })).toEqual([]);

    // Without a tenant filter: every schedule, in name order, from a name on.
    expect(await guarded.listSchedules({ after: `${prefix}.`, limit: 5 })).toEqual(byName('B', 'a', 'b', 'z', 'é'));
    expect(await guarded.listSchedules({ after: `${prefix}.a`, limit: 2 })).toEqual(byName('b', 'z'));

    // null: the schedules without a tenant only.
    const unscoped = await guarded.listSchedules({ tenantId: null, after: `${prefix}.`, limit: 1000 });
    expect(unscoped.every((record) => record.tenantId === null)).toBe(true);
    expect(unscoped.filter((record) => record.name.startsWith(prefix))).toEqual(byName('b'));
  });

  it('answers a full listing in name order, page after page', async () => {
    const names: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await guarded.listSchedules({ limit: 7, ...(after === undefined ? {} : { after }) });
      names.push(...page.map((record) => record.name));
      if (page.length < 7) break;
      after = page[page.length - 1]!.name;
    }
    // Code point order is the order of the names' UTF-8 bytes.
    const sorted = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(names).toEqual(sorted);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('dueSchedules and nextScheduleRunAt', () => {
  /** A store of its own: these answers span every schedule of the table. */
  let own: TestStore;
  let store: typeof guarded;

  beforeAll(async () => {
    own = await createTestStore('schedules_due');
    store = guardStore(own.store) as typeof guarded;
  });

  afterAll(async () => {
    await own.drop();
  });

  it('answers pending ticks whatever the state, then the enabled, unpaused and due, by next run then name', async () => {
    const now = new Date('2026-04-01T12:00:00.000Z');
    const tick = [new Date('2026-04-01T11:00:00.000Z')];
    const schedules = [
      // Due: enabled, unpaused, nextRunAt <= now.
      makeSchedule({ name: 'due-30', nextRunAt: at(now, -30_000) }),
      makeSchedule({ name: 'due-20-b', nextRunAt: at(now, -20_000) }),
      makeSchedule({ name: 'due-20-a', nextRunAt: at(now, -20_000) }),
      makeSchedule({ name: 'due-now', nextRunAt: now }),
      // Pending ticks, whatever their state: disabled, paused, no next run, not due yet.
      makeSchedule({ name: 'pending-disabled', enabled: false, nextRunAt: at(now, -25_000), pendingTicks: tick }),
      makeSchedule({ name: 'pending-paused', paused: true, nextRunAt: at(now, 3_600_000), pendingTicks: tick }),
      makeSchedule({ name: 'pending-no-next', nextRunAt: null, pendingTicks: tick }),
      makeSchedule({ name: 'pending-due', nextRunAt: at(now, -20_000), pendingTicks: tick }),
      // Not due: later, disabled, paused, without a next run.
      makeSchedule({ name: 'later', nextRunAt: at(now, 1) }),
      makeSchedule({ name: 'disabled', enabled: false, nextRunAt: at(now, -60_000) }),
      makeSchedule({ name: 'paused', paused: true, nextRunAt: at(now, -60_000) }),
      makeSchedule({ name: 'no-next', nextRunAt: null }),
    ];
    for (const schedule of schedules) await store.insertSchedule(schedule);
    const names = async (limit: number) => (await store.dueSchedules(now, limit)).map((schedule) => schedule.name);
    const order = ['pending-no-next', 'due-30', 'pending-disabled', 'due-20-a', 'due-20-b', 'pending-due', 'due-now', 'pending-paused'];
    expect(await names(1000)).toEqual(order);
    // The limit cuts the merged order, not each kind.
    for (const limit of [1, 2, 4, 6]) expect(await names(limit)).toEqual(order.slice(0, limit));
    expect(await store.dueSchedules(now, 1)).toEqual([schedules[6]]);

    // nextScheduleRunAt: over the enabled, unpaused schedules only (disabled and paused ones
    // are earlier, and do not count), pending ticks or not.
    expect(await store.nextScheduleRunAt()).toEqual(at(now, -30_000));
    await store.deleteSchedule('due-30');
    expect(await store.nextScheduleRunAt()).toEqual(at(now, -20_000));

    // Clearing the pending ticks takes a schedule out unless it is due by its next run.
    for (const name of ['pending-disabled', 'pending-paused', 'pending-no-next', 'pending-due']) {
      const current = (await store.getSchedule(name))!;
      expect(await store.updateSchedule(name, current.version, { pendingTicks: [], updatedAt: now })).toMatchObject({ ok: true });
    }
    expect(await names(1000)).toEqual(['due-20-a', 'due-20-b', 'pending-due', 'due-now']);
  });

  it('answers null for the next run when no enabled, unpaused schedule has one', async () => {
    const empty = await createTestStore('schedules_next');
    try {
      const guardedEmpty = guardStore(empty.store) as typeof guarded;
      expect(await guardedEmpty.nextScheduleRunAt()).toBeNull();
      await guardedEmpty.insertSchedule(makeSchedule({ enabled: false }));
      await guardedEmpty.insertSchedule(makeSchedule({ paused: true }));
      await guardedEmpty.insertSchedule(makeSchedule({ nextRunAt: null, pendingTicks: [new Date()] }));
      expect(await guardedEmpty.nextScheduleRunAt()).toBeNull();
      expect(await guardedEmpty.dueSchedules(new Date(), 10)).toHaveLength(1);
    } finally {
      await empty.drop();
    }
  });
});

describe("jobs' scheduleName and scheduledFor", () => {
  it('are stored and answered by every operation that answers a job', async () => {
    const type = uniqueName('scheduled.job');
    const scheduledFor = new Date('2026-05-04T06:00:00.000Z');
    const job = makeJob({ type, scheduleName: 'nightly-report', scheduledFor, payload: { big: 'x'.repeat(100) } });
    expect(await guarded.insert(job)).toEqual({ job, created: true });
    expect(await guarded.get(job.id)).toEqual(job);
    expect(await guarded.get(job.id, { read: { payload: 'omit' } })).toMatchObject({ scheduleName: 'nightly-report', scheduledFor });
    expect(await guarded.get(job.id, { read: { payload: { maxBytes: 10 } }, scope: { tenantId: null } })).toMatchObject({ scheduleName: 'nightly-report', scheduledFor });
    const page = await guarded.query({ type: [type], limit: 10, read: { payload: 'omit', result: 'omit', metadata: 'omit' } });
    expect(page.jobs).toEqual([expect.objectContaining({ id: job.id, scheduleName: 'nightly-report', scheduledFor })]);

    const now = new Date();
    const [claimed] = await guarded.claim({ owner: 'w1', limits: { [type]: 1 }, limit: 1, now, leaseExpiresAt: at(now, 1) });
    expect(claimed).toMatchObject({ id: job.id, scheduleName: 'nightly-report', scheduledFor });
    const [expired] = await guarded.findExpired(at(now, 10_000), 1000).then((jobs) => jobs.filter((found) => found.id === job.id));
    expect(expired).toMatchObject({ scheduleName: 'nightly-report', scheduledFor });
    const done = await guarded.transition(job.id, { status: 'running', leaseOwner: 'w1' }, { status: 'completed', lease: null, finishedAt: now, updatedAt: now });
    expect(done).toMatchObject({ ok: true, job: { status: 'completed', scheduleName: 'nightly-report', scheduledFor } });
    const lost = await guarded.transition(job.id, { status: 'running' }, { status: 'failed', updatedAt: now });
    expect(lost).toMatchObject({ ok: false, reason: 'conflict', current: { scheduleName: 'nightly-report', scheduledFor } });
  });

  it('answer the holder of a deduped key with its own schedule fields, and inserts in a transaction too', async () => {
    const type = uniqueName('scheduled.keyed');
    const holder = makeJob({ type, key: 'k', scheduleName: 'hourly', scheduledFor: new Date('2026-05-04T07:00:00.000Z') });
    await guarded.insert(holder);
    expect(await guarded.insert(makeJob({ type, key: 'k' }))).toEqual({ job: holder, created: false });
    const inTransaction = makeJob({ type, scheduleName: 'hourly', scheduledFor: new Date('2026-05-04T08:00:00.000Z') });
    await db.dataSource.transaction(async (manager) => {
      expect(await guarded.insert(inTransaction, { transaction: manager })).toMatchObject({ job: inTransaction, created: true });
    });
    expect(await guarded.get(inTransaction.id)).toEqual(inTransaction);
  });

  it('are null when the job record leaves them undefined', async () => {
    const job = makeJob({ scheduleName: undefined as unknown as null, scheduledFor: undefined as unknown as null });
    await guarded.insert(job);
    expect(await guarded.get(job.id)).toMatchObject({ scheduleName: null, scheduledFor: null });
  });
});

describe('schedule data PostgreSQL cannot hold', () => {
  it('refuses NUL characters and unpaired surrogates with invalid_input, writing nothing', async () => {
    for (const bad of [
      { name: `nul\u0000name` },
      { type: 'bad\u0000type' },
      { tenantId: 'bad\u0000tenant' },
      { cron: '0 \u0000 * * *', timezone: 'UTC', everyMs: null },
      { payload: { text: 'a\u0000b' } },
      { metadata: { 'a\u0000b': 1 } },
      { payload: { text: 'bad \uD800 surrogate' } },
      { name: 'bad \uDC00 surrogate' },
    ]) {
      const schedule = makeSchedule(bad);
      await expectJobtrailError(() => guarded.insertSchedule(schedule), 'invalid_input');
    }
    const schedule = makeSchedule();
    await guarded.insertSchedule(schedule);
    await expectJobtrailError(() => guarded.updateSchedule(schedule.name, 1, { updatedAt: new Date(), payload: 'a\u0000b' }), 'invalid_input');
    await expectJobtrailError(() => guarded.updateSchedule(schedule.name, 1, { updatedAt: new Date(), timezone: 'bad\uD800' }), 'invalid_input');
    expect(await guarded.getSchedule(schedule.name)).toEqual(schedule);
    // Plain text parameters: refused, never sent (node-postgres would turn a surrogate into U+FFFD).
    for (const name of ['a\u0000b', 'a\uD800b']) {
      await expectJobtrailError(() => guarded.getSchedule(name), 'invalid_input');
      await expectJobtrailError(() => guarded.deleteSchedule(name), 'invalid_input');
      await expectJobtrailError(() => guarded.updateSchedule(name, 1, { updatedAt: new Date() }), 'invalid_input');
      await expectJobtrailError(() => guarded.listSchedules({ after: name, limit: 1 }), 'invalid_input');
      await expectJobtrailError(() => guarded.listSchedules({ tenantId: name, limit: 1 }), 'invalid_input');
    }
  });

  it('refuses a type or tenant its jobs could never carry, naming the field', async () => {
    const long = 'x'.repeat(1001);
    for (const field of ['type', 'tenantId'] as const) {
      const schedule = makeSchedule({ [field]: long });
      await expectJobtrailError(() => guarded.insertSchedule(schedule), 'invalid_input');
      await expect(guarded.insertSchedule(schedule)).rejects.toThrow(field);
      expect(await guarded.getSchedule(schedule.name)).toBeNull();
    }
  });

  it('keeps its own checks when called without guardStore: the policy check, integer columns', async () => {
    for (const bad of [{ overlap: 'queue' as never }, { catchUp: 'some' as never }, { maxCatchUp: 1.5 }]) {
      const schedule = makeSchedule(bad);
      await expectJobtrailError(() => db.store.insertSchedule(schedule), 'invalid_input');
      expect(await db.store.getSchedule(schedule.name)).toBeNull();
    }
  });

  it('refuses values JSON cannot carry, naming the field', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    await expect(guarded.insertSchedule(makeSchedule({ payload: { n: 10n } }))).rejects.toThrow(/payload/);
    await expectJobtrailError(() => guarded.insertSchedule(makeSchedule({ metadata: cyclic })), 'invalid_input');
    await expect(guarded.insertSchedule(makeSchedule({ metadata: cyclic }))).rejects.toThrow(/metadata/);
  });
});

describe('schedule wake-ups', () => {
  it('reach a subscriber of another store instance with { schedule } for every write, and job wake-ups keep working', async () => {
    const listening = new PostgresJobStore({ dataSource: db.dataSource, fallbackPollMs: 3_600_000 });
    const events: Array<{ type?: string; schedule?: string }> = [];
    const unsubscribe = listening.subscribe((event) => events.push(event));
    const writer = others[0]!.store;
    try {
      await until(() => listening.listener.state === 'listening', 'the listener');
      const schedule = makeSchedule();
      const heard = (name: string) => events.filter((event) => event.schedule === name).length;

      await writer.insertSchedule(schedule);
      await until(() => heard(schedule.name) === 1, 'the insert');
      await writer.updateSchedule(schedule.name, 1, { updatedAt: new Date(), paused: true });
      await until(() => heard(schedule.name) === 2, 'the update');
      // Writes that write nothing notify nobody; notifications arrive in commit order, so once a
      // later write is heard, the refused ones never will be.
      await writer.insertSchedule(schedule);
      await writer.updateSchedule(schedule.name, 1, { updatedAt: new Date() });
      await writer.deleteSchedule(uniqueName('missing'));
      await writer.deleteSchedule(schedule.name);
      await until(() => heard(schedule.name) === 3, 'the delete');

      // Job wake-ups are unchanged: a job type, never mistaken for a schedule.
      const type = uniqueName('notify.job');
      await writer.insert(makeJob({ type }));
      await until(() => events.some((event) => event.type === type), 'the job wake-up');
      expect(events.filter((event) => event.schedule !== undefined).every((event) => event.type === undefined)).toBe(true);
      expect(events.filter((event) => event.type === type)).toEqual([{ type }]);
      expect(heard(schedule.name)).toBe(3);
    } finally {
      unsubscribe();
      await listening.close();
    }
  });

  it("wake the writing store's own subscribers at once, also without LISTEN", async () => {
    const store = new PostgresJobStore({ dataSource: db.dataSource, listen: false, fallbackPollMs: 3_600_000 });
    const events: Array<{ type?: string; schedule?: string }> = [];
    const unsubscribe = store.subscribe((event) => events.push(event));
    try {
      const schedule = makeSchedule();
      await store.insertSchedule(schedule);
      expect(events).toEqual([{ schedule: schedule.name }]);
      await store.updateSchedule(schedule.name, 1, { updatedAt: new Date() });
      await store.updateSchedule(schedule.name, 1, { updatedAt: new Date() });
      await store.deleteSchedule(schedule.name);
      await store.deleteSchedule(schedule.name);
      expect(events).toEqual([{ schedule: schedule.name }, { schedule: schedule.name }, { schedule: schedule.name }]);
    } finally {
      unsubscribe();
      await store.close();
    }
  });
});

describe('a closed store', () => {
  it('refuses every schedule call (through guardStore)', async () => {
    const store = guardStore(new PostgresJobStore({ dataSource: db.dataSource })) as typeof guarded;
    await store.close();
    await expectJobtrailError(() => store.insertSchedule(makeSchedule()), 'store_error');
    await expectJobtrailError(() => store.getSchedule('x'), 'store_error');
    await expectJobtrailError(() => store.listSchedules({ limit: 1 }), 'store_error');
    await expectJobtrailError(() => store.dueSchedules(new Date(), 1), 'store_error');
    await expectJobtrailError(() => store.nextScheduleRunAt(), 'store_error');
    await expectJobtrailError(() => store.updateSchedule('x', 1, { updatedAt: new Date() }), 'store_error');
    await expectJobtrailError(() => store.deleteSchedule('x'), 'store_error');
  });
});
