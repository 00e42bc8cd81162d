import { expect, it } from 'vitest';
import type { Job, JobAttemptEntry, JobError, JobHistoryEntry } from '../model/job.js';
import type { JobPatch } from '../store/job-store.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, type StoreContractOptions } from './store-contract-options.js';

/**
 * Insert, get and compare-and-set transitions: what every other guarantee is built on. Records
 * must round-trip exactly (Dates, nulls, nested JSON, unicode), and a transition whose
 * expectation no longer holds must answer `conflict` with the current record instead of writing.
 */
export function lifecycleSuite(options: StoreContractOptions): void {
  describeWithStore('lifecycle', options, (store) => {
    const base = Date.UTC(2031, 4, 6, 7, 8, 9, 123);

    function errorAt(attempt: number, ms: number): JobError {
      return {
        message: `Attempt ${attempt} failed: connect ECONNREFUSED — réessayer 🙃`,
        code: 'ECONNREFUSED',
        name: 'Error',
        retryable: true,
        attempt,
        at: at(base, ms),
      };
    }

    /** An ended attempt as core records it in `history`. */
    function attemptEntry(attempt: number, ms: number, overrides: Partial<JobAttemptEntry> = {}): JobAttemptEntry {
      return {
        kind: 'attempt',
        attempt,
        owner: `worker-${attempt} — 작업자`,
        startedAt: at(base, ms - 100),
        finishedAt: at(base, ms),
        outcome: 'retrying',
        error: errorAt(attempt, ms),
        progress: 0.25 * attempt,
        stage: `Attempt ${attempt} — 東京 🚀`,
        metrics: { leads: attempt * 10, 'cost.usd': 0.5, $spent: 2, '': 1 },
        ...overrides,
      };
    }

    /** Attempts, a manual retry, nested Dates, an error with a stack and one without, nulls. */
    function richHistory(): JobHistoryEntry[] {
      return [
        attemptEntry(1, 500, { error: { ...errorAt(1, 500), stack: 'Error: connect ECONNREFUSED\n    at f (x.js:1:1)' } }),
        attemptEntry(2, 900, { outcome: 'failed', owner: null, startedAt: null, stage: null, metrics: {} }),
        { kind: 'retry', at: at(base, 1000), afterAttempt: 2 },
        attemptEntry(3, 1500, { outcome: 'lease_expired', error: null, progress: 1 }),
      ];
    }

    /** The nested times of a history entry are Dates, and an absent error stack stayed absent. */
    function expectHistoryDates(history: readonly JobHistoryEntry[] | undefined): void {
      expect(history).toHaveLength(4);
      const [first, second, retry, third] = history as [JobAttemptEntry, JobAttemptEntry, JobHistoryEntry, JobAttemptEntry];
      expect(first.startedAt).toBeInstanceOf(Date);
      expect(first.finishedAt).toBeInstanceOf(Date);
      expect(first.error?.at).toBeInstanceOf(Date);
      expect(first.error?.stack).toBe('Error: connect ECONNREFUSED\n    at f (x.js:1:1)');
      expect(second.startedAt).toBeNull();
      expect(second.error?.at).toBeInstanceOf(Date);
      expect(second.error).not.toHaveProperty('stack');
      expect(retry.kind === 'retry' && retry.at).toBeInstanceOf(Date);
      expect(third.error).toBeNull();
    }

    it('inserts a job and reads back every field exactly', async () => {
      const parent = makeJob({ type: uniqueName('lifecycle.parent') });
      await store().insert(parent);
      const job = makeJob({
        type: uniqueName('lifecycle.full'),
        key: uniqueName('key-ключ-鍵'),
        parentId: parent.id,
        tenantId: uniqueName('tenant'),
        ownerId: uniqueName('owner'),
        status: 'running',
        attempt: 2,
        maxAttempts: 7,
        priority: -3,
        runAt: at(base, 1),
        lease: { owner: uniqueName('worker'), expiresAt: at(base, 30_000) },
        progress: 0.625,
        stage: 'Calling Google API — 東京 🚀',
        current: 5,
        total: 8,
        payload: {
          placeId: 'ChIJ-𝒳',
          nested: { list: [1, 2.5, -3, 0, true, false, null, 'ü'], empty: {}, emptyList: [] },
          deep: { a: { b: { c: { d: ['x', { e: 'שלום' }] } } } },
          big: 9_007_199_254_740_991,
          text: 'line 1\nline "2"\ttab \\ backslash',
        },
        result: { rows: [{ id: 1, ok: true }], summary: null },
        metadata: { placeId: 'abc', tags: ['a', 'b'], flags: { dryRun: false } },
        metrics: { leads: 12, tokens: 3456.5, negative: -2 },
        note: 'completed with 3 row errors',
        error: errorAt(1, 500),
        errors: [errorAt(1, 500), { ...errorAt(2, 900), code: null, name: null, retryable: false }],
        history: richHistory(),
        createdAt: at(base, 0),
        startedAt: at(base, 2),
        finishedAt: null,
        updatedAt: at(base, 3),
        trace: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      });
      const inserted = await store().insert(job);
      expect(inserted.created).toBe(true);
      expect(inserted.job).toEqual(job);
      const read = await store().get(job.id);
      expect(read).toEqual(job);
      expect(read?.runAt).toBeInstanceOf(Date);
      expect(read?.lease?.expiresAt).toBeInstanceOf(Date);
      expect(read?.errors[1]?.at).toBeInstanceOf(Date);
      expectHistoryDates(read?.history);
      expectHistoryDates(inserted.job.history);
    });

    it('keeps the history exactly through claim, transition and query', async () => {
      const type = uniqueName('lifecycle.history');
      const job = makeJob({ type, status: 'retrying', attempt: 3, runAt: at(base, 2000), history: richHistory(), metrics: { leads: 1 } });
      await store().insert(job);
      const owner = uniqueName('worker');
      const claimed = await store().claim({ owner, now: at(base, 3000), leaseExpiresAt: at(base, 60_000), limits: { [type]: 1 }, limit: 1 });
      expect(claimed).toHaveLength(1);
      expect(claimed[0]!.history).toEqual(job.history);
      expectHistoryDates(claimed[0]!.history);

      const next = attemptEntry(4, 4000, { outcome: 'completed', owner, error: null, progress: 1, metrics: { leads: 1 } });
      const history = [...job.history, next];
      const done = await store().transition(
        job.id,
        { status: 'running', leaseOwner: owner, attempt: 4 },
        { status: 'completed', lease: null, finishedAt: at(base, 4000), history, updatedAt: at(base, 4000) },
      );
      expect(done.ok).toBe(true);
      expect(done.ok && done.job.history).toEqual(history);
      expect(done.ok && (done.job.history[4] as JobAttemptEntry).finishedAt).toBeInstanceOf(Date);

      const [listed] = (await store().query({ type: [type], limit: 10 })).jobs;
      expect(listed?.history).toEqual(history);
      expectHistoryDates(listed?.history.slice(0, 4));
      expect(await store().get(job.id)).toEqual(done.ok && done.job);
    });

    it('replaces history and metrics wholesale when a transition sets them, and keeps them otherwise', async () => {
      const job = makeJob({
        type: uniqueName('lifecycle.replace'),
        status: 'running',
        attempt: 2,
        lease: { owner: uniqueName('worker'), expiresAt: at(base, 60_000) },
        startedAt: at(base),
        metrics: { leads: 12, tokens: 300 },
        history: [attemptEntry(1, 100)],
      });
      await store().insert(job);

      const kept = await store().transition(job.id, { status: 'running' }, { stage: 'Still going', updatedAt: at(base, 1) });
      expect(kept).toEqual({ ok: true, job: { ...job, stage: 'Still going', updatedAt: at(base, 1) } });

      const history: JobHistoryEntry[] = [attemptEntry(1, 100), attemptEntry(2, 200, { outcome: 'retrying', metrics: { leads: 12, tokens: 300 } })];
      const replaced = await store().transition(
        job.id,
        { status: 'running', attempt: 2 },
        { status: 'retrying', lease: null, runAt: at(base, 5000), history, metrics: { 'cost.usd': 0.75 }, updatedAt: at(base, 2) },
      );
      const expected: Job = {
        ...job,
        status: 'retrying',
        lease: null,
        runAt: at(base, 5000),
        stage: 'Still going',
        history,
        metrics: { 'cost.usd': 0.75 },
        updatedAt: at(base, 2),
      };
      expect(replaced).toEqual({ ok: true, job: expected });
      expect(await store().get(job.id)).toEqual(expected);

      const emptied = await store().transition(job.id, { status: 'retrying' }, { history: [], metrics: {}, updatedAt: at(base, 3) });
      expect(emptied).toEqual({ ok: true, job: { ...expected, history: [], metrics: {}, updatedAt: at(base, 3) } });
      expect(await store().get(job.id)).toEqual({ ...expected, history: [], metrics: {}, updatedAt: at(base, 3) });
    });

    it('keeps nulls and empty values as they were', async () => {
      const job = makeJob({
        type: uniqueName('lifecycle.nulls'),
        payload: null,
        result: null,
        metadata: {},
        metrics: {},
        stage: null,
        current: null,
        total: null,
        note: null,
        error: null,
        errors: [],
        startedAt: null,
        finishedAt: null,
        trace: null,
      });
      await store().insert(job);
      expect(await store().get(job.id)).toEqual(job);
    });

    it('answers null for a job that does not exist', async () => {
      expect(await store().get(makeJob().id)).toBeNull();
    });

    it('never shares objects with its callers', async () => {
      const job = makeJob({
        type: uniqueName('lifecycle.copies'),
        payload: { list: [1] },
        metadata: { a: 1 },
        history: [{ kind: 'retry', at: at(base, 7), afterAttempt: 1 }, attemptEntry(2, 9)],
      });
      const inserted = await store().insert(job);
      (job.payload as { list: number[] }).list.push(2);
      job.runAt.setTime(0);
      (job.history[0] as { at: Date }).at.setTime(0);
      (job.history[1] as JobAttemptEntry).metrics['leads'] = -1;
      job.history.push({ kind: 'retry', at: at(base), afterAttempt: 9 });
      (inserted.job.history[1] as JobAttemptEntry).error!.at.setTime(0);
      (inserted.job.metadata as { a: number }).a = 99;
      const first = await store().get(job.id);
      expect(first?.payload).toEqual({ list: [1] });
      expect(first?.metadata).toEqual({ a: 1 });
      expect(first?.runAt.getTime()).not.toBe(0);
      expect(first?.history).toEqual([{ kind: 'retry', at: at(base, 7), afterAttempt: 1 }, attemptEntry(2, 9)]);
      first!.metrics['x'] = 1;
      first!.runAt.setTime(1);
      (first!.history[1] as JobAttemptEntry).finishedAt.setTime(1);
      first!.history.length = 0;
      const second = await store().get(job.id);
      expect(second?.metrics).toEqual({});
      expect(second?.runAt.getTime()).not.toBe(1);
      expect(second?.history).toEqual([{ kind: 'retry', at: at(base, 7), afterAttempt: 1 }, attemptEntry(2, 9)]);
    });

    it('applies a transition when the expected status matches', async () => {
      const job = makeJob({ type: uniqueName('lifecycle.cas') });
      await store().insert(job);
      const patch: JobPatch = { status: 'cancelled', finishedAt: at(base, 10), note: 'user cancelled', updatedAt: at(base, 10) };
      const result = await store().transition(job.id, { status: 'queued' }, patch);
      const expected: Job = { ...job, status: 'cancelled', finishedAt: at(base, 10), note: 'user cancelled', updatedAt: at(base, 10) };
      expect(result).toEqual({ ok: true, job: expected });
      expect(await store().get(job.id)).toEqual(expected);
    });

    it('accepts a list of expected statuses', async () => {
      const job = makeJob({ type: uniqueName('lifecycle.cas-list'), status: 'retrying', attempt: 1 });
      await store().insert(job);
      const result = await store().transition(
        job.id,
        { status: ['queued', 'retrying'] },
        { status: 'cancelled', updatedAt: at(base, 1) },
      );
      expect(result.ok).toBe(true);
      const miss = await store().transition(job.id, { status: ['queued', 'retrying'] }, { status: 'queued', updatedAt: at(base, 2) });
      expect(miss).toMatchObject({ ok: false, reason: 'conflict' });
    });

    it('answers conflict with the current record, and writes nothing, when the status differs', async () => {
      const job = makeJob({ type: uniqueName('lifecycle.conflict') });
      await store().insert(job);
      const result = await store().transition(
        job.id,
        { status: 'running' },
        { status: 'completed', result: { lost: true }, updatedAt: at(base, 5) },
      );
      expect(result).toEqual({ ok: false, reason: 'conflict', current: job });
      expect(await store().get(job.id)).toEqual(job);
    });

    it('compares the lease owner: a name, or null for "no lease"', async () => {
      const owner = uniqueName('worker');
      const leased = makeJob({
        type: uniqueName('lifecycle.owner'),
        status: 'running',
        attempt: 1,
        lease: { owner, expiresAt: at(base, 60_000) },
        startedAt: at(base),
      });
      const unleased = makeJob({ type: leased.type, status: 'running', attempt: 1, startedAt: at(base) });
      await store().insert(leased);
      await store().insert(unleased);

      const wrongOwner = await store().transition(leased.id, { leaseOwner: uniqueName('other') }, { stage: 'x', updatedAt: at(base, 1) });
      expect(wrongOwner).toEqual({ ok: false, reason: 'conflict', current: leased });
      const expectsNone = await store().transition(leased.id, { leaseOwner: null }, { stage: 'x', updatedAt: at(base, 1) });
      expect(expectsNone).toMatchObject({ ok: false, reason: 'conflict' });
      const noLeaseWanted = await store().transition(unleased.id, { leaseOwner: owner }, { stage: 'x', updatedAt: at(base, 1) });
      expect(noLeaseWanted).toMatchObject({ ok: false, reason: 'conflict' });

      const right = await store().transition(leased.id, { status: 'running', leaseOwner: owner }, { stage: 'owned', updatedAt: at(base, 2) });
      expect(right).toMatchObject({ ok: true, job: { stage: 'owned' } });
      const none = await store().transition(unleased.id, { leaseOwner: null }, { stage: 'tracked', updatedAt: at(base, 2) });
      expect(none).toMatchObject({ ok: true, job: { stage: 'tracked' } });
    });

    it('compares the attempt', async () => {
      const job = makeJob({ type: uniqueName('lifecycle.attempt'), status: 'retrying', attempt: 2 });
      await store().insert(job);
      const stale = await store().transition(job.id, { attempt: 1 }, { status: 'cancelled', updatedAt: at(base, 1) });
      expect(stale).toEqual({ ok: false, reason: 'conflict', current: job });
      const fresh = await store().transition(job.id, { status: 'retrying', attempt: 2 }, { status: 'cancelled', updatedAt: at(base, 1) });
      expect(fresh).toMatchObject({ ok: true, job: { status: 'cancelled', attempt: 2 } });
    });

    it('answers not_found for a job that does not exist', async () => {
      const result = await store().transition(makeJob().id, { status: 'queued' }, { status: 'cancelled', updatedAt: at(base) });
      expect(result).toEqual({ ok: false, reason: 'not_found' });
    });

    it('writes every patch field exactly and leaves undefined fields alone', async () => {
      const job = makeJob({
        type: uniqueName('lifecycle.patch'),
        status: 'running',
        attempt: 1,
        lease: { owner: uniqueName('worker'), expiresAt: at(base, 1000) },
        stage: 'Starting',
        metadata: { keep: ['me'] },
        metrics: { kept: 1 },
        startedAt: at(base),
      });
      await store().insert(job);
      const patch: JobPatch = {
        status: 'retrying',
        attempt: 1,
        maxAttempts: 9,
        runAt: at(base, 123_456),
        lease: null,
        progress: 0.5,
        stage: 'Backing off — 待機中',
        current: 50,
        total: 100,
        result: { partial: [1, { two: 2 }], text: 'ñ' },
        note: 'rate limited',
        error: errorAt(1, 40),
        errors: [errorAt(1, 40)],
        startedAt: at(base, 1),
        finishedAt: null,
        updatedAt: at(base, 41),
      };
      const result = await store().transition(job.id, { status: 'running' }, patch);
      const { updatedAt, ...fields } = patch;
      const expected: Job = { ...job, ...fields, updatedAt };
      expect(result).toEqual({ ok: true, job: expected });
      expect(await store().get(job.id)).toEqual(expected);

      const clear = await store().transition(
        job.id,
        { status: 'retrying' },
        { stage: null, current: null, total: null, result: null, note: null, error: null, errors: [], startedAt: null, updatedAt: at(base, 50) },
      );
      const cleared: Job = {
        ...expected,
        stage: null,
        current: null,
        total: null,
        result: null,
        note: null,
        error: null,
        errors: [],
        startedAt: null,
        updatedAt: at(base, 50),
      };
      expect(clear).toEqual({ ok: true, job: cleared });
      expect(await store().get(job.id)).toEqual(cleared);
    });

    it('lets exactly one of many racing transitions win', async () => {
      const job = makeJob({ type: uniqueName('lifecycle.race') });
      await store().insert(job);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store().transition(job.id, { status: 'queued' }, { status: 'cancelled', note: `winner ${i}`, updatedAt: at(base, i) }),
        ),
      );
      const winners = results.filter((result) => result.ok);
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (!result.ok) expect(result).toMatchObject({ reason: 'conflict', current: { status: 'cancelled' } });
      }
      const stored = await store().get(job.id);
      expect(stored?.note).toBe(winners[0]!.ok ? winners[0]!.job.note : undefined);
    });
  });
}
