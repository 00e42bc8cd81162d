import { makeJob, uniqueName } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

let db: TestDatabase;
let store: PostgresJobStore;

beforeAll(async () => {
  db = await createTestDatabase('read_caps');
  store = new PostgresJobStore({ dataSource: db.dataSource });
  await store.migrate();
});

afterAll(async () => {
  await store.close();
  await db.drop();
});

describe('capped reads on PostgreSQL', () => {
  it('reads a tiny value that fits a tiny cap: jsonb headers never count against it', async () => {
    for (const payload of [7, 12, -1, 'a', true, [], {}]) {
      const job = makeJob({ type: uniqueName('caps.tiny'), payload });
      await store.insert(job);
      const cap = JSON.stringify(payload).length;
      const read = (await store.get(job.id, { read: { payload: { maxBytes: cap } } }))!;
      expect(read.payload, JSON.stringify(payload)).toEqual(payload);
      expect(read.unread).toEqual({});
      if (cap > 0) {
        const below = (await store.get(job.id, { read: { payload: { maxBytes: cap - 1 } } }))!;
        expect(below.unread?.payload, JSON.stringify(payload)).toEqual({ reason: 'too_large', bytes: cap });
      }
    }
  });

  it('measures a JSON null as the 4 bytes of `null`, as every store does', async () => {
    const job = makeJob({ type: uniqueName('caps.null'), payload: null });
    await store.insert(job);
    expect((await store.get(job.id, { read: { payload: { maxBytes: 3 } } }))!.unread).toEqual({ payload: { reason: 'too_large', bytes: 4 } });
    expect((await store.get(job.id, { read: { payload: { maxBytes: 4 } } }))!.payload).toBeNull();
  });

  it('reports a value proven too large by its stored size with a lower bound still above the cap', async () => {
    const noise = Array.from({ length: 20_000 }, (_, i) => ((i * 2_654_435_761) >>> 0).toString(36)).join('');
    const job = makeJob({ type: uniqueName('caps.noise'), payload: { noise } });
    await store.insert(job);
    const unread = (await store.get(job.id, { read: { payload: { maxBytes: 100 } } }))!.unread?.payload;
    expect(unread?.reason).toBe('too_large');
    const bytes = unread?.reason === 'too_large' ? unread.bytes : 0;
    expect(bytes).toBeGreaterThan(100);
    expect(bytes).toBeLessThanOrEqual(JSON.stringify({ noise }).length);
  });
});
