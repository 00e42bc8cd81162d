import {
  JOB_STATUSES,
  MemoryJobStore,
  TERMINAL_STATUSES,
  isTerminal,
  type Job,
  type JobHistoryEntry,
  type JobStatus,
} from '@jobtrail/core';
import type { ClaimRequest, Expectation, JobPatch, MetadataFilter, StoreFilter } from '@jobtrail/core/store';
import { makeJob, queryAll } from '@jobtrail/core/testing';
import fc from 'fast-check';
import { find, Query, update } from 'mingo';
import { describe, expect, it } from 'vitest';
import { decodeMetrics, toDocument, toJob, type JobDocument } from '../mapping/job-document.js';
import { claimBatch, type ClaimStep } from './claim-batch.js';
import { claimPlan } from './claim-documents.js';
import { expectationFilter } from './expectation-filter.js';
import { EXPIRED_LEASES_SORT, expiredLeasesFilter, heldLeasesFilter, progressFilter, renewLeaseUpdate } from './lease-documents.js';
import { headroomFilter, incrementMetricsFilter, incrementMetricsUpdate, missedIncrement, overflowingMetric } from './metrics-documents.js';
import { patchUpdate, progressUpdate } from './patch-update.js';
import { PRUNE_SORT, prunePlan } from './prune-documents.js';
import { QUERY_SORT, storeFilter } from './store-filter.js';

/**
 * What the filter and update documents mean. Each is evaluated with mingo (a JavaScript
 * implementation of MongoDB's query and update language) over the documents the mapper writes,
 * and compared with MemoryJobStore, core's reference implementation of the port, on random data.
 *
 * This checks that a builder says what the port means; it does not stand in for the contract
 * suite against a real server (mingo is not MongoDB: no indexes, no concurrency).
 */

const BASE = Date.UTC(2030, 0, 1);
const at = (seconds: number): Date => new Date(BASE + seconds * 1000);
const TYPES = ['a', 'b', 'c'] as const;
const OWNERS = ['w1', 'w2'] as const;

interface JobSpec {
  type: number;
  metadata: number;
  status: JobStatus;
  attempt: number;
  priority: number;
  runAt: number;
  tenant: string | null;
  owner: string | null;
  group: string | null;
  /** The code of the job's current error, or null for no error. */
  errorCode: string | null;
  /** The tick (seconds) of the schedule 'nightly' that fired the job, or null. */
  scheduledFor: number | null;
  created: number;
  finished: number | null;
  lease: { owner: number; expires: number } | null;
  metrics: Record<string, number>;
  history: JobHistoryEntry[];
}

const METRIC_NAMES = ['rows', 'cost.usd', '$spent', ''] as const;

