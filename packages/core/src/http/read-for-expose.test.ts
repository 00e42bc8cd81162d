import { describe, expect, it } from 'vitest';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { Job } from '../model/job.js';
import { toReadPlan } from '../store/field-reads.js';
import { makeJob } from '../testing/make-job.js';
import { createTracker } from '../tracker/tracker.js';
import { createJobsHandler } from './create-jobs-handler.js';
import { DEFAULT_MAX_EXPOSED_BYTES, readForExpose, toJobJson } from './job-json.js';

const caller = { tenantId: 't' };

describe('readForExpose', () => {
  it('omits what may never be sent and caps the rest', () => {
    expect(readForExpose({}, 100)).toEqual({ payload: 'omit', result: 'omit', metadata: { maxBytes: 100 } });
    expect(readForExpose({ payload: true, result: () => false, metadata: false }, 5)).toEqual({
      payload: { maxBytes: 5 },
      result: { maxBytes: 5 },
      metadata: 'omit',
    });
  });
});

describe('toJobJson caps', () => {
  it('reports a field read as too large with its size, never as null', () => {
    const job = { ...makeJob({ payload: undefined, result: null }), unread: { payload: { reason: 'too_large' as const, bytes: 9_000 } } };
    const json = toJobJson(job, caller, { payload: true, result: true }, 100);
    expect(json).not.toHaveProperty('payload');
    expect(json.result).toBeNull();
    expect(json.tooLarge).toEqual({ payload: 9_000 });
  });

  it('measures a whole job (the answer of an action) against the cap', () => {
    const job = makeJob({ payload: { blob: 'x'.repeat(200) }, metadata: { m: 1 } });
    const json = toJobJson(job, caller, { payload: true }, 100);
    expect(json).not.toHaveProperty('payload');
    expect(json.tooLarge).toEqual({ payload: JSON.stringify(job.payload).length });
    expect(json.metadata).toEqual({ m: 1 });
    expect(toJobJson(job, caller, { payload: true }).payload).toEqual(job.payload);
  });

  it('sends nothing and reports nothing for a field that is not exposed', () => {
    const job = { ...makeJob(), payload: undefined, unread: { payload: { reason: 'omitted' as const } } };
    const json = toJobJson(job, caller, {}, DEFAULT_MAX_EXPOSED_BYTES);
    expect(json).not.toHaveProperty('payload');
    expect(json).not.toHaveProperty('tooLarge');
  });

  it('gives a rule function the job as read', () => {
    const seen: unknown[] = [];
    const job = { ...makeJob({ payload: undefined }), unread: { payload: { reason: 'too_large' as const, bytes: 500 } } };
    const payload = (read: Job) => {
      seen.push(read.unread);
      return true;
    };
    toJobJson(job, caller, { payload }, 100);
    expect(seen).toEqual([{ payload: { reason: 'too_large', bytes: 500 } }]);
    expect(toReadPlan(readForExpose({ payload: () => true }, 100)).payload).toBe(100);
  });
});

describe('createJobsHandler reads', () => {
  it('asks the store for no payload or result by default, and for capped metadata, on every read route', async () => {
    const store = new MemoryJobStore();
    const seen: unknown[] = [];
    const get = store.get.bind(store);
    const query = store.query.bind(store);
    store.get = (id, options) => {
      seen.push(['get', options]);
      return get(id, options);
    };
    store.query = (filter) => {
      seen.push(['query', filter.read]);
      return query(filter);
    };
    const tracker = createTracker({ store, recoverIntervalMs: false });
    const handler = createJobsHandler({ tracker, authorize: () => caller, maxExposedBytes: 1_000 });
    const job = await tracker.enqueue('read.spy', { big: 'x'.repeat(5_000) }, { tenantId: 't' });
    for (const path of [`/jobs/${job.id}`, '/jobs', '/jobs/active']) {
      expect((await handler(new Request(`http://x${path}`))).status).toBe(200);
    }
    const lean = { payload: 'omit', result: 'omit', metadata: { maxBytes: 1_000 } };
    expect(seen).toEqual([['get', { scope: { tenantId: 't' }, read: lean }], ['query', lean], ['query', lean]]);
    await tracker.close();
  });
});

describe('createJobsHandler maxExposedBytes', () => {
  it('refuses a cap that is not an integer from 0 to 2^30', () => {
    const tracker = createTracker({ store: new MemoryJobStore(), recoverIntervalMs: false });
    for (const maxExposedBytes of [-1, 1.5, 2 ** 30 + 1, '64k', Number.NaN]) {
      expect(() => createJobsHandler({ tracker, authorize: () => caller, maxExposedBytes: maxExposedBytes as number })).toThrow(JobValidationError);
    }
    expect(() => createJobsHandler({ tracker, authorize: () => caller, maxExposedBytes: 0 })).not.toThrow();
    void tracker.close();
  });
});
