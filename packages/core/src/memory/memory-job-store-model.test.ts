import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import { isTerminal, TERMINAL_STATUSES, type JobStatus } from '../model/job-status.js';
import type { Expectation, JobPatch, StoreFilter } from '../store/job-store.js';
import { makeJob } from '../testing/make-job.js';
import { queryAll } from '../testing/store-contract-options.js';
import { MemoryJobStore } from './memory-job-store.js';

// The in-memory store against a naive reference model, under random operation sequences.
const base = Date.UTC(2030, 0, 1);
const at = (ms = 0): Date => new Date(base + ms);

const TYPES = ['t0', 't1'] as const;
const KEYS = ['k0', 'k1'] as const;
const OWNERS = ['w0', 'w1', 'w2'] as const;
const TENANTS = [null, 'tenant-a'] as const;

type Op =
  | { kind: 'insert'; type: number; key: number | null; status: 'queued' | 'retrying' | 'completed' | 'cancelled'; priority: number; runAt: number; tenant: number }
  | { kind: 'claim'; owner: number; limits: number[]; limit: number }
  | {
      kind: 'transition';
      job: number;
      to: 'start' | 'complete' | 'fail' | 'retry' | 'cancel' | 'requeue' | 'release' | 'reschedule';
      owner: number | null | 'current' | 'none';
      attempt: number | 'current' | 'none';
      runAt: number;
    }
  | { kind: 'heartbeat'; owner: number; jobs: number[]; extend: number }
  | { kind: 'progress'; job: number; owner: number | null }
  | { kind: 'metrics'; job: number; delta: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'recover' }
  | { kind: 'prune'; age: number; limit: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      type: fc.nat(TYPES.length - 1),
      key: fc.option(fc.nat(KEYS.length - 1), { nil: null }),
      status: fc.constantFrom('queued' as const, 'queued' as const, 'retrying' as const, 'completed' as const, 'cancelled' as const),
      priority: fc.integer({ min: 0, max: 1 }),
      runAt: fc.integer({ min: -5, max: 5 }),
      tenant: fc.nat(TENANTS.length - 1),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      owner: fc.nat(OWNERS.length - 1),
      limits: fc.array(fc.nat(3), { minLength: TYPES.length, maxLength: TYPES.length }),
      limit: fc.integer({ min: 0, max: 6 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('transition' as const),
      job: fc.nat(),
      to: fc.constantFrom('start' as const, 'reschedule' as const, 'complete' as const, 'fail' as const, 'retry' as const, 'cancel' as const, 'requeue' as const, 'release' as const),
      owner: fc.oneof(fc.constant('current' as const), fc.constant('none' as const), fc.constant(null), fc.nat(OWNERS.length - 1)),
      attempt: fc.oneof(fc.constant('current' as const), fc.constant('none' as const), fc.nat(3)),
      runAt: fc.integer({ min: 0, max: 5 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('heartbeat' as const),
      owner: fc.nat(OWNERS.length - 1),
      jobs: fc.array(fc.nat(), { maxLength: 4 }),
      extend: fc.integer({ min: 1, max: 10 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('progress' as const), job: fc.nat(), owner: fc.option(fc.nat(OWNERS.length - 1), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('metrics' as const), job: fc.nat(), delta: fc.integer({ min: -5, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'recover' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prune' as const), age: fc.integer({ min: 0, max: 6 }), limit: fc.integer({ min: 1, max: 3 }) }) },
);

/** The store contract written as plainly as possible: a list and linear scans. */
class ReferenceModel {
  readonly jobs = new Map<string, Job>();

  /** The unfinished job other than `except` holding `of`'s key in its type, tenant and owner. */
  private activeHolder(of: Job, except?: string): Job | undefined {
    if (of.key === null) return undefined;
    for (const job of this.jobs.values()) {
      const sameScope = job.type === of.type && job.tenantId === of.tenantId && job.ownerId === of.ownerId;
      if (job.id !== except && sameScope && job.key === of.key && !isTerminal(job.status)) return job;
    }
    return undefined;
  }

  insert(job: Job): { id: string; created: boolean } {
    const holder = this.activeHolder(job);
    if (holder !== undefined) return { id: holder.id, created: false };
    this.jobs.set(job.id, structuredClone(job));
    return { id: job.id, created: true };
  }

  transition(id: string, expected: Expectation, patch: JobPatch): 'ok' | 'conflict' | 'duplicate_key' | 'not_found' {
    const job = this.jobs.get(id);
    if (job === undefined) return 'not_found';
    const statuses = expected.status === undefined ? undefined : ([] as JobStatus[]).concat(expected.status);
    if (statuses !== undefined && !statuses.includes(job.status)) return 'conflict';
    if (expected.leaseOwner !== undefined && (job.lease?.owner ?? null) !== expected.leaseOwner) return 'conflict';
    if (expected.attempt !== undefined && job.attempt !== expected.attempt) return 'conflict';
    const to = patch.status ?? job.status;
    if (isTerminal(job.status) && !isTerminal(to) && this.activeHolder(job, id) !== undefined) return 'duplicate_key';
    for (const [field, value] of Object.entries(patch)) {
      if (value !== undefined) (job as unknown as Record<string, unknown>)[field] = structuredClone(value);
    }
    return 'ok';
  }

  claim(owner: string, now: number, limits: Record<string, number>, limit: number, expiresAt: number): string[] {
    const due = [...this.jobs.values()]
      .filter((job) => (job.status === 'queued' || job.status === 'retrying') && job.runAt.getTime() <= now && (limits[job.type] ?? 0) > 0)
      .sort((a, b) => b.priority - a.priority || a.runAt.getTime() - b.runAt.getTime() || (a.id < b.id ? -1 : 1));
    const taken: string[] = [];
    const perType = new Map<string, number>();
    for (const job of due) {
      if (taken.length >= limit) break;
      const count = perType.get(job.type) ?? 0;
      if (count >= limits[job.type]!) continue;
      perType.set(job.type, count + 1);
      taken.push(job.id);
      job.status = 'running';
      job.attempt += 1;
      job.lease = { owner, expiresAt: new Date(expiresAt) };
      job.startedAt = new Date(now);
      job.updatedAt = new Date(now);
    }
    return taken;
  }

  heartbeat(owner: string, ids: string[], expiresAt: number): string[] {
    const held: string[] = [];
    for (const id of new Set(ids)) {
      const job = this.jobs.get(id);
      if (job?.status === 'running' && job.lease?.owner === owner) {
        job.lease.expiresAt = new Date(expiresAt);
        held.push(id);
      }
    }
    return held;
  }

  expired(now: number): string[] {
    return [...this.jobs.values()]
      .filter((job) => job.status === 'running' && job.lease !== null && job.lease.expiresAt.getTime() < now)
      .sort((a, b) => a.lease!.expiresAt.getTime() - b.lease!.expiresAt.getTime() || (a.id < b.id ? -1 : 1))
      .map((job) => job.id);
  }

  progress(id: string, owner: string | null, progress: number, updatedAt: number): boolean {
    const job = this.jobs.get(id);
    if (job?.status !== 'running') return false;
    if (owner !== null && job.lease?.owner !== owner) return false;
    job.progress = progress;
    job.updatedAt = new Date(updatedAt);
    return true;
  }

  metrics(id: string, delta: number, updatedAt: number): Record<string, number> | null | 'finished' {
    const job = this.jobs.get(id);
    if (job === undefined) return null;
    if (isTerminal(job.status)) return 'finished';
    job.metrics['n'] = (job.metrics['n'] ?? 0) + delta;
    job.updatedAt = new Date(updatedAt);
    return { ...job.metrics };
  }

  prune(cutOff: number, limit: number): number {
    const doomed = [...this.jobs.values()]
      .filter((job) => isTerminal(job.status) && job.finishedAt !== null && job.finishedAt.getTime() < cutOff)
      .sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime() || (a.id < b.id ? -1 : 1))
      .slice(0, limit);
    for (const job of doomed) this.jobs.delete(job.id);
    return doomed.length;
  }
}

describe('MemoryJobStore model-based property', () => {
  it('matches a naive reference model and keeps its invariants under random operation sequences', async () => {
    await fc.assert(
      // size: 'max' — fast-check otherwise keeps arrays short, and interesting states need many steps.
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 100, size: 'max' }), async (ops) => {
        const store = new MemoryJobStore();
        const model = new ReferenceModel();
        /** Ids of every job created so far (pruned ones included: they exercise not_found). */
        const known: string[] = [];
        /** Virtual time, ms after `base`. */
        let now = 0;
        const pick = (index: number): string | undefined => (known.length === 0 ? undefined : known[index % known.length]);

        for (const op of ops) {
          switch (op.kind) {
            case 'insert': {
              const finished = op.status === 'completed' || op.status === 'cancelled';
              const job = makeJob({
                type: TYPES[op.type]!,
                key: op.key === null ? null : KEYS[op.key]!,
                status: op.status,
                attempt: op.status === 'retrying' ? 1 : 0,
                priority: op.priority,
                runAt: at(now + op.runAt),
                tenantId: TENANTS[op.tenant]!,
                finishedAt: finished ? at(now) : null,
                createdAt: at(now),
                updatedAt: at(now),
              });
              const result = await store.insert(job);
              const expected = model.insert(job);
              expect({ id: result.job.id, created: result.created }).toEqual(expected);
              if (result.created) known.push(job.id);
              break;
            }
            case 'claim': {
              const limits = Object.fromEntries(TYPES.map((type, i) => [type, op.limits[i]!]));
              // The store equalled the model after the previous step, so the model is the state before.
              const before = new Map([...model.jobs].map(([id, job]) => [id, { status: job.status, lease: job.lease, attempt: job.attempt }]));
              const owner = OWNERS[op.owner]!;
              const claimed = await store.claim({ owner, now: at(now), leaseExpiresAt: at(now + 5), limits, limit: op.limit });
              expect(claimed.map((job) => job.id)).toEqual(model.claim(owner, base + now, limits, op.limit, base + now + 5));
              for (const job of claimed) {
                // Never leased twice: every claimed job was claimable (so unleased) right before.
                const previous = before.get(job.id);
                expect(previous?.lease).toBeNull();
                expect(['queued', 'retrying']).toContain(previous?.status);
                expect(job).toMatchObject({ status: 'running', attempt: previous!.attempt + 1, lease: { owner } });
              }
              break;
            }
            case 'transition': {
              const id = pick(op.job);
              if (id === undefined) break;
              const current = model.jobs.get(id);
              const expected: Expectation = {};
              let patch: JobPatch;
              const stamp = at(now);
              switch (op.to) {
                case 'start':
                  // Starting without claim (as a tracker does): the lease must still be honoured.
                  expected.status = ['queued', 'retrying'];
                  patch = {
                    status: 'running',
                    attempt: (current?.attempt ?? 0) + 1,
                    lease: { owner: OWNERS[typeof op.owner === 'number' ? op.owner : 0]!, expiresAt: at(now + op.runAt) },
                    startedAt: stamp,
                    updatedAt: stamp,
                  };
                  break;
                case 'reschedule':
                  // A claimable job moved to another time: it must not stay claimable at the old one.
                  expected.status = ['queued', 'retrying'];
                  patch = { runAt: at(now + op.runAt - 2), updatedAt: stamp };
                  break;
                case 'complete':
                case 'fail':
                  expected.status = 'running';
                  patch = { status: op.to === 'complete' ? 'completed' : 'failed', lease: null, finishedAt: stamp, updatedAt: stamp };
                  break;
                case 'retry':
                  expected.status = 'running';
                  patch = { status: 'retrying', lease: null, runAt: at(now + op.runAt), updatedAt: stamp };
                  break;
                case 'release':
                  expected.status = 'running';
                  patch = { status: 'queued', lease: null, attempt: Math.max(0, (current?.attempt ?? 1) - 1), updatedAt: stamp };
                  break;
                case 'cancel':
                  expected.status = ['queued', 'retrying', 'running'];
                  patch = { status: 'cancelled', lease: null, finishedAt: stamp, updatedAt: stamp };
                  break;
                case 'requeue':
                  expected.status = ['failed', 'cancelled'];
                  patch = { status: 'queued', finishedAt: null, runAt: at(now + op.runAt), updatedAt: stamp };
                  break;
              }
              if (op.owner === 'current') expected.leaseOwner = current?.lease?.owner ?? null;
              else if (op.owner !== 'none') expected.leaseOwner = op.owner === null ? null : OWNERS[op.owner]!;
              if (op.attempt === 'current') expected.attempt = current?.attempt ?? 0;
              else if (op.attempt !== 'none') expected.attempt = op.attempt;

              const result = await store.transition(id, expected, patch);
              const modelResult = model.transition(id, expected, patch);
              expect(result.ok ? 'ok' : result.reason).toBe(modelResult);
              if (!result.ok && result.reason === 'conflict') expect(result.current).toEqual(model.jobs.get(id));
              break;
            }
            case 'heartbeat': {
              const owner = OWNERS[op.owner]!;
              const ids = op.jobs.map(pick).filter((id): id is string => id !== undefined);
              const held = await store.heartbeat(owner, ids, at(now + op.extend));
              expect(held).toEqual(model.heartbeat(owner, ids, base + now + op.extend));
              break;
            }
            case 'progress': {
              const id = pick(op.job);
              if (id === undefined) break;
              const owner = op.owner === null ? null : OWNERS[op.owner]!;
              const value = (now % 10) / 10;
              expect(await store.updateProgress(id, { progress: value, updatedAt: at(now) }, owner)).toBe(model.progress(id, owner, value, base + now));
              break;
            }
            case 'metrics': {
              const id = pick(op.job);
              if (id === undefined) break;
              expect(await store.incrementMetrics(id, { n: op.delta }, at(now))).toEqual(model.metrics(id, op.delta, base + now));
              break;
            }
            case 'advance':
              now += op.ms;
              break;
            case 'recover': {
              // What a worker does with expired leases: hand each back, CAS on owner and attempt.
              const expired = await store.findExpired(at(now), 100);
              expect(expired.map((job) => job.id)).toEqual(model.expired(base + now));
              for (const job of expired) {
                const expected: Expectation = { status: 'running', leaseOwner: job.lease!.owner, attempt: job.attempt };
                const patch: JobPatch = { status: 'retrying', lease: null, runAt: at(now), updatedAt: at(now) };
                const result = await store.transition(job.id, expected, patch);
                expect(result.ok ? 'ok' : result.reason).toBe(model.transition(job.id, expected, patch));
              }
              break;
            }
            case 'prune': {
              const cutOff = now - op.age;
              const before = Object.fromEntries(TERMINAL_STATUSES.map((status) => [status, at(cutOff)]));
              expect(await store.prune({ before, limit: op.limit })).toBe(model.prune(base + cutOff, op.limit));
              break;
            }
          }
          await checkInvariants(store, model, known);
        }
        await store.close();
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});

/**
 * Invariants that must hold after every step. Violations are collected and asserted once: a
 * vitest `expect` per job per step would dominate the run time.
 */
async function checkInvariants(store: MemoryJobStore, model: ReferenceModel, known: string[]): Promise<void> {
  // Same records as the model, field for field, and nothing else.
  const all = await queryAll(store, {}, 1000);
  const expected = [...model.jobs.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
  if (!isDeepStrictEqual(all, expected)) expect(all).toEqual(expected);
  const probe = known[known.length - 1];
  if (probe !== undefined) expect(await store.get(probe)).toEqual(model.jobs.get(probe) ?? null);

  const problems: string[] = [];
  const activeKeys = new Set<string>();
  for (const job of all) {
    // A job is running exactly when it holds a lease (every start here, claim or transition, sets one).
    if ((job.status === 'running') !== (job.lease !== null)) problems.push(`${job.id}: ${job.status} with lease ${String(job.lease?.owner)}`);
    // At most one active job per type + tenant + owner + key.
    if (job.key !== null && !isTerminal(job.status)) {
      const slot = JSON.stringify([job.type, job.tenantId, job.ownerId, job.key]);
      if (activeKeys.has(slot)) problems.push(`two active jobs hold ${slot}`);
      activeKeys.add(slot);
    }
  }

  // Counts agree with query results, overall and under filters (the first one paged in small steps).
  const filters: StoreFilter[] = [{}, { tenantId: null }, { tenantId: 'tenant-a', type: ['t1'] }, { status: ['running', 'queued'] }];
  for (const [index, filter] of filters.entries()) {
    const rows = await queryAll(store, filter, index === 0 ? 4 : 1000);
    const counts = await store.count(filter);
    const total = counts.reduce((sum, entry) => sum + entry.count, 0);
    if (total !== rows.length) problems.push(`count ${total} != query ${rows.length} for ${JSON.stringify(filter)}`);
    for (const entry of counts) {
      const matching = rows.filter((job) => job.type === entry.type && job.status === entry.status).length;
      if (entry.count !== matching) problems.push(`count ${JSON.stringify(entry)} != ${matching} rows`);
    }
  }
  expect(problems).toEqual([]);
}
