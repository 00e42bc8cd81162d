import vm from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { JobValidationError, StoreError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { makeJob } from '../testing/make-job.js';
import { guardStore } from './guarded-store.js';
import { vouchForDrafts } from './vouched-drafts.js';
import type { JobStore } from './job-store.js';
import {
  checkDeltas,
  checkJob,
  checkPatch,
  checkProgressPatch,
} from './store-input.js';
import { at, fieldOf, spyStore } from './store-input.test-support.js';

describe('guardStore', () => {
  it('answers a guarded store itself, and keeps limits and exactly the optional members the store has', () => {
    const memory = new MemoryJobStore();
    const guarded = guardStore(memory);
    expect(guardStore(guarded)).toBe(guarded);
    expect(guardStore(memory)).toBe(guarded);
    expect(guarded).not.toBe(memory);
    expect(typeof guarded.subscribe).toBe('function');
    expect('serverTime' in guarded).toBe(false);
    expect('limits' in guarded).toBe(false);

    const limits = { maxJsonBytes: 10 };
    const bare: JobStore = { ...bareOperations(memory), limits, serverTime: async () => at() };
    const wrapped = guardStore(bare);
    expect(wrapped.limits).toBe(limits);
    expect(typeof wrapped.serverTime).toBe('function');
    expect('subscribe' in wrapped).toBe(false);
    expect(() => guardStore(null as never)).toThrow(JobValidationError);
  });

  it('refuses bad input before the store sees it, and answers "not there" for ids that are no job ids', async () => {
    const { store, calls } = spyStore();
    const guarded = guardStore(store);
    await expect(guarded.insert(makeJob({ id: 'nope' }))).rejects.toBeInstanceOf(JobValidationError);
    await expect(guarded.claim({ owner: 'w', now: at(), leaseExpiresAt: at(1), limits: { a: -1 }, limit: 1 })).rejects.toBeInstanceOf(JobValidationError);
    expect(await guarded.get('42')).toBeNull();
    expect(await guarded.transition('42', {}, { updatedAt: at() })).toEqual({ ok: false, reason: 'not_found' });
    expect(await guarded.updateProgress('42', { updatedAt: at() })).toBe(false);
    expect(await guarded.incrementMetrics('42', { a: 1 }, at())).toBeNull();
    expect(await guarded.heartbeat('w', ['42'], at())).toEqual([]);
    expect(await guarded.findExpired(at(), 0)).toEqual([]);
    expect(calls).toEqual([]);
    const job = makeJob();
    await guarded.insert(job);
    expect(await guarded.heartbeat('w', [job.id, '42'], at())).toEqual([]);
    expect(calls).toEqual(['insert', 'heartbeat']);
  });

  it('skips checking what core vouched for, once: the same object again is checked, and a closed store still refuses', async () => {
    // A record that fails checkJob (status) but that the memory store can keep: it shows which
    // calls were checked. Core only vouches for drafts it built from checked input.
    const { store, calls } = spyStore();
    const guarded = guardStore(store);
    const odd = makeJob({ status: 'bogus' as Job['status'] });
    vouchForDrafts(odd);
    await guarded.insert(odd);
    expect(calls).toEqual(['insert']);
    await expect(guarded.insert(odd)).rejects.toBeInstanceOf(JobValidationError);

    const batch = [makeJob({ status: 'bogus' as Job['status'] })];
    vouchForDrafts(batch);
    // The vouch is for the array core made, not for the jobs in it: a copy is checked.
    await expect(guarded.insertMany!([...batch])).rejects.toBeInstanceOf(JobValidationError);
    await guarded.insertMany!(batch);
    await expect(guarded.insertMany!(batch)).rejects.toBeInstanceOf(JobValidationError);
    expect(calls).toEqual(['insert', 'insertMany']);

    const closing = new MemoryJobStore();
    const closed = guardStore(closing);
    await closing.close();
    const draft = [makeJob()];
    vouchForDrafts(draft);
    await expect(closed.insertMany!(draft)).rejects.toBeInstanceOf(StoreError);
  });

  it('turns unknown errors into StoreError naming the operation, and lets jobtrail errors through', async () => {
    const memory = new MemoryJobStore({ name: 'failing' });
    const cause = new TypeError('socket hang up');
    const refusal = new JobValidationError('key', 'too long for this store.');
    const store: JobStore = {
      ...bareOperations(memory),
      query: async () => {
        throw cause;
      },
      count: () => {
        throw cause;
      },
      insert: async () => {
        throw refusal;
      },
    };
    const guarded = guardStore(store);
    const error = await guarded.query({ limit: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/query: TypeError: socket hang up/);
    expect((error as StoreError).cause).toBe(cause);
    await expect(guarded.count({})).rejects.toBeInstanceOf(StoreError);
    await expect(guarded.insert(makeJob())).rejects.toBe(refusal);
  });

  it('passes the promises of a store that maps its own errors through as they are, still mapping what it throws', async () => {
    const memory = new MemoryJobStore({ name: 'mapping' });
    const cause = new TypeError('socket hang up');
    const answer = Promise.resolve({ jobs: [], nextCursor: null });
    const store: JobStore = {
      ...bareOperations(memory),
      mapsErrors: true,
      query: () => answer,
      count: () => {
        throw cause;
      },
      sumMetrics: async () => {
        throw cause;
      },
    };
    const guarded = guardStore(store);
    expect(guarded.query({ limit: 1 })).toBe(answer);
    // A synchronous throw is still mapped; a rejection is the store's own (it said it maps them).
    await expect(guarded.count({})).rejects.toBeInstanceOf(StoreError);
    await expect(guarded.sumMetrics({})).rejects.toBe(cause);
    // Without the flag, or with it only inherited, every answer is a promise of its own, derived to map failures.
    expect(guardStore(Object.assign(Object.create(store) as JobStore, { query: () => answer })).query({ limit: 1 })).not.toBe(answer);
    expect(guardStore({ ...bareOperations(memory), query: () => answer }).query({ limit: 1 })).not.toBe(answer);
  });

  it('refuses every call once the store is closed, naming the store', async () => {
    const guarded = guardStore(new MemoryJobStore({ name: 'orders' }));
    await guarded.close();
    expect(guarded.closed).toBe(true);
    await expect(guarded.get(makeJob().id)).rejects.toThrow(/MemoryJobStore "orders" is closed/);
    expect(() => guarded.subscribe!(() => {})).toThrow(StoreError);
  });

  it('refuses a listener that is not a function', () => {
    expect(() => guardStore(new MemoryJobStore()).subscribe!('log' as never)).toThrow(JobValidationError);
  });
});

/** A proxy over `target` whose every property read throws. */
function unreadable<T extends object>(target: T): T {
  return new Proxy(target, {
    get() {
      throw new Error('no reading');
    },
  });
}

/** A copy of `target` with its own `key` turned into a getter that throws. */
function throwingGetter<T extends object>(target: T, key: string): T {
  return Object.defineProperty((Array.isArray(target) ? [...target] : { ...target }) as T, key, {
    enumerable: true,
    get() {
      throw new TypeError(`${key} is gone`);
    },
  });
}

/** The JobValidationError a call rejects with (a raw error fails the test), as its field. */
async function refusedField(call: () => Promise<unknown>): Promise<string> {
  const error = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (caught: unknown) => caught,
    );
  expect(error).toBeInstanceOf(JobValidationError);
  expect((error as JobValidationError).code).toBe('invalid_input');
  return (error as JobValidationError).field;
}

describe('guardStore: what the port forbids', () => {
  it('refuses a progress outside 0..1, a maxAttempts below 1 and unnamed metrics, on insert', () => {
    expect(fieldOf(() => checkJob(makeJob({ progress: 7 })))).toBe('progress');
    expect(fieldOf(() => checkJob(makeJob({ progress: -1 })))).toBe('progress');
    expect(fieldOf(() => checkJob(makeJob({ maxAttempts: 0 })))).toBe('maxAttempts');
    expect(fieldOf(() => checkJob(makeJob({ metrics: { '': 1 } })))).toBe('metrics');
    expect(fieldOf(() => checkJob(makeJob({ progress: 0, maxAttempts: 1 })))).toBeUndefined();
    expect(fieldOf(() => checkJob(makeJob({ progress: 1 })))).toBeUndefined();
    // Consistency across fields is not the wrapper's: a legacy record past its attempts still loads.
    expect(fieldOf(() => checkJob(makeJob({ attempt: 5, maxAttempts: 2 })))).toBeUndefined();
  });

  it('refuses the same in patches, progress writes and metric deltas', () => {
    expect(fieldOf(() => checkPatch({ progress: 5, updatedAt: at() }))).toBe('progress');
    expect(fieldOf(() => checkPatch({ progress: -0.5, updatedAt: at() }))).toBe('progress');
    expect(fieldOf(() => checkPatch({ maxAttempts: 0, updatedAt: at() }))).toBe('maxAttempts');
    expect(fieldOf(() => checkPatch({ metrics: { '': 1 }, updatedAt: at() }))).toBe('metrics');
    expect(fieldOf(() => checkProgressPatch({ progress: 1.5, updatedAt: at() }))).toBe('progress');
    expect(fieldOf(() => checkDeltas({ '': 1 }))).toBe('deltas');
    expect(fieldOf(() => checkDeltas({ a: 1, b: -2 }))).toBeUndefined();
  });

  it('refuses them through the wrapper of a memory store, and stores none', async () => {
    const guarded = guardStore(new MemoryJobStore());
    for (const [field, override] of [
      ['progress', { progress: 7 }],
      ['progress', { progress: -1 }],
      ['maxAttempts', { maxAttempts: 0 }],
      ['metrics', { metrics: { '': 1 } }],
    ] as const) {
      expect(await refusedField(() => guarded.insert(makeJob(override)))).toBe(field);
    }
    const job = makeJob({ status: 'running', lease: { owner: 'w', expiresAt: at(60_000) } });
    await guarded.insert(job);
    expect(await refusedField(() => guarded.transition(job.id, {}, { progress: 5, updatedAt: at(1) }))).toBe('progress');
    expect(await refusedField(() => guarded.transition(job.id, {}, { maxAttempts: 0, updatedAt: at(1) }))).toBe('maxAttempts');
    expect(await refusedField(() => guarded.transition(job.id, {}, { metrics: { '': 2 }, updatedAt: at(1) }))).toBe('metrics');
    expect(await refusedField(() => guarded.updateProgress(job.id, { progress: 5, updatedAt: at(1) }))).toBe('progress');
    expect(await refusedField(() => guarded.incrementMetrics(job.id, { '': 1 }, at(1)))).toBe('deltas');
    expect(await guarded.get(job.id)).toEqual(job);
  });
});

describe('guardStore: input whose reading throws', () => {
  const now = at();
  const id = makeJob().id;
  const claim = { owner: 'w', now, leaseExpiresAt: at(1), limits: { t: 1 }, limit: 1 };

  it('refuses it as bad input naming the argument, in every operation, and never calls the store', async () => {
    const { store, calls } = spyStore();
    const guarded = guardStore(store);
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['job', () => guarded.insert(unreadable(makeJob()))],
      ['job', () => guarded.insert(unreadable({}) as Job)],
      ['options', () => guarded.get(id, unreadable({}))],
      ['scope', () => guarded.get(id, { scope: unreadable({}) })],
      ['read', () => guarded.get(id, { read: unreadable({ payload: 'omit' as const }) })],
      ['expected', () => guarded.transition(id, unreadable({ status: 'queued' }), { updatedAt: now })],
      ['patch', () => guarded.transition(id, {}, unreadable({ updatedAt: now }))],
      ['request', () => guarded.claim(unreadable(claim))],
      ['limits', () => guarded.claim({ ...claim, limits: unreadable({ t: 1 }) })],
      ['ids', () => guarded.heartbeat('w', unreadable([id]), now)],
      ['patch', () => guarded.updateProgress(id, unreadable({ updatedAt: now }))],
      ['deltas', () => guarded.incrementMetrics(id, unreadable({ a: 1 }), now)],
      ['filter', () => guarded.query(unreadable({ limit: 1 }))],
      ['filter', () => guarded.count(unreadable({}))],
      ['filter', () => guarded.sumMetrics(unreadable({}))],
      ['request', () => guarded.prune(unreadable({ before: {} }))],
    ];
    for (const [field, call] of cases) expect(await refusedField(call), field).toBe(field);
    expect(calls).toEqual([]);
  });

  it('names the field whose getter throws, however deep, and keeps the original as cause', async () => {
    const guarded = guardStore(new MemoryJobStore());
    expect(await refusedField(() => guarded.insert(throwingGetter(makeJob(), 'type')))).toBe('type');
    const lease = throwingGetter({ owner: 'w', expiresAt: now }, 'owner');
    expect(await refusedField(() => guarded.insert(makeJob({ status: 'running', lease })))).toBe('lease.owner');
    expect(await refusedField(() => guarded.transition(id, {}, throwingGetter({ updatedAt: now }, 'updatedAt')))).toBe('updatedAt');
    expect(await refusedField(() => guarded.transition(id, throwingGetter({}, 'attempt'), { updatedAt: now }))).toBe('expected.attempt');
    expect(await refusedField(() => guarded.heartbeat('w', throwingGetter([id, id], '1'), now))).toBe('ids[1]');
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(await refusedField(() => guarded.query(revoked.proxy as never))).toBe('filter');
    const error = await guarded.insert(throwingGetter(makeJob(), 'status')).catch((caught: unknown) => caught);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/status is gone/);
  });
});