/** Ended attempts and manual retries, with nested Dates and metric names that need escaping. */
const historyEntry: fc.Arbitrary<JobHistoryEntry> = fc.oneof(
  fc.record({
    kind: fc.constant('retry' as const),
    at: fc.integer({ min: 0, max: 5 }).map(at),
    afterAttempt: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({
    kind: fc.constant('attempt' as const),
    attempt: fc.integer({ min: 1, max: 3 }),
    owner: fc.constantFrom(null, ...OWNERS),
    startedAt: fc.option(fc.integer({ min: 0, max: 5 }).map(at)),
    finishedAt: fc.integer({ min: 0, max: 5 }).map(at),
    outcome: fc.constantFrom('completed' as const, 'failed' as const, 'retrying' as const, 'lease_expired' as const),
    error: fc.option(
      fc.record(
        {
          message: fc.constant('boom'),
          code: fc.constantFrom(null, 'E'),
          name: fc.constantFrom(null, 'Error'),
          retryable: fc.boolean(),
          attempt: fc.integer({ min: 1, max: 3 }),
          at: fc.integer({ min: 0, max: 5 }).map(at),
          stack: fc.constantFrom(null, 'Error: boom\n    at x'),
        },
        { requiredKeys: ['message', 'code', 'name', 'retryable', 'attempt', 'at'] },
      ),
    ),
    progress: fc.constantFrom(0, 0.5, 1),
    stage: fc.constantFrom(null, 'Parsing'),
    metrics: fc.dictionary(fc.constantFrom(...METRIC_NAMES), fc.integer({ min: -5, max: 5 })),
  }),
);

/** Metadata a job may have: arrays holding a filter's value and look-alike types must not match. */
const METADATA: ReadonlyArray<Record<string, unknown>> = [{}, { c: 'a' }, { c: 'b', n: 1 }, { c: ['a'] }, { n: 1.0, f: true }, { n: '1' }, { f: false, c: 'a' }];

const jobSpec: fc.Arbitrary<JobSpec> = fc.record({
  type: fc.integer({ min: 0, max: TYPES.length - 1 }),
  metadata: fc.integer({ min: 0, max: METADATA.length - 1 }),
  status: fc.constantFrom(...JOB_STATUSES),
  attempt: fc.integer({ min: 0, max: 3 }),
  priority: fc.integer({ min: -1, max: 2 }),
  runAt: fc.integer({ min: -3, max: 3 }),
  tenant: fc.constantFrom(null, 't1', 't2'),
  owner: fc.constantFrom(null, 'o1'),
  group: fc.constantFrom(null, 'g1', 'g2'),
  errorCode: fc.constantFrom(null, 'http_503', 'job_timeout'),
  scheduledFor: fc.option(fc.integer({ min: -5, max: 5 })),
  created: fc.integer({ min: 0, max: 5 }),
  finished: fc.option(fc.integer({ min: 0, max: 5 })),
  lease: fc.option(fc.record({ owner: fc.integer({ min: 0, max: 1 }), expires: fc.integer({ min: -3, max: 3 }) })),
  metrics: fc.dictionary(fc.constantFrom(...METRIC_NAMES), fc.integer({ min: -5, max: 5 })),
  history: fc.array(historyEntry, { maxLength: 3 }),
});

function buildJob(spec: JobSpec): Job {
  return makeJob({
    type: TYPES[spec.type]!,
    status: spec.status,
    attempt: spec.attempt,
    priority: spec.priority,
    runAt: at(spec.runAt),
    tenantId: spec.tenant,
    ownerId: spec.owner,
    group: spec.group,
    error: spec.errorCode === null ? null : { message: 'failed', code: spec.errorCode, name: 'Error', retryable: true, attempt: 1, at: at(1) },
    scheduleName: spec.scheduledFor === null ? null : 'nightly',
    scheduledFor: spec.scheduledFor === null ? null : at(spec.scheduledFor),
    createdAt: at(spec.created),
    // A terminal job always has finishedAt; an active one may carry an old one (manual retry).
    finishedAt: spec.finished === null ? (isTerminal(spec.status) ? at(0) : null) : at(spec.finished),
    lease: spec.lease === null ? null : { owner: OWNERS[spec.lease.owner]!, expiresAt: at(spec.lease.expires) },
    metrics: spec.metrics,
    history: spec.history,
    metadata: METADATA[spec.metadata]!,
  });
}

/** The same jobs in the memory store and as MongoDB documents. */
async function seed(specs: readonly JobSpec[]): Promise<{ memory: MemoryJobStore; docs: JobDocument[]; jobs: Job[] }> {
  const memory = new MemoryJobStore();
  const docs: JobDocument[] = [];
  const jobs: Job[] = [];
  for (const spec of specs) {
    const job = buildJob(spec);
    await memory.insert(job);
    docs.push(toDocument(job));
    jobs.push(job);
  }
  return { memory, docs, jobs };
}

type MingoDoc = Parameters<typeof update>[0];

/** `find(filter).sort(sort).limit(limit)` over the documents, answering the stored objects. */
function select(docs: JobDocument[], filter: object, sort?: object, limit?: number): JobDocument[] {
  let cursor = find(docs as unknown as MingoDoc[], filter as MingoDoc);
  if (sort !== undefined) cursor = cursor.sort(sort as Record<string, 1 | -1>);
  if (limit !== undefined) cursor = cursor.limit(limit);
  return cursor.all() as unknown as JobDocument[];
}

/** Applies an update document in place, as MongoDB would. */
function apply(doc: JobDocument, updateDoc: object): void {
  update(doc as unknown as MingoDoc, updateDoc as Parameters<typeof update>[1]);
}

/** findOneAndUpdate(filter, update, { sort, returnDocument: 'after' }) over an array. */
function mingoStep(docs: JobDocument[]): ClaimStep {
  return async (filter, updateDoc, sort) => {
    const [doc] = select(docs, filter, sort, 1);
    if (doc === undefined) return null;
    apply(doc, updateDoc);
    return structuredClone(doc);
  };
}

const matches = (filter: object, doc: JobDocument): boolean => new Query(filter as MingoDoc).test(doc as unknown as MingoDoc);
const ids = (docs: readonly { _id: string }[]): string[] => docs.map((doc) => doc._id);
const RUNS = { numRuns: 60 };

describe('document semantics (mingo against the memory store)', () => {
  it('claims the same jobs, in the same order, with the same lease', async () => {
    const claimSpec = fc.record({
      limits: fc.tuple(...TYPES.map(() => fc.integer({ min: 0, max: 3 }))),
      limit: fc.integer({ min: 0, max: 6 }),
      owner: fc.constantFrom(...OWNERS),
      now: fc.integer({ min: -2, max: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(jobSpec, { maxLength: 25 }), fc.array(claimSpec, { minLength: 1, maxLength: 4 }), async (specs, claims) => {
        const { memory, docs } = await seed(specs);
        for (const claim of claims) {
          const request: ClaimRequest = {
            owner: claim.owner,
            now: at(claim.now),
            leaseExpiresAt: at(claim.now + 30),
            limits: Object.fromEntries(TYPES.map((type, index) => [type, claim.limits[index]!])),
            limit: claim.limit,
          };
          const expected = await memory.claim(request);
          const { claimed, error } = await claimBatch(claimPlan(request), mingoStep(docs));
          expect(error).toBeUndefined();
          expect(claimed.map(toJob)).toEqual(expected);
        }
      }),
      RUNS,
    );
  });

  it('selects what query selects, newest first, under every filter', async () => {
    const filterSpec = fc.record(
      {
        status: fc.subarray([...JOB_STATUSES]),
        type: fc.subarray([...TYPES]),
        tenantId: fc.constantFrom(null, 't1'),
        ownerId: fc.constantFrom(null, 'o1'),
        group: fc.constantFrom(null, 'g1'),
        scheduleName: fc.constantFrom(null, 'nightly'),
        errorCode: fc.constantFrom('http_503', 'job_timeout'),
        metadata: fc.constantFrom<MetadataFilter>({ c: 'a' }, { n: 1 }, { c: 'b', n: 1 }, { n: '1' }, { f: true }, { f: false, c: 'a' }),
        createdAfter: fc.integer({ min: 0, max: 5 }),
        createdBefore: fc.integer({ min: 0, max: 5 }),
        activeSince: fc.integer({ min: 0, max: 5 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(jobSpec, { maxLength: 25 }), filterSpec, async (specs, spec) => {
        const { memory, docs } = await seed(specs);
        const filter: StoreFilter = {
          ...(spec.status === undefined ? {} : { status: spec.status }),
          ...(spec.type === undefined ? {} : { type: spec.type }),
          ...(spec.tenantId === undefined ? {} : { tenantId: spec.tenantId }),
          ...(spec.ownerId === undefined ? {} : { ownerId: spec.ownerId }),
          ...(spec.group === undefined ? {} : { group: spec.group }),
          ...(spec.scheduleName === undefined ? {} : { scheduleName: spec.scheduleName }),
          ...(spec.errorCode === undefined ? {} : { errorCode: spec.errorCode }),
          ...(spec.metadata === undefined ? {} : { metadata: spec.metadata }),
          ...(spec.createdAfter === undefined ? {} : { createdAfter: at(spec.createdAfter) }),
          ...(spec.createdBefore === undefined ? {} : { createdBefore: at(spec.createdBefore) }),
          ...(spec.activeSince === undefined ? {} : { activeSince: at(spec.activeSince) }),
        };
        const expected = (await queryAll(memory, filter, 1000)).map((job) => job.id);
        const actual = ids(select(docs, storeFilter(filter), QUERY_SORT));
        expect(actual).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('matches an expectation exactly when the memory store would apply the transition', async () => {
    // Each condition is absent, taken from the job itself (so it holds, or sits right at a
    // boundary), or random: random values alone would rarely hit the interesting cases.
    const pick = fc.integer({ min: 0, max: 3 });
    const expectationSpec = fc.record({
      status: pick,
      statusList: fc.subarray([...JOB_STATUSES]),
      leaseOwner: pick,
      attempt: pick,
      leaseExpiresBefore: pick,
      random: fc.record({ status: fc.constantFrom(...JOB_STATUSES), owner: fc.constantFrom(null, ...OWNERS), attempt: fc.integer({ min: 0, max: 3 }), before: fc.integer({ min: -4, max: 4 }) }),
    });
    await fc.assert(
      fc.asyncProperty(jobSpec, expectationSpec, async (spec, choice) => {
        const { memory, docs, jobs } = await seed([spec]);
        const job = jobs[0]!;
        const expiry = job.lease === null ? BASE : job.lease.expiresAt.getTime();
        const expected: Expectation = {};
        if (choice.status === 1) expected.status = job.status;
        if (choice.status === 2) expected.status = choice.random.status;
        if (choice.status === 3) expected.status = choice.statusList;
        if (choice.leaseOwner === 1) expected.leaseOwner = job.lease?.owner ?? null;
        if (choice.leaseOwner >= 2) expected.leaseOwner = choice.random.owner;
        if (choice.attempt === 1) expected.attempt = job.attempt;
        if (choice.attempt >= 2) expected.attempt = choice.random.attempt;
        if (choice.leaseExpiresBefore === 1) expected.leaseExpiresBefore = new Date(expiry);
        if (choice.leaseExpiresBefore === 2) expected.leaseExpiresBefore = new Date(expiry + 1);
        if (choice.leaseExpiresBefore === 3) expected.leaseExpiresBefore = at(choice.random.before);
        const result = await memory.transition(job.id, expected, { updatedAt: at(9) });
        expect(matches(expectationFilter(job.id, expected), docs[0]!)).toBe(result.ok);
      }),
      { numRuns: 300 },
    );
  });

  it('writes a transition patch like the memory store', async () => {
    const failure = { message: 'boom', code: 'E', name: 'Error', retryable: true, attempt: 1, at: at(2) };
    const ended: JobHistoryEntry = {
      kind: 'attempt',
      attempt: 1,
      owner: 'w1',
      startedAt: at(0),
      finishedAt: at(2),
      outcome: 'retrying',
      error: failure,
      progress: 0.5,
      stage: 'Parsing',
      metrics: { rows: 1, 'cost.usd': 0.25, $spent: 2, '': 3 },
    };
    const patches: JobPatch[] = [
      // history and metrics replace what is stored (never a merge), in any combination.
      { status: 'retrying', lease: null, history: [ended, { kind: 'retry', at: at(3), afterAttempt: 1 }], metrics: {}, updatedAt: at(3) },
      { history: [ended], updatedAt: at(4) },
      { metrics: { 'cost.usd': 2.5, '': 1 }, updatedAt: at(4) },
      { status: 'failed', lease: null, finishedAt: at(5), history: [], metrics: { rows: 7 }, updatedAt: at(5) },
      { status: 'completed', lease: null, result: { rows: [1, 2] }, note: 'done', finishedAt: at(5), updatedAt: at(5) },
      { status: 'retrying', lease: null, runAt: at(60), error: failure, errors: [failure], progress: 0.5, updatedAt: at(6) },
      { status: 'running', attempt: 2, lease: { owner: 'w2', expiresAt: at(90) }, startedAt: at(7), stage: null, current: null, total: null, updatedAt: at(7) },
      { maxAttempts: 9, stage: 'Backing off', current: 3, total: 10, startedAt: null, finishedAt: null, updatedAt: at(8) },
    ];
    for (const patch of patches) {
      const { memory, docs, jobs } = await seed([
        {
          type: 0,
          metadata: 0,
          status: 'running',
          attempt: 1,
          priority: 0,
          runAt: 0,
          tenant: null,
          owner: null,
          group: 'g1',
          errorCode: null,
          scheduledFor: 0,
          created: 0,
          finished: null,
          lease: { owner: 0, expires: 30 },
          metrics: { rows: 1, 'cost.usd': 1 },
          history: [{ kind: 'retry', at: at(1), afterAttempt: 0 }],
        },
      ]);
      const result = await memory.transition(jobs[0]!.id, {}, patch);
      apply(docs[0]!, patchUpdate(patch));
      expect(result.ok && toJob(docs[0]!)).toEqual(result.ok && result.job);
    }
  });

  it('finds the same expired leases, oldest first, and renews the same held leases', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(jobSpec, { maxLength: 25 }),
        fc.integer({ min: -3, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(...OWNERS),
        async (specs, now, limit, owner) => {
          const { memory, docs, jobs } = await seed(specs);
          const expired = await memory.findExpired(at(now), limit);
          const found = select(docs, expiredLeasesFilter(at(now)), EXPIRED_LEASES_SORT, limit);
          expect(ids(found)).toEqual(expired.map((job) => job.id));

          const wanted = jobs.filter((_, index) => index % 2 === 0).map((job) => job.id);
          const held = await memory.heartbeat(owner, wanted, at(100));
          const renewed = select(docs, heldLeasesFilter(owner, wanted));
          expect(ids(renewed).sort()).toEqual([...held].sort());
          for (const doc of renewed) apply(doc, renewLeaseUpdate(at(100)));
          for (const doc of docs) expect(toJob(doc)).toEqual(await memory.get(doc._id));
        },
      ),
      RUNS,
    );
  });

  it('writes progress and metrics only where the memory store does, with the same result, fenced or not', async () => {
    // The fences: none, null (no owner check), the job's own owner/attempt, or another one. Half
    // the jobs run, so fences that hold are common too.
    const fenceSpec = fc.record({
      running: fc.boolean(),
      owner: fc.constantFrom('absent', 'null', 'same', ...OWNERS),
      attempt: fc.constantFrom<'absent' | 'same' | number>('absent', 'same', 0, 1, 2, 3),
    });
    await fc.assert(
      fc.asyncProperty(jobSpec, fenceSpec, fc.dictionary(fc.constantFrom(...METRIC_NAMES), fc.integer({ min: -3, max: 3 })), async (spec, fence, deltas) => {
        const { memory, docs, jobs } = await seed([fence.running ? { ...spec, status: 'running' } : spec]);
        const job = jobs[0]!;
        const id = job.id;
        const doc = docs[0]!;
        const owner = fence.owner === 'absent' ? undefined : fence.owner === 'null' ? null : fence.owner === 'same' ? (job.lease?.owner ?? 'w1') : fence.owner;
        const attempt = fence.attempt === 'absent' ? undefined : fence.attempt === 'same' ? job.attempt : fence.attempt;

        const progress = { progress: 0.25, stage: 'Parsing', updatedAt: at(10) };
        const wrote = await memory.updateProgress(id, progress, owner, attempt);
        expect(matches(progressFilter(id, owner, attempt), doc)).toBe(wrote);
        if (wrote) apply(doc, progressUpdate(progress));

        const metrics = await memory.incrementMetrics(id, deltas, at(11), owner, attempt);
        if (matches(incrementMetricsFilter(id, owner, attempt), doc)) {
          apply(doc, incrementMetricsUpdate(deltas, Object.keys(deltas), at(11)));
          expect(decodeMetrics(doc.metrics)).toEqual(metrics);
        } else {
          // What the store answers after a miss, from the document as read right after it.
          expect(missedIncrement(doc, owner, attempt)).toBe(metrics);
        }
        expect(toJob(doc)).toEqual(await memory.get(id));
        expect(await memory.incrementMetrics(makeJob().id, deltas, at(12), owner, attempt)).toBe(missedIncrement(null, owner, attempt));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses exactly the increments the memory store refuses as overflowing, and writes none of their deltas', async () => {
    const MAX = Number.MAX_VALUE;
    const edge = fc.constantFrom(0, 1, -1, 1e308, -1e308, MAX, -MAX, MAX / 2, -MAX / 2, 2 ** 970, -(2 ** 970), 2 ** 971, 1e292, 9e291, 1.5e308);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...METRIC_NAMES), edge),
        fc.dictionary(fc.constantFrom(...METRIC_NAMES), edge),
        async (stored, deltas) => {
          const job = makeJob({ status: 'running', attempt: 1, metrics: stored });
          const memory = new MemoryJobStore();
          await memory.insert(job);
          const doc = toDocument(job);
          const names = Object.keys(deltas);
          let refused = false;
          try {
            const metrics = await memory.incrementMetrics(job.id, deltas, at(11));
            expect(matches({ ...incrementMetricsFilter(job.id, null, null), ...headroomFilter(deltas, names) }, doc)).toBe(true);
            apply(doc, incrementMetricsUpdate(deltas, names, at(11)));
            expect(decodeMetrics(doc.metrics)).toEqual(metrics);
          } catch (error) {
            expect((error as { code?: string }).code).toBe('invalid_input');
            refused = true;
          }
          if (refused) {
            expect(matches({ ...incrementMetricsFilter(job.id, null, null), ...headroomFilter(deltas, names) }, doc)).toBe(false);
            expect(overflowingMetric(doc.metrics, deltas, names)).not.toBeNull();
            expect(decodeMetrics(doc.metrics)).toEqual((await memory.get(job.id))!.metrics);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('prunes the same finished jobs, oldest first, within the limit', async () => {
    const cutOffs = fc.record(Object.fromEntries(TERMINAL_STATUSES.map((status) => [status, fc.integer({ min: 0, max: 6 })])), { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.array(jobSpec, { maxLength: 25 }), cutOffs, fc.integer({ min: 1, max: 8 }), async (specs, cut, limit) => {
        const { memory, docs } = await seed(specs);
        const before = Object.fromEntries(Object.entries(cut).map(([status, seconds]) => [status, at(seconds as number)]));
        const deleted = await memory.prune({ before, limit });
        const plan = prunePlan({ before, limit });
        const doomed = plan.filter === null ? [] : select(docs, plan.filter, PRUNE_SORT, plan.limit);
        expect(doomed).toHaveLength(deleted);
        const left = docs.filter((doc) => !doomed.includes(doc));
        expect(ids(left).sort()).toEqual((await queryAll(memory, {}, 1000)).map((job) => job.id).sort());
      }),
      RUNS,
    );
  });
});
