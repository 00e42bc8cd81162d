import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import type { FieldReads } from '../store/job-store.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import { startJobsServer, type JobsServer } from './http-harness.js';
import { makeJob, uniqueName } from './make-job.js';
import { describeWithStore, expectJobtrailError, type StoreContractOptions } from './store-contract-options.js';

const BIG = 20_000;
const CAP = 2_000;
const big = (): { blob: string } => ({ blob: 'x'.repeat(BIG) });
const OMIT_ALL: FieldReads = { payload: 'omit', result: 'omit', metadata: 'omit' };
const CAP_ALL: FieldReads = { payload: { maxBytes: CAP }, result: { maxBytes: CAP }, metadata: { maxBytes: CAP } };

/** Every field but the large ones and the marker: what a lean read must still answer exactly. */
function smallFields(job: Job): Record<string, unknown> {
  const { payload: _p, result: _r, metadata: _m, unread: _u, ...rest } = job;
  return rest;
}

function expectTooLarge(job: Job, field: 'payload' | 'result' | 'metadata'): void {
  expect(job[field]).toBeUndefined();
  const unread = job.unread?.[field];
  expect(unread?.reason).toBe('too_large');
  // Stores measure JSON a little differently (jsonb text, BSON): only "clearly above the cap".
  expect(unread?.reason === 'too_large' && unread.bytes).toBeGreaterThan(CAP);
  expect(unread?.reason === 'too_large' && unread.bytes).toBeLessThan(BIG * 2);
}

/**
 * Reads pay only for what they return: large fields (payload, result, metadata) are left out or
 * capped in the store's query, a scope given to `get` is part of the query (an out-of-scope job
 * answers like a missing one), and the HTTP handler reads only what it may send. Behaviour only:
 * the costs themselves are measured in `bench/`.
 */