describe('guardStore: Dates of another realm', () => {
  it('accepts them wherever a Date is expected, and the memory store keeps their time', async () => {
    const foreign = (ms: number): Date => vm.runInNewContext(`new Date(${ms})`) as Date;
    expect(foreign(0) instanceof Date).toBe(false);
    const base = at().getTime();
    const guarded = guardStore(new MemoryJobStore());
    const job = makeJob({ createdAt: foreign(base), runAt: foreign(base), updatedAt: foreign(base) });
    await guarded.insert(job);
    const stored = await guarded.get(job.id);
    expect(stored!.createdAt).toEqual(new Date(base));
    expect(stored!.createdAt).toBeInstanceOf(Date);
    expect(fieldOf(() => checkJob(makeJob({ createdAt: vm.runInNewContext('new Date(NaN)') as Date })))).toBe('createdAt');
    // Not a Date, though it inherits from Date.prototype or says it is one.
    expect(fieldOf(() => checkJob(makeJob({ createdAt: Object.create(Date.prototype) as Date })))).toBe('createdAt');
    expect(fieldOf(() => checkJob(makeJob({ createdAt: { [Symbol.toStringTag]: 'Date', getTime: () => base } as never })))).toBe('createdAt');
    const updated = await guarded.transition(job.id, {}, { runAt: foreign(base + 5), updatedAt: foreign(base + 5) });
    expect(updated.ok && updated.job.runAt).toEqual(new Date(base + 5));
  });
});

