import { MemoryJobStore, type JobStatus } from '@jobtrail/core';
import { guardStore, type ClaimRequest, type JobStore, type TypeControl } from '@jobtrail/core/store';
import { makeJob } from '@jobtrail/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeDb } from './fake-db.test-support.js';
import { MongoJobStore } from './mongo-job-store.js';

/**
 * The MongoDB store's flow control, claim by claim, against core's memory store (the reference
 * implementation of the port) on random data: jobs of several types and groups, records with
 * every kind of limit (changed between claims), claims with per-type and total limits at growing
 * times, jobs finishing in between. Over the fake Db (mingo evaluates every document the store
 * builds; the transactions run one at a time here), each claim must lease exactly the jobs the
 * memory store leases, in the same order, and count the same starts in the rate window.
 *
 * A type keeps one `intervalMs` throughout: the memory store forgets starts older than the window
 * in force whenever a claim names the type, so after the window grows it counts fewer than this
 * store, which keeps them until a claim of the type starts a job (both keep "at least intervalMs").
 */

const BASE = Date.UTC(2030, 0, 1);
const TYPES = ['a', 'b', 'c'] as const;
const CONTROLLED = ['a', 'b'] as const;
const INTERVAL_MS: Record<(typeof CONTROLLED)[number], number> = { a: 3000, b: 1000 };

const jobSpec = fc.record({
  type: fc.constantFrom(...TYPES),
  group: fc.constantFrom(null, 'g1', 'g2', 'g3'),
  // Few priorities and times, so that claim order often comes down to ids.
  priority: fc.integer({ min: 0, max: 1 }),
  runAt: fc.integer({ min: -3, max: 4 }),
  status: fc.constantFrom<JobStatus>('queued', 'queued', 'queued', 'retrying', 'running'),
});

// Each limit is often absent, so that claims take jobs and groups take turns often enough; claims
// come at times that put earlier starts right on a window's edge.
const controlSpec = fc.record({
  maxRunning: fc.option(fc.integer({ min: 1, max: 8 }), { freq: 2 }),
  maxRunningPerGroup: fc.option(fc.integer({ min: 1, max: 3 }), { freq: 2 }),
  rateLimit: fc.option(fc.record({ limit: fc.integer({ min: 1, max: 4 }), perGroup: fc.boolean() }), { freq: 2 }),
  paused: fc.constantFrom(false, false, false, true),
});

const stepSpec = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('claim' as const), advance: fc.constantFrom(0, 0, 400, 1000, 1500, 3000), limits: fc.tuple(...TYPES.map(() => fc.integer({ min: 0, max: 3 }))), limit: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('control' as const), type: fc.constantFrom(...CONTROLLED), control: fc.option(controlSpec) }) },
);

describe('flow-control claims (MongoDB store over the fake Db, against the memory store)', () => {
  it('lease the same jobs in the same order and count the same starts, claim after claim', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(jobSpec, { maxLength: 30 }),
        fc.tuple(fc.option(controlSpec), fc.option(controlSpec)),
        fc.array(stepSpec, { minLength: 1, maxLength: 12 }),
        async (jobs, initial, steps) => {
          const memory = guardStore(new MemoryJobStore());
          const mongo = guardStore(new MongoJobStore({ db: fakeDb().db, changeStreams: false }));
          const both = async <T>(call: (store: JobStore) => Promise<T>): Promise<[T, T]> => [await call(memory), await call(mongo)];
          for (const spec of jobs) {
            const job = makeJob({
              type: spec.type,
              group: spec.group,
              priority: spec.priority,
              runAt: new Date(BASE + spec.runAt * 1000),
              status: spec.status,
              ...(spec.status === 'running' ? { attempt: 1, lease: { owner: 'other', expiresAt: new Date(BASE + 3_600_000) }, startedAt: new Date(BASE) } : {}),
            });
            await both((store) => store.insert(job));
          }
          const records = new Map<string, TypeControl>();
          type Fields = Omit<TypeControl, 'type' | 'rateLimit' | 'version' | 'updatedAt'> & { rateLimit: Omit<NonNullable<TypeControl['rateLimit']>, 'intervalMs'> | null };
          const put = async (type: (typeof CONTROLLED)[number], fields: Fields | null) => {
            if (fields === null) return;
            const current = records.get(type) ?? null;
            const rateLimit = fields.rateLimit === null ? null : { ...fields.rateLimit, intervalMs: INTERVAL_MS[type] };
            const record: TypeControl = { type, ...fields, rateLimit, version: (current?.version ?? 1) + 1, updatedAt: new Date(BASE) };
            const [left, right] = await both((store) => store.putTypeControl!(record, current?.version ?? null));
            expect(right).toEqual(left);
            records.set(type, record);
          };
          await put('a', initial[0]);
          await put('b', initial[1]);
          let now = BASE;
          for (const step of steps) {
            if (step.kind === 'control') await put(step.type, step.control);
            else if (step.kind === 'finish') {
              const runningJobs = (await memory.query({ status: ['running'], limit: 100 })).jobs;
              const job = runningJobs[step.pick % Math.max(1, runningJobs.length)];
              if (job === undefined) continue;
              const patch = { status: 'completed' as const, lease: null, finishedAt: new Date(now), updatedAt: new Date(now) };
              const [left, right] = await both((store) => store.transition(job.id, { status: 'running' }, patch));
              expect(right).toEqual(left);
            } else {
              now += step.advance;
              const request: ClaimRequest = {
                owner: 'w',
                now: new Date(now),
                leaseExpiresAt: new Date(now + 60_000),
                limits: Object.fromEntries(TYPES.map((type, index) => [type, step.limits[index]!])),
                limit: step.limit,
              };
              const [expected, actual] = await both((store) => store.claim(request));
              expect(actual).toEqual(expected);
              for (const [type, record] of records) {
                if (record.rateLimit === null) continue;
                const since = new Date(now - record.rateLimit.intervalMs);
                for (const group of [undefined, null, 'g1']) {
                  const [left, right] = await both((store) => store.countStarts!(type, since, group));
                  expect(right, `${type} starts since ${since.toISOString()} in ${String(group)}`).toBe(left);
                }
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
