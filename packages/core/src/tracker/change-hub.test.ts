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
    hub.add({ ids: new Set([job.id]), read: undefined, deliver: (seen) => byId.push(seen), gap: () => gaps++ });
    hub.add({ filter: { type: ['gap.test'], status: ['failed'] }, read: undefined, deliver: (seen) => byFilter.push(seen), gap: () => gaps++ });
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
