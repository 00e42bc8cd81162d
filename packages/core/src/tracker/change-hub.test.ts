import { describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { Job } from '../model/job.js';
import type { JobChangeListener } from '../store/change-feed.js';
import { makeJob } from '../testing/make-job.js';
import { ChangeHub } from './change-hub.js';

/** A memory store whose feed the test drives by hand (to send gaps), reads going to the store. */
function drivenFeed() {
  const memory = new MemoryJobStore();
  const listeners = new Set<JobChangeListener>();
  const store = Object.assign(Object.create(memory) as MemoryJobStore, {
    subscribeChanges(listener: JobChangeListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  const emit = (event: Parameters<JobChangeListener>[0]) => {
    for (const listener of listeners) listener(event);
  };
  return { memory, store, emit };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ChangeHub after a gap', () => {
  it('reads every watched job again and delivers what changed; tells filter watches to re-read their lists', async () => {
    const { memory, store, emit } = drivenFeed();
    const errors: unknown[] = [];
    const hub = new ChangeHub(store, (error) => errors.push(error));
    const job = makeJob({ type: 'gap.test', tenantId: 't' });
    const listed = makeJob({ type: 'gap.test', tenantId: 't', status: 'failed', finishedAt: new Date(), startedAt: new Date(), attempt: 1 });
    await memory.insert(job);
    await memory.insert(listed);
    const byId: Job[] = [];
    const byFilter: Job[] = [];
    let gaps = 0;
    hub.add({ ids: new Set([job.id]), read: undefined, deliver: (seen) => byId.push(seen), gap: () => gaps++, end: () => {} });
    hub.add({ filter: { type: ['gap.test'], status: ['failed'] }, read: undefined, deliver: (seen) => byFilter.push(seen), gap: () => gaps++, end: () => {} });
    emit({ changes: [{ jobId: listed.id, type: listed.type, tenantId: 't', ownerId: null, status: 'failed', version: listed.updatedAt.getTime() }] });
    await settle();
    expect(byFilter.map((seen) => seen.id)).toEqual([listed.id]);

    // Both jobs change while the feed is down; nothing is heard of it but a gap.
    const later = new Date(job.updatedAt.getTime() + 5_000);
    await memory.transition(job.id, { status: 'queued' }, { note: 'changed unheard', updatedAt: later });
    await memory.transition(listed.id, { status: 'failed' }, { status: 'queued', updatedAt: later, finishedAt: null });
    emit({ gap: true });
    await settle();
    await settle();
    expect(byId.map((seen) => seen.note)).toEqual(['changed unheard']);
    // The filter watch gets the job it had shown once more (it left the filter), and a gap call.
    expect(byFilter.map((seen) => seen.status)).toEqual(['failed', 'queued']);
    expect(gaps).toBe(2);
    expect(errors).toEqual([]);
    hub.close();
  });
});

describe('ChangeHub, hard cases', () => {
  it('never delivers a job that left a filter watch by leaving its scope; the watch is told to re-read instead', async () => {
    const { memory, store, emit } = drivenFeed();
    const hub = new ChangeHub(store, () => {});
    const job = makeJob({ type: 'scope.move', tenantId: 't', ownerId: 'alice' });
    await memory.insert(job);
    const delivered: Job[] = [];
    let gaps = 0;
    hub.add({ filter: { type: ['scope.move'], tenantId: 't', ownerId: 'alice' }, read: undefined, deliver: (seen) => delivered.push(seen), gap: () => gaps++, end: () => {} });
    const change = (ownerId: string, version: number) => ({ changes: [{ jobId: job.id, type: job.type, tenantId: 't', ownerId, status: 'queued' as const, version }] });
    emit(change('alice', job.updatedAt.getTime()));
    await settle();
    expect(delivered).toHaveLength(1);
    // Moved to bob by a write outside jobtrail.
    // (The memory store has no API for it: its row is changed in place, as an UPDATE would.)
    const row = (memory as unknown as { jobs: Map<string, { ownerId: string | null; note: string | null; updatedAt: number }> }).jobs.get(job.id)!;
    Object.assign(row, { ownerId: 'bob', note: "bob's private note", updatedAt: row.updatedAt + 1_000 });
    emit(change('bob', row.updatedAt));
    await settle();
    await settle();
    expect(delivered).toHaveLength(1);
    expect(gaps).toBe(1);
    hub.close();
  });

  it('keeps a batch whose read failed and delivers it once the store answers again', async () => {
    const { memory, store, emit } = drivenFeed();
    const errors: unknown[] = [];
    let failNext = true;
    const flaky = Object.assign(Object.create(store) as MemoryJobStore, {
      get: (id: string, options?: Parameters<MemoryJobStore['get']>[1]) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('connection reset'));
        }
        return memory.get(id, options);
      },
    });
    const hub = new ChangeHub(flaky, (error) => errors.push(error));
    const job = makeJob({ type: 'flaky.read' });
    await memory.insert(job);
    const delivered: Job[] = [];
    hub.add({ ids: new Set([job.id]), read: undefined, deliver: (seen) => delivered.push(seen), gap: () => {}, end: () => {} });
    emit({ changes: [{ jobId: job.id, type: job.type, tenantId: null, ownerId: null, status: 'queued', version: job.updatedAt.getTime() }] });
    const deadline = Date.now() + 20_000;
    while (delivered.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(delivered.map((seen) => seen.id)).toEqual([job.id]);
    expect(errors).toEqual([expect.objectContaining({ message: 'connection reset' })]);
    hub.close();
  });

  it('ends every watch when the feed ends or the hub closes, and keeps nothing when subscribing throws', async () => {
    const { store, emit } = drivenFeed();
    const hub = new ChangeHub(store, () => {});
    const ended: string[] = [];
    hub.add({ ids: new Set(['a']), read: undefined, deliver: () => {}, gap: () => {}, end: () => ended.push('a') });
    emit({ gap: true, ended: true });
    await settle();
    expect(ended).toEqual(['a']);
    expect(hub.watching).toBe(0);

    const refusing = Object.assign(Object.create(store) as MemoryJobStore, {
      subscribeChanges: () => {
        throw new Error('LISTEN is off');
      },
    });
    const other = new ChangeHub(refusing, () => {});
    expect(() => other.add({ ids: new Set(['b']), read: undefined, deliver: () => {}, gap: () => {}, end: () => {} })).toThrow('LISTEN is off');
    expect(other.watching).toBe(0);
  });
});