describe('guardStore across copies of core', () => {
  it('recognises a guard made by another copy (a brand every copy shares), and does not wrap it again', async () => {
    const memory = new MemoryJobStore();
    const ours = guardStore(memory);
    vi.resetModules();
    const other = (await import('./guarded-store.js')) as typeof import('./guarded-store.js');
    expect(other.guardStore).not.toBe(guardStore);
    expect(other.guardStore(ours)).toBe(ours);
    const theirs = other.guardStore(new MemoryJobStore());
    expect(guardStore(theirs)).toBe(theirs);
    // The brand is no member of the store: not enumerable, not a string key.
    expect(Object.keys(ours)).not.toContain('jobtrail.guardedStore');
    expect(Object.getOwnPropertyDescriptor(ours, Symbol.for('jobtrail.guardedStore'))?.enumerable).toBe(false);
  });
});

/** The required operations of a store, bound to it (no optional members). */
function bareOperations(store: MemoryJobStore): JobStore {
  return {
    insert: (...args) => store.insert(...args),
    get: (...args) => store.get(...args),
    transition: (...args) => store.transition(...args),
    claim: (...args) => store.claim(...args),
    heartbeat: (...args) => store.heartbeat(...args),
    findExpired: (...args) => store.findExpired(...args),
    updateProgress: (...args) => store.updateProgress(...args),
    incrementMetrics: (...args) => store.incrementMetrics(...args),
    query: (...args) => store.query(...args),
    count: (...args) => store.count(...args),
    sumMetrics: (...args) => store.sumMetrics(...args),
    prune: (...args) => store.prune(...args),
    close: () => store.close(),
  };
}
