import type { Job } from '@jobtrail/core';
import { makeJob, uniqueName } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from './support/test-database.js';

/**
 * Inserts send each column as one array literal (jsonb columns as one JSON array): every text an
 * array literal must quote, and every JSON value, has to come back exactly as given, through the
 * short column list of new jobs and the full one alike.
 */
let db: TestStore;

beforeAll(async () => {
  db = await createTestStore('insert_encoding');
});

afterAll(async () => {
  await db.drop();
});

/** Texts an array literal element would misread unquoted or unescaped. */
const AWKWARD_TEXTS = ['NULL', 'null', 'a,b', '{x}', '"quoted"', 'back\\slash', '\\"', ' padded ', 'tab\tand\nnewline', 'ünïcødé ✓ 🚀', "it's"];

async function stored(id: string): Promise<Job> {
  const job = await db.store.get(id);
  if (job === null) throw new Error(`job ${id} is missing`);
  return job;
}

/** A job that has run: every column that new jobs leave at its default holds something. */
function ranJob(type: string, text: string): Job {
  const at = new Date('2031-02-03T04:05:06.789Z');
  const error = { message: `boom ${text}`, code: 'E_TEST', name: 'Error', retryable: true, attempt: 1, at };
  return makeJob({
    type,
    status: 'running',
    attempt: 2,
    lease: { owner: `worker ${text}`, expiresAt: new Date(at.getTime() + 30_000) },
    progress: 0.25,
    stage: text,
    current: 5,
    total: 20,
    result: { text },
    metrics: { rows: 3 },
    note: text,
    error,
    errors: [error],
    history: [
      { kind: 'retry', at, afterAttempt: 1 },
      { kind: 'attempt', attempt: 1, owner: null, startedAt: at, finishedAt: at, outcome: 'failed', error, progress: 0.5, stage: text, metrics: { rows: 1 } },
    ],
    startedAt: at,
    trace: `00-${text}`,
  });
}

describe('insert encoding', () => {
  it('new jobs: texts an array literal must quote and JSON values come back exactly', async () => {
    const type = uniqueName('enc.new');
    const jobs = AWKWARD_TEXTS.map((text, n) =>
      makeJob({
        type,
        key: text,
        tenantId: text,
        ownerId: `${text}-owner`,
        group: text,
        scheduleName: text,
        scheduledFor: new Date(Date.UTC(2030, 0, 1, 0, 0, n)),
        priority: 1 - n,
        maxAttempts: n + 1,
        payload: { text, nested: [text, { [text]: n }], n, flag: n % 2 === 0, none: null },
        metadata: { [text]: text },
        trace: text,
      }),
    );
    const answer = await db.store.insertMany(jobs);
    expect(answer.results.every((result) => result.created)).toBe(true);
    for (const [index, result] of answer.results.entries()) {
      expect(result.job).toEqual(jobs[index]);
      expect(await stored(jobs[index]!.id)).toEqual(result.job);
    }
  });

  it('jobs that have run take the full column list, each column back as given', async () => {
    const type = uniqueName('enc.full');
    const jobs = AWKWARD_TEXTS.map((text) => ranJob(type, text));
    // One new job among them: the batch still goes through the full list.
    jobs.push(makeJob({ type, payload: 'plain' }));
    const answer = await db.store.insertMany(jobs);
    for (const [index, result] of answer.results.entries()) {
      expect(result.created).toBe(true);
      expect(result.job).toEqual(jobs[index]);
      expect(await stored(jobs[index]!.id)).toEqual(result.job);
    }
    // Through the coalesced single insert too.
    const single = ranJob(type, 'single "one"');
    const inserted = await db.store.insert(single);
    expect(inserted.job).toEqual(single);
    expect(await stored(single.id)).toEqual(single);
  });

  it('JSON payloads of every kind; a null payload or result is SQL NULL', async () => {
    const type = uniqueName('enc.json');
    const payloads: unknown[] = [null, 'null', 'text with "quotes" and \\ backslash', 0, -1.5e-7, false, [], {}, [null, 1, 'a,b'], { '': '', 'k"ey': 'v\\al' }];
    const jobs = payloads.map((payload) => makeJob({ type, payload }));
    const answer = await db.store.insertMany(jobs);
    expect(answer.results.map((result) => result.job.payload)).toEqual(payloads);
    for (const job of jobs) expect((await stored(job.id)).payload).toEqual(job.payload);
    const rows = (await db.dataSource.query(
      `SELECT id FROM ${db.store.names.qualified} WHERE type = $1 AND payload IS NULL AND result IS NULL AND error IS NULL`,
      [type],
    )) as Array<{ id: string }>;
    expect(rows.map((row) => row.id)).toEqual([jobs[0]!.id]);
    // One job alone goes as plain values: the same answers.
    for (const payload of payloads) {
      const single = makeJob({ type, payload, key: AWKWARD_TEXTS[payloads.indexOf(payload) % AWKWARD_TEXTS.length]! });
      const answer = await db.store.insert(single);
      expect(answer).toMatchObject({ created: true });
      expect(answer.job).toEqual(single);
      expect(await stored(single.id)).toEqual(single);
    }
    const nulls = (await db.dataSource.query(`SELECT count(*)::int AS n FROM ${db.store.names.qualified} WHERE type = $1 AND payload IS NULL`, [type])) as Array<{ n: number }>;
    expect(nulls[0]!.n).toBe(2);
  });

  it('answers numbers as read back: -0 is 0', async () => {
    const job = makeJob({ type: uniqueName('enc.zero'), priority: -0, progress: -0 });
    const [result] = (await db.store.insertMany([job])).results;
    expect(Object.is(result!.job.priority, 0)).toBe(true);
    expect(Object.is(result!.job.progress, 0)).toBe(true);
    expect(await stored(job.id)).toEqual(result!.job);
  });

  it('answers fresh objects: the caller mutating its input changes neither the answer nor the row', async () => {
    const type = uniqueName('enc.fresh');
    const payload = { list: [1, 2] };
    const job = makeJob({ type, payload, metadata: { tag: 'a' } });
    const [result] = (await db.store.insertMany([job])).results;
    payload.list.push(3);
    job.runAt.setTime(0);
    expect(result!.job.payload).toEqual({ list: [1, 2] });
    expect(result!.job.runAt.getTime()).not.toBe(0);
    expect((await stored(job.id)).payload).toEqual({ list: [1, 2] });
  });

  it('keyed and key-less batches both dedupe against unfinished jobs of the same scope', async () => {
    const type = uniqueName('enc.keys');
    const holder = makeJob({ type, key: 'NULL', tenantId: 'a,b' });
    await db.store.insert(holder);
    const [again, otherTenant, noKey] = (
      await db.store.insertMany([makeJob({ type, key: 'NULL', tenantId: 'a,b' }), makeJob({ type, key: 'NULL', tenantId: 'a' }), makeJob({ type })])
    ).results;
    expect(again).toMatchObject({ created: false, job: { id: holder.id } });
    expect(otherTenant!.created).toBe(true);
    expect(noKey!.created).toBe(true);
  });
});
