import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import type { FlowStore, TypeControl } from '../store/flow-store.js';
import type { ClaimRequest, JobStore, StoreWakeEvent } from '../store/job-store.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, expectJobtrailError, type StoreContractOptions } from './store-contract-options.js';

type FlowControlled = JobStore & FlowStore;

/** A complete type control record for store tests; override any field. */
export function makeTypeControl(overrides: Partial<TypeControl> = {}): TypeControl {
  return {
    type: uniqueName('flow.type'),
    maxRunning: null,
    maxRunningPerGroup: null,
    rateLimit: null,
    paused: false,
    version: Date.now(),
    updatedAt: new Date(),
    ...overrides,
  };
}

/**
 * Flow control (`FlowStore`): type control records kept as given with compare-and-set, and the
 * claim honouring them in the same atomic step that leases jobs, for any number of racing
 * claimers: pause, `maxRunning`, `maxRunningPerGroup`, sliding-window rate limits (per type and
 * per group), round-robin between groups, jobs' `group`; and through the tracker: limits set,
 * paused and listed, bad input refused, `waitingFor` told. A store without flow-control methods
 * fails it: every store jobtrail ships has them.
 */
export function flowControlSuite(options: StoreContractOptions): void {
  describeWithStore('flow-control', options, (getStore) => {
    const store = (): FlowControlled => {
      const current = getStore();
      expect(typeof current.putTypeControl, 'the store implements FlowStore').toBe('function');
      return current as FlowControlled;
    };

    function request(now: number, limits: Record<string, number>, limit = 100, owner = uniqueName('worker')): ClaimRequest {
      return { owner, now: at(now), leaseExpiresAt: at(now, 60_000), limits, limit };
    }

    async function control(type: string, fields: Partial<TypeControl>): Promise<void> {
      const current = await store().getTypeControl(type);
      const written = await store().putTypeControl(
        makeTypeControl({ ...(current ?? {}), type, ...fields, version: (current?.version ?? Date.now()) + 1 }),
        current?.version ?? null,
      );
      expect(written).toEqual({ ok: true });
    }

    async function enqueue(type: string, count: number, fields: Partial<Job> = {}, base = Date.now()): Promise<Job[]> {
      const jobs: Job[] = [];
      for (let i = 0; i < count; i++) {
        const job = makeJob({ type, runAt: at(base, -60_000 + i), ...fields });
        await store().insert(job);
        jobs.push(job);
      }
      return jobs;
    }

    async function finish(job: Job, now: number): Promise<void> {
      const done = await store().transition(job.id, { status: 'running' }, { status: 'completed', lease: null, finishedAt: at(now), updatedAt: at(now) });
      expect(done.ok).toBe(true);
    }

    it('keeps a record exactly as given, with compare-and-set on its version', async () => {
      const record = makeTypeControl({ maxRunning: 3, maxRunningPerGroup: 1, rateLimit: { limit: 10, intervalMs: 1000, perGroup: true }, version: 1_700_000_000_000 });
      expect(await store().getTypeControl(record.type)).toBeNull();
      expect(await store().putTypeControl(record, null)).toEqual({ ok: true });
      expect(await store().getTypeControl(record.type)).toEqual(record);

      const again = await store().putTypeControl({ ...record, maxRunning: 5 }, null);
      expect(again).toEqual({ ok: false, current: record });
      const stale = await store().putTypeControl({ ...record, maxRunning: 5, version: record.version + 1 }, record.version - 1);
      expect(stale).toEqual({ ok: false, current: record });

      const next: TypeControl = { ...record, maxRunning: null, rateLimit: null, paused: true, version: record.version + 1, updatedAt: new Date() };
      expect(await store().putTypeControl(next, record.version)).toEqual({ ok: true });
      expect(await store().getTypeControl(record.type)).toEqual(next);
      const missing = await store().putTypeControl(makeTypeControl(), 5);
      expect(missing).toEqual({ ok: false, current: null });
    });

    it('lists every record in code point order', async () => {
      const prefix = uniqueName('flow.list');
      const names = [`${prefix}.b`, `${prefix}.B`, `${prefix}.a`, `${prefix}.ä`];
      for (const type of names) await control(type, { maxRunning: 2 });
      const listed = (await store().listTypeControls()).map((record) => record.type).filter((type) => type.startsWith(prefix));
      expect(listed).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });

    it("keeps a job's group, and filters by it", async () => {
      const type = uniqueName('flow.group');
      const [grouped] = await enqueue(type, 1, { group: 'acct-1' });
      const [plain] = await enqueue(type, 1);
      expect(await store().get(grouped!.id)).toMatchObject({ group: 'acct-1' });
      expect(await store().get(plain!.id)).toMatchObject({ group: null });
      const inGroup = await store().query({ type: [type], group: 'acct-1', limit: 10 });
      expect(inGroup.jobs.map((job) => job.id)).toEqual([grouped!.id]);
      const noGroup = await store().query({ type: [type], group: null, limit: 10 });
      expect(noGroup.jobs.map((job) => job.id)).toEqual([plain!.id]);
      expect(await store().count({ type: [type], group: 'acct-1' })).toEqual([{ type, status: 'queued', count: 1 }]);
      const [claimed] = await store().claim(request(Date.now(), { [type]: 1 }, 1));
      expect(claimed?.group).toBe('acct-1');
    });

    it('claims nothing of a paused type, and claims it again once resumed', async () => {
      const now = Date.now();
      const paused = uniqueName('flow.paused');
      const free = uniqueName('flow.free');
      await enqueue(paused, 2);
      await enqueue(free, 2);
      await control(paused, { paused: true });
      const claimed = await store().claim(request(now, { [paused]: 5, [free]: 5 }));
      expect(claimed.map((job) => job.type)).toEqual([free, free]);
      await control(paused, { paused: false });
      expect(await store().claim(request(now, { [paused]: 5 }))).toHaveLength(2);
    });

    it('maxRunning caps the running jobs of the type, counting those already running', async () => {
      const now = Date.now();
      const type = uniqueName('flow.max');
      await store().insert(makeJob({ type, status: 'running', attempt: 1, lease: { owner: 'other', expiresAt: at(now, 60_000) }, startedAt: at(now) }));
      await enqueue(type, 5);
      await control(type, { maxRunning: 3 });
      const first = await store().claim(request(now, { [type]: 10 }));
      expect(first).toHaveLength(2);
      expect(await store().claim(request(now, { [type]: 10 }))).toEqual([]);
      await finish(first[0]!, now);
      const second = await store().claim(request(now, { [type]: 10 }));
      expect(second).toHaveLength(1);
      // Raised at run time: the next claim takes what the new limit frees.
      await control(type, { maxRunning: 4 });
      expect(await store().claim(request(now, { [type]: 10 }))).toHaveLength(1);
      // Cleared: the rest is claimed as without limits.
      await control(type, { maxRunning: null });
      expect(await store().claim(request(now, { [type]: 10 }))).toHaveLength(1);
    });

    it('maxRunningPerGroup caps each group; jobs without a group form one', async () => {
      const now = Date.now();
      const type = uniqueName('flow.pergroup');
      for (const group of ['g1', 'g2', 'g3']) await enqueue(type, 3, { group });
      await enqueue(type, 2);
      await control(type, { maxRunningPerGroup: 1 });
      const claimed = await store().claim(request(now, { [type]: 20 }));
      expect(claimed.map((job) => job.group).sort()).toEqual(['g1', 'g2', 'g3', null].sort());
      expect(await store().claim(request(now, { [type]: 20 }))).toEqual([]);
      await finish(claimed.find((job) => job.group === 'g2')!, now);
      expect((await store().claim(request(now, { [type]: 20 }))).map((job) => job.group)).toEqual(['g2']);
    });

    it('serves groups round-robin: a busy group does not starve the others', async () => {
      const base = Date.now();
      const type = uniqueName('flow.fair');
      // Group a's ten jobs are all older (and so first in claim order) than b's and c's.
      await enqueue(type, 10, { group: 'a' }, base - 10_000);
      await enqueue(type, 2, { group: 'b' }, base);
      await enqueue(type, 2, { group: 'c' }, base);
      await control(type, { maxRunning: 100 });
      const order: (string | null)[] = [];
      for (let step = 0; step < 8; step++) {
        const claimed = await store().claim(request(base + step * 10, { [type]: 1 }, 1));
        order.push(claimed[0]?.group ?? 'none');
      }
      // Never started groups first (in claim order), then the group whose latest start is oldest.
      expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'a']);
    });

    it('round-robin orders the starts of one claim too: groups started together are not tied', async () => {
      const base = Date.now();
      const type = uniqueName('flow.turns');
      for (const [index, group] of ['a', 'b', 'c', 'd', 'e'].entries()) await enqueue(type, 3, { group }, base - 50_000 + index * 1000);
      await control(type, { maxRunning: 100 });
      // A claim's jobs may come back in any order: compare the groups each claim served.
      const groupsOf = async (step: number) => (await store().claim(request(base + step * 10, { [type]: 4 }, 4))).map((job) => job.group).sort();
      expect(await groupsOf(0)).toEqual(['a', 'b', 'c', 'd']);
      expect(await groupsOf(1)).toEqual(['a', 'b', 'c', 'e']);
      // d started before e, a, b and c; e, first in the second claim, before a, b and c.
      expect(await groupsOf(2)).toEqual(['a', 'b', 'd', 'e']);
    });

    it('rate limit: at most `limit` starts in any window of intervalMs, a sliding window', async () => {
      const base = Date.now() - 100_000;
      const type = uniqueName('flow.rate');
      await enqueue(type, 20, {}, base);
      await control(type, { rateLimit: { limit: 3, intervalMs: 1000, perGroup: false } });
      expect(await store().claim(request(base, { [type]: 10 }))).toHaveLength(3);
      expect(await store().claim(request(base + 500, { [type]: 10 }))).toEqual([]);
      expect(await store().claim(request(base + 999, { [type]: 10 }))).toEqual([]);
      expect(await store().countStarts(type, at(base - 1))).toBe(3);
      expect(await store().countStarts(type, at(base))).toBe(0);
      // The window (base, base + 1000] no longer holds the three starts at base.
      expect(await store().claim(request(base + 1000, { [type]: 10 }))).toHaveLength(3);
      // (base + 500, base + 1500] holds those three: never a burst of 2 × limit around an edge.
      expect(await store().claim(request(base + 1500, { [type]: 10 }))).toEqual([]);
    });

    it('rate limit per group counts each group on its own', async () => {
      const base = Date.now() - 50_000;
      const type = uniqueName('flow.rategroup');
      await enqueue(type, 4, { group: 'x' }, base);
      await enqueue(type, 4, { group: 'y' }, base);
      await control(type, { rateLimit: { limit: 2, intervalMs: 10_000, perGroup: true } });
      const claimed = await store().claim(request(base, { [type]: 10 }));
      expect(claimed.map((job) => job.group).sort()).toEqual(['x', 'x', 'y', 'y']);
      expect(await store().claim(request(base + 5_000, { [type]: 10 }))).toEqual([]);
      expect(await store().countStarts(type, at(base - 1), 'x')).toBe(2);
      expect(await store().countStarts(type, at(base - 1), null)).toBe(0);
      expect(await store().countStarts(type, at(base - 1))).toBe(4);
    });

    it('racing claimers never exceed maxRunning, maxRunningPerGroup or the rate limit', async () => {
      const now = Date.now();
      const capped = uniqueName('flow.race.max');
      const grouped = uniqueName('flow.race.group');
      const rated = uniqueName('flow.race.rate');
      await enqueue(capped, 30);
      for (const group of ['p', 'q', 'r']) await enqueue(grouped, 6, { group });
      await enqueue(rated, 30);
      await control(capped, { maxRunning: 4 });
      await control(grouped, { maxRunningPerGroup: 2 });
      await control(rated, { rateLimit: { limit: 7, intervalMs: 60_000, perGroup: false } });
      const claims = await Promise.all(
        Array.from({ length: 16 }, () => store().claim(request(now, { [capped]: 3, [grouped]: 3, [rated]: 3 }, 9))),
      );
      const claimed = claims.flat();
      expect(new Set(claimed.map((job) => job.id)).size).toBe(claimed.length);
      expect(claimed.filter((job) => job.type === capped)).toHaveLength(4);
      const perGroup = new Map<string | null, number>();
      for (const job of claimed.filter((job) => job.type === grouped)) perGroup.set(job.group, (perGroup.get(job.group) ?? 0) + 1);
      expect([...perGroup.entries()].sort()).toEqual([
        ['p', 2],
        ['q', 2],
        ['r', 2],
      ]);
      expect(claimed.filter((job) => job.type === rated)).toHaveLength(7);
    });

    it('claimers that see different due jobs (their clocks differ) still never exceed maxRunning', async () => {
      // One claimer's `now` is earlier and sees only the older job; the other's sees a later job
      // of higher priority first: each plans a different job, so only the limit (not a race for
      // the same row) can keep the second out.
      const now = Date.now();
      const types = Array.from({ length: 8 }, () => uniqueName('flow.disjoint'));
      for (const type of types) {
        await store().insert(makeJob({ type, runAt: at(now, -1000) }));
        await store().insert(makeJob({ type, priority: 10, runAt: at(now, 500) }));
        await control(type, { maxRunning: 1 });
      }
      const claims = await Promise.all(
        types.flatMap((type) => [store().claim(request(now, { [type]: 1 }, 1)), store().claim(request(now + 1000, { [type]: 1 }, 1))]),
      );
      for (const type of types) expect(claims.flat().filter((job) => job.type === type)).toHaveLength(1);
    });

    it('a type whose record sets no limit and no pause is claimed as without one', async () => {
      const now = Date.now();
      const type = uniqueName('flow.empty');
      await enqueue(type, 4);
      await control(type, {});
      expect(await store().claim(request(now, { [type]: 10 }, 3))).toHaveLength(3);
    });

    it('publishes a wake-up for the type when its record is written', async () => {
      const target = store();
      if (typeof target.subscribe !== 'function') return;
      const type = uniqueName('flow.wake');
      const events: StoreWakeEvent[] = [];
      const unsubscribe = target.subscribe((event) => events.push(event));
      try {
        await control(type, { paused: true });
        await control(type, { paused: false });
        await expect.poll(() => events.some((event) => event.type === type), { timeout: 10_000 }).toBe(true);
      } finally {
        unsubscribe();
      }
    });

    it('refuses malformed records and arguments', async () => {
      const bad: [string, Partial<TypeControl> | Record<string, unknown>][] = [
        ['maxRunning', { maxRunning: 0 }],
        ['maxRunning', { maxRunning: -1 }],
        ['maxRunningPerGroup', { maxRunningPerGroup: 1.5 }],
        ['rateLimit.limit', { rateLimit: { limit: Number.NaN, intervalMs: 1000, perGroup: false } }],
        ['rateLimit.intervalMs', { rateLimit: { limit: 1, intervalMs: 10, perGroup: false } }],
        ['paused', { paused: 'yes' }],
        ['type', { type: '' }],
      ];
      for (const [field, fields] of bad) {
        await expect(store().putTypeControl({ ...makeTypeControl(), ...fields } as TypeControl, null)).rejects.toMatchObject({ code: 'invalid_input', field });
      }
      await expectJobtrailError(() => store().countStarts('', new Date()), 'invalid_input');
      await expectJobtrailError(() => store().countStarts('t', new Date(Number.NaN)), 'invalid_input');
      await expectJobtrailError(() => store().getTypeControl(42 as unknown as string), 'invalid_input');
    });

    trackerFlowTests(store);
  });
}