export function readCostSuite(options: StoreContractOptions): void {
  describeWithStore('read cost (large fields, scope in the query)', options, (store) => {
    const insert = async (overrides: Partial<Job>): Promise<Job> => (await store().insert(makeJob({ type: uniqueName('read'), ...overrides }))).job;

    describe('store', () => {
      it('reads whole jobs without options, with no unread marker', async () => {
        const job = await insert({ payload: big(), metadata: { m: 1 } });
        const read = await store().get(job.id);
        expect(read).toEqual(job);
        expect(read).not.toHaveProperty('unread');
        const page = await store().query({ type: [job.type], limit: 10 });
        expect(page.jobs).toEqual([job]);
        expect(page.jobs[0]).not.toHaveProperty('unread');
      });

      it('leaves omitted fields out, marked as omitted, and answers every other field', async () => {
        const job = await insert({ payload: big(), metadata: { m: 1 }, tenantId: uniqueName('t') });
        const read = (await store().get(job.id, { read: OMIT_ALL }))!;
        expect(read.payload).toBeUndefined();
        expect(read.result).toBeUndefined();
        expect(read.metadata).toBeUndefined();
        expect(read.unread).toEqual({ payload: { reason: 'omitted' }, result: { reason: 'omitted' }, metadata: { reason: 'omitted' } });
        expect(smallFields(read)).toEqual(smallFields(job));
        const [listed] = (await store().query({ type: [job.type], limit: 10, read: { payload: 'omit' } })).jobs;
        expect(listed!.payload).toBeUndefined();
        expect(listed!.metadata).toEqual({ m: 1 });
        expect(listed!.unread).toEqual({ payload: { reason: 'omitted' } });
      });

      it('refuses to store a job that was read without some of its fields, so a copy never loses data', async () => {
        const job = await insert({ payload: { keep: 'me' }, metadata: { m: 1 } });
        const partial = (await store().get(job.id, { read: { payload: 'omit', metadata: { maxBytes: CAP } } }))!;
        const copy = { ...partial, id: makeJob().id };
        await expectJobtrailError(() => store().insert(copy), 'invalid_input');
        expect(await store().get(copy.id)).toBeNull();
        expect((await store().get(job.id))!.payload).toEqual({ keep: 'me' });
      });

      it('tells an omitted field from a real null', async () => {
        const job = await insert({ payload: null, result: null });
        const omitted = (await store().get(job.id, { read: { payload: 'omit' } }))!;
        expect(omitted.payload).toBeUndefined();
        expect(omitted.unread?.payload).toEqual({ reason: 'omitted' });
        expect(omitted.result).toBeNull();
        const capped = (await store().get(job.id, { read: { payload: { maxBytes: CAP }, result: { maxBytes: CAP } } }))!;
        expect(capped.payload).toBeNull();
        expect(capped.result).toBeNull();
        expect(capped.unread).toEqual({});
      });

      it('reads a capped field that fits and reports one that does not, with its size', async () => {
        const job = await insert({ payload: big(), metadata: { small: true }, result: null });
        const read = (await store().get(job.id, { read: CAP_ALL }))!;
        expectTooLarge(read, 'payload');
        expect(read.metadata).toEqual({ small: true });
        expect(read.result).toBeNull();
        expect(Object.keys(read.unread!)).toEqual(['payload']);
        expect(smallFields(read)).toEqual(smallFields(job));
        // Incompressible: a store may prove it too large from its stored size without measuring it.
        const noise = Array.from({ length: 4_000 }, (_, i) => ((i * 2_654_435_761) >>> 0).toString(36)).join('');
        const dense = await insert({ payload: { noise } });
        const denseRead = (await store().get(dense.id, { read: { payload: { maxBytes: CAP } } }))!;
        expect(denseRead.payload).toBeUndefined();
        const denseUnread = denseRead.unread?.payload;
        expect(denseUnread?.reason).toBe('too_large');
        expect(denseUnread?.reason === 'too_large' && denseUnread.bytes).toBeGreaterThan(CAP);
        expect(denseUnread?.reason === 'too_large' && denseUnread.bytes).toBeLessThan(JSON.stringify({ noise }).length + 100);
        const small = await insert({ payload: { a: 1 }, metadata: big() });
        const page = await store().query({ type: [small.type], limit: 10, read: CAP_ALL });
        expect(page.jobs[0]!.payload).toEqual({ a: 1 });
        expectTooLarge(page.jobs[0]!, 'metadata');
      });

      it('caps every job of a page and still pages by cursor', async () => {
        const type = uniqueName('read.page');
        const jobs: Job[] = [];
        for (let i = 0; i < 3; i++) jobs.push(await insert({ type, payload: i === 1 ? big() : { i } }));
        const first = await store().query({ type: [type], limit: 2, read: { payload: { maxBytes: CAP } } });
        expect(first.jobs.map((job) => job.id)).toEqual([jobs[2]!.id, jobs[1]!.id]);
        expect(first.jobs[0]!.payload).toEqual({ i: 2 });
        expectTooLarge(first.jobs[1]!, 'payload');
        const second = await store().query({ type: [type], limit: 2, cursor: first.nextCursor!, read: { payload: { maxBytes: CAP } } });
        expect(second.jobs.map((job) => job.payload)).toEqual([{ i: 0 }]);
        expect(second.nextCursor).toBeNull();
      });

      it('measures a result written after the job was created', async () => {
        const tracker = createTracker({ store: store(), recoverIntervalMs: false });
        try {
          const job = await tracker.enqueue(uniqueName('read.result'), {});
          await tracker.start(job.id);
          const before = (await store().get(job.id, { read: { result: { maxBytes: CAP } } }))!;
          expect(before.result).toBeNull();
          await tracker.complete(job.id, { result: big() });
          expectTooLarge((await store().get(job.id, { read: { result: { maxBytes: CAP } } }))!, 'result');
          expect((await store().get(job.id, { read: { result: { maxBytes: BIG * 2 } } }))!.result).toEqual(big());
        } finally {
          await tracker.close();
        }
      });

      it('applies a scope given to get in the query: out of scope answers null like a missing id', async () => {
        const tenantId = uniqueName('tenant');
        const ownerId = uniqueName('owner');
        const job = await insert({ tenantId, ownerId, payload: big() });
        expect(await store().get(job.id, { scope: { tenantId } })).toEqual(job);
        expect(await store().get(job.id, { scope: { tenantId, ownerId } })).toEqual(job);
        expect(await store().get(job.id, { scope: {} })).toEqual(job);
        expect(await store().get(job.id, { scope: { tenantId: uniqueName('other') } })).toBeNull();
        expect(await store().get(job.id, { scope: { tenantId: null } })).toBeNull();
        expect(await store().get(job.id, { scope: { tenantId, ownerId: null } })).toBeNull();
        expect(await store().get(job.id, { scope: { ownerId: uniqueName('other') }, read: OMIT_ALL })).toBeNull();
        const unscoped = await insert({});
        expect(await store().get(unscoped.id, { scope: { tenantId: null, ownerId: null } })).toEqual(unscoped);
        expect(await store().get(makeJob().id, { scope: { tenantId } })).toBeNull();
      });

      it('refuses bad read options and scopes with invalid_input', async () => {
        const job = await insert({});
        const bad: unknown[] = [
          { read: { payload: 'none' } },
          { read: { payload: { maxBytes: -1 } } },
          { read: { payload: { maxBytes: 1.5 } } },
          { read: { payload: { maxBytes: 2 ** 31 } } },
          { read: { payload: { maxBytes: '10' } } },
          { read: { payload: { maxBytes: 10, extra: 1 } } },
          { read: { payload: null } },
          { read: { history: 'omit' } },
          { read: 'omit' },
          { scope: { tenantId: 5 } },
          { scope: { ownerId: { $ne: null } } },
          { scope: 'tenant' },
        ];
        for (const options of bad) {
          await expectJobtrailError(() => store().get(job.id, options as never), 'invalid_input');
        }
        await expectJobtrailError(() => store().query({ limit: 1, read: { result: { maxBytes: -5 } } }), 'invalid_input');
        await expectJobtrailError(() => store().query({ limit: 1, read: { note: 'omit' } as never }), 'invalid_input');
      });
    });

    describe('tracker', () => {
      let tracker: Tracker;
      beforeAll(() => {
        tracker = createTracker({ store: store(), recoverIntervalMs: false });
      });
      afterAll(async () => {
        await tracker?.close();
      });

      it('passes read options through get, list and active, and keeps the old signatures whole', async () => {
        const tenantId = uniqueName('tenant');
        const type = uniqueName('read.tracker');
        const job = await tracker.enqueue(type, big(), { tenantId, metadata: { m: 1 } });
        const whole = await tracker.get(job.id, { tenantId });
        expect(whole!.payload).toEqual(big());
        expect(whole).not.toHaveProperty('unread');
        const lean = await tracker.get(job.id, { tenantId }, { payload: { maxBytes: CAP } });
        expectTooLarge(lean!, 'payload');
        expect(lean!.metadata).toEqual({ m: 1 });
        const [listed] = (await tracker.list({ type, scope: { tenantId }, read: { payload: 'omit' } })).jobs;
        expect(listed!.unread).toEqual({ payload: { reason: 'omitted' } });
        const [active] = await tracker.active({ type, scope: { tenantId }, read: { payload: 'omit', metadata: 'omit' } });
        expect(active!.unread).toEqual({ payload: { reason: 'omitted' }, metadata: { reason: 'omitted' } });
        expect((await tracker.list({ type })).jobs[0]!.payload).toEqual(big());
      });

      it('answers null for an out-of-scope get and not_found for an out-of-scope cancel or retry', async () => {
        const tenantId = uniqueName('tenant');
        const job = await tracker.enqueue(uniqueName('read.scope'), big(), { tenantId });
        const other = { tenantId: uniqueName('other') };
        expect(await tracker.get(job.id, other, OMIT_ALL)).toBeNull();
        await expectJobtrailError(() => tracker.cancel(job.id, other), 'job_not_found');
        await expectJobtrailError(() => tracker.retry(job.id, other), 'job_not_found');
        expect((await tracker.get(job.id))!.status).toBe('queued');
        const cancelled = await tracker.cancel(job.id, { tenantId });
        expect(cancelled.status).toBe('cancelled');
        expect(cancelled.payload).toEqual(big());
        const retried = await tracker.retry(job.id, { tenantId });
        expect(retried.status).toBe('queued');
        expect(retried.payload).toEqual(big());
      });

      it('refuses bad read options with invalid_input, even for an id that is not a job id', async () => {
        const job = await tracker.enqueue(uniqueName('read.bad'), {});
        await expectJobtrailError(() => tracker.get(job.id, undefined, { payload: 'skip' } as never), 'invalid_input');
        await expectJobtrailError(() => tracker.get('not-an-id', undefined, { payload: { maxBytes: -1 } }), 'invalid_input');
        await expectJobtrailError(() => tracker.get(job.id, { tenantId: 7 } as never), 'invalid_input');
        await expectJobtrailError(() => tracker.list({ read: { payload: { maxBytes: Number.NaN } } }), 'invalid_input');
        await expectJobtrailError(() => tracker.active({ read: { stage: 'omit' } as never }), 'invalid_input');
      });
    });

    describe('HTTP (createJobsHandler reads only what it sends)', () => {
      let lean: JobsServer;
      let exposing: JobsServer;
      beforeAll(async () => {
        lean = await startJobsServer(store());
        exposing = await startJobsServer(store(), {
          maxExposedBytes: CAP,
          expose: { payload: true, result: (job) => job.type.startsWith('read.http'), metadata: true },
        });
      });
      afterAll(async () => {
        await lean?.close();
        await exposing?.close();
      });

      it('never sends a payload or result it does not expose, big or small', async () => {
        const tenantId = uniqueName('tenant');
        const type = uniqueName('read.lean');
        const job = await lean.tracker.enqueue(type, big(), { tenantId, metadata: { m: 1 } });
        const scope = { tenantId };
        const one = await lean.request(`/jobs/${job.id}`, { scope });
        expect(one.status).toBe(200);
        expect(one.body.job).not.toHaveProperty('payload');
        expect(one.body.job).not.toHaveProperty('result');
        expect(one.body.job).not.toHaveProperty('tooLarge');
        expect(one.body.job.metadata).toEqual({ m: 1 });
        const list = await lean.request(`/jobs?type=${type}&limit=100`, { scope });
        expect(list.body.jobs).toHaveLength(1);
        expect(list.body.jobs[0]).not.toHaveProperty('payload');
        const active = await lean.request(`/jobs/active?type=${type}`, { scope });
        expect(active.body.jobs[0]).not.toHaveProperty('payload');
        expect(active.text.length).toBeLessThan(BIG);
      });

      it('sends an exposed field that fits and reports one that does not, with its size', async () => {
        const tenantId = uniqueName('tenant');
        const scope = { tenantId };
        const type = uniqueName('read.http');
        const small = await exposing.tracker.enqueue(type, { a: 1 }, { tenantId });
        const large = await exposing.tracker.enqueue(type, big(), { tenantId, metadata: big() });
        const smallAnswer = await exposing.request(`/jobs/${small.id}`, { scope });
        expect(smallAnswer.body.job.payload).toEqual({ a: 1 });
        expect(smallAnswer.body.job.result).toBeNull();
        expect(smallAnswer.body.job).not.toHaveProperty('tooLarge');
        const largeAnswer = await exposing.request(`/jobs/${large.id}`, { scope });
        expect(largeAnswer.body.job).not.toHaveProperty('payload');
        expect(largeAnswer.body.job).not.toHaveProperty('metadata');
        expect(largeAnswer.body.job.result).toBeNull();
        expect(Object.keys(largeAnswer.body.job.tooLarge).sort()).toEqual(['metadata', 'payload']);
        expect(largeAnswer.body.job.tooLarge.payload).toBeGreaterThan(CAP);
        expect(largeAnswer.text.length).toBeLessThan(BIG);
        const list = await exposing.request(`/jobs?type=${type}&limit=100`, { scope });
        expect(list.body.jobs.map((job: { payload?: unknown }) => job.payload)).toEqual([undefined, { a: 1 }]);
        expect(list.body.jobs[0].tooLarge.payload).toBeGreaterThan(CAP);
        const active = await exposing.request(`/jobs/active?type=${type}`, { scope });
        expect(active.body.jobs[0].tooLarge.payload).toBeGreaterThan(CAP);
      });

      it('reports an exposed field that is too large in the answer to an action too', async () => {
        const tenantId = uniqueName('tenant');
        const job = await exposing.tracker.enqueue(uniqueName('read.http'), big(), { tenantId });
        const answer = await exposing.request(`/jobs/${job.id}/cancel`, { method: 'POST', scope: { tenantId } });
        expect(answer.status).toBe(200);
        expect(answer.body.job.status).toBe('cancelled');
        expect(answer.body.job).not.toHaveProperty('payload');
        expect(answer.body.job.tooLarge.payload).toBeGreaterThan(CAP);
      });

      it('answers an out-of-scope job with a big payload byte for byte like a missing id', async () => {
        const tenantId = uniqueName('tenant');
        const job = await exposing.tracker.enqueue(uniqueName('read.http'), big(), { tenantId });
        for (const server of [lean, exposing]) {
          const scope = { tenantId: uniqueName('other') };
          const foreign = await server.request(`/jobs/${job.id}`, { scope });
          const missing = await server.request(`/jobs/${makeJob().id}`, { scope });
          expect(foreign.status).toBe(404);
          expect(foreign.text).toBe(missing.text);
          expect([...foreign.headers.entries()].filter(([name]) => name !== 'date')).toEqual(
            [...missing.headers.entries()].filter(([name]) => name !== 'date'),
          );
        }
      });
    });
  });
}