/** The same, through the tracker: the commands, declared limits, `waitingFor`, bad input. */
function trackerFlowTests(store: () => FlowControlled): void {
  const trackers: Tracker[] = [];
  function tracker(types?: Parameters<typeof createTracker>[0]['types']): Tracker {
    const made = createTracker({ store: store(), recoverIntervalMs: false, ...(types === undefined ? {} : { types }) });
    trackers.push(made);
    return made;
  }

  it('sets, pauses, resumes and lists types through the tracker', async () => {
    const jobs = tracker();
    const type = uniqueName('flow.tracker');
    await jobs.enqueue(type, { n: 1 });
    const set = await jobs.setTypeLimits(type, { maxRunning: 2, rateLimit: { limit: 5, intervalMs: 60_000 } });
    expect(set).toMatchObject({ type, limits: { maxRunning: 2, maxRunningPerGroup: null, rateLimit: { limit: 5, intervalMs: 60_000, perGroup: false } }, paused: false });
    expect(set.counts.byStatus.queued).toBe(1);
    expect(await jobs.pauseType(type)).toMatchObject({ paused: true, limits: { maxRunning: 2 } });
    // Limits replace limits; the pause stays.
    expect(await jobs.setTypeLimits(type, { maxRunningPerGroup: 1 })).toMatchObject({ paused: true, limits: { maxRunning: null, maxRunningPerGroup: 1, rateLimit: null } });
    const listed = (await jobs.listTypes()).find((info) => info.type === type);
    expect(listed).toMatchObject({ type, paused: true, counts: { total: 1 } });
    expect(await jobs.resumeType(type)).toMatchObject({ paused: false });
    expect(await jobs.getType(uniqueName('flow.never'))).toMatchObject({ paused: false, limits: { maxRunning: null }, counts: { total: 0 }, updatedAt: null });
    for (const made of trackers) await made.close();
  });

  it('refuses bad limits with invalid_input naming the field', async () => {
    const jobs = tracker();
    const type = uniqueName('flow.bad');
    const bad: [unknown, string][] = [
      [{ maxRunning: -1 }, 'maxRunning'],
      [{ maxRunning: 0 }, 'maxRunning'],
      [{ maxRunning: Number.NaN }, 'maxRunning'],
      [{ maxRunning: '3' }, 'maxRunning'],
      [{ maxRunningPerGroup: 0 }, 'maxRunningPerGroup'],
      [{ rateLimit: { limit: 0, intervalMs: 1000 } }, 'rateLimit.limit'],
      [{ rateLimit: { limit: '10', intervalMs: 1000 } }, 'rateLimit.limit'],
      [{ rateLimit: { limit: 10, intervalMs: -1 } }, 'rateLimit.intervalMs'],
      [{ maxRuning: 2 }, 'maxRuning'],
      [null, 'limits'],
    ];
    for (const [limits, field] of bad) {
      await expect(jobs.setTypeLimits(type, limits as never)).rejects.toMatchObject({ code: 'invalid_input', field });
    }
    await expect(jobs.setTypeLimits('', { maxRunning: 1 })).rejects.toMatchObject({ code: 'invalid_input', field: 'type' });
    await expect(jobs.enqueue(type, {}, { group: '' })).rejects.toMatchObject({ code: 'invalid_input', field: 'group' });
    await expect(jobs.enqueue(type, {}, { group: 7 as never })).rejects.toMatchObject({ code: 'invalid_input', field: 'group' });
    expect(() => createTracker({ store: store(), types: { [type]: { maxRunning: 0 } } })).toThrow(
      expect.objectContaining({ code: 'invalid_input', field: `types.${type}.maxRunning` }),
    );
    // Nothing was stored by any refused call.
    expect(await store().getTypeControl(type)).toBeNull();
    await jobs.close();
  });

  it('stores the limits declared in createTracker({ types }), keeping a pause', async () => {
    const type = uniqueName('flow.declared');
    const first = tracker();
    await first.pauseType(type);
    const declaring = tracker({ [type]: { maxRunning: 3, maxAttempts: 2 } });
    await declaring.limitsReady();
    expect(await store().getTypeControl(type)).toMatchObject({ maxRunning: 3, paused: true });
    // Declaring the same again writes nothing.
    const version = (await store().getTypeControl(type))!.version;
    await tracker({ [type]: { maxRunning: 3 } }).limitsReady();
    expect((await store().getTypeControl(type))!.version).toBe(version);
    // Options without limits leave the stored ones alone.
    await tracker({ [type]: { maxAttempts: 5 } }).limitsReady();
    expect((await store().getTypeControl(type))!.maxRunning).toBe(3);
    for (const made of trackers) await made.close();
  });

  it("tells why a due job waits: paused, maxRunning, group, rateLimit; nothing when nothing holds it", async () => {
    const jobs = tracker();
    const type = uniqueName('flow.waiting');
    const now = Date.now();
    const running = makeJob({ type, group: 'g', status: 'running', attempt: 1, lease: { owner: 'w', expiresAt: at(now, 60_000) }, startedAt: at(now) });
    await store().insert(running);
    const waiting = await jobs.enqueue(type, {}, { group: 'g' });
    const other = await jobs.enqueue(type, {}, { group: 'h' });
    const later = await jobs.enqueue(type, {}, { delayMs: 3_600_000 });
    expect((await jobs.get(waiting.id))?.waitingFor).toBeUndefined();
    await jobs.setTypeLimits(type, { maxRunningPerGroup: 1 });
    expect((await jobs.get(waiting.id))?.waitingFor).toBe('group');
    expect((await jobs.get(other.id))?.waitingFor).toBeUndefined();
    await jobs.setTypeLimits(type, { maxRunning: 1 });
    expect((await jobs.get(other.id))?.waitingFor).toBe('maxRunning');
    await jobs.pauseType(type);
    expect((await jobs.get(other.id))?.waitingFor).toBe('paused');
    // Not due: nothing holds it but its time.
    expect((await jobs.get(later.id))?.waitingFor).toBeUndefined();
    expect((await jobs.get(running.id))?.waitingFor).toBeUndefined();
    await jobs.resumeType(type);
    const rated = uniqueName('flow.waiting.rate');
    await jobs.setTypeLimits(rated, { rateLimit: { limit: 1, intervalMs: 3_600_000 } });
    const [a, b] = [await jobs.enqueue(rated, {}), await jobs.enqueue(rated, {})];
    // A second ahead: the tracker's clock (the store's, measured) may run a little ahead of this one.
    const claimed = await store().claim(request(Date.now() + 1000, { [rated]: 5 }));
    expect(claimed.map((job) => job.id)).toEqual([a.id]);
    expect((await jobs.get(b.id))?.waitingFor).toBe('rateLimit');
    for (const made of trackers) await made.close();
  });

  function request(now: number, limits: Record<string, number>, limit = 100): ClaimRequest {
    return { owner: uniqueName('worker'), now: at(now), leaseExpiresAt: at(now, 60_000), limits, limit };
  }
}
