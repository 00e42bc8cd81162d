import { createTracker, createWorker } from '@jobtrail/core';
import type { StoreWakeEvent } from '@jobtrail/core/store';
import { makeJob, uniqueName } from '@jobtrail/core/testing';
import { withClient } from '@jobtrail/testkit-postgres';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { connectionString, createTestStore, type TestStore } from './support/test-database.js';

let db: TestStore;
/** A second store on its own DataSource: stands in for another process enqueueing. */
let producerSource: DataSource;
let producer: PostgresJobStore;

beforeAll(async () => {
  db = await createTestStore('listen');
  producerSource = await new DataSource({ type: 'postgres', url: connectionString(), schema: db.schema, poolSize: 2 }).initialize();
  producer = new PostgresJobStore({ dataSource: producerSource });
});

afterAll(async () => {
  await producer.close();
  await producerSource.destroy();
  await db.drop();
});

/** Resolves once `predicate` holds, checking every 20 ms (fails the test after 10 s). */
async function until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  // Generous: a slow or busy machine must not fail the test.
  for (let waited = 0; waited < 25_000; waited += 20) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function terminate(processId: number): Promise<void> {
  const { rows } = await withClient(connectionString(), (client) =>
    client.query<{ done: boolean }>('SELECT pg_terminate_backend($1) AS done', [processId]),
  );
  expect(rows[0]?.done).toBe(true);
}

describe('LISTEN/NOTIFY wake-ups', () => {
  it('wakes a subscriber when another process enqueues, but not for a job due later', async () => {
    const store = new PostgresJobStore({ dataSource: db.dataSource, fallbackPollMs: 3_600_000 });
    const events: StoreWakeEvent[] = [];
    const unsubscribe = store.subscribe((event) => events.push(event));
    try {
      await until(() => store.listener.state === 'listening', 'the listener');
      const later = uniqueName('notify.later');
      await producer.insert(makeJob({ type: later, runAt: new Date(Date.now() + 3_600_000) }));
      const type = uniqueName('notify.now');
      await producer.insert(makeJob({ type }));
      await until(() => events.some((event) => event.type === type), 'the notification');
      expect(events.some((event) => event.type === later)).toBe(false);
    } finally {
      unsubscribe();
      await store.close();
    }
    expect(store.listener.state).toBe('stopped');
  });

  it('keeps a worker processing when the LISTEN connection is killed, and re-subscribes', async () => {
    // Worker polling is off (1 h): only wake-ups make it claim.
    const store = new PostgresJobStore({ dataSource: db.dataSource, fallbackPollMs: 100 });
    const tracker = createTracker({ store });
    const type = uniqueName('notify.reconnect');
    const done: string[] = [];
    const worker = createWorker({
      tracker,
      pollIntervalMs: 3_600_000,
      handlers: { [type]: async (ctx) => void done.push(ctx.job.id) },
    });
    const errors: unknown[] = [];
    worker.events.on('error', (error) => errors.push(error));
    worker.start();
    try {
      await until(() => store.listener.state === 'listening', 'the listener');
      const first = await producer.insert(makeJob({ type }));
      await until(() => done.includes(first.job.id), 'the first job');

      await terminate(store.listener.processId!);
      // While the listener is away, the fallback poll keeps the worker finding work.
      const during = await producer.insert(makeJob({ type }));
      await until(() => done.includes(during.job.id), 'the job enqueued during the outage');

      await until(() => store.listener.state === 'listening' && store.listener.connections >= 2, 'the reconnect');
      const after = await producer.insert(makeJob({ type }));
      await until(() => done.includes(after.job.id), 'the job enqueued after the reconnect');
      expect(done.sort()).toEqual([first.job.id, during.job.id, after.job.id].sort());
      // The handler has returned; the worker writes the outcome just after (settles are pipelined).
      await until(async () => (await store.get(after.job.id))?.status === 'completed', 'the completion of the last job');
    } finally {
      await worker.stop();
      await store.close();
    }
  });

  it('with listen: false, opens no LISTEN connection and wakes subscribers by polling', async () => {
    const store = new PostgresJobStore({ dataSource: db.dataSource, listen: false, fallbackPollMs: 50 });
    const events: StoreWakeEvent[] = [];
    const unsubscribe = store.subscribe((event) => events.push(event));
    try {
      await until(() => events.length >= 2, 'two polling wake-ups');
      expect(events.every((event) => event.type === undefined)).toBe(true);
      expect(store.listener).toEqual({ state: 'stopped', processId: null, connections: 0 });
    } finally {
      unsubscribe();
      await store.close();
    }
  });

  it('wakes nobody for a rolled-back transactional enqueue', async () => {
    const store = new PostgresJobStore({ dataSource: db.dataSource, fallbackPollMs: 3_600_000 });
    const events: StoreWakeEvent[] = [];
    const unsubscribe = store.subscribe((event) => events.push(event));
    try {
      await until(() => store.listener.state === 'listening', 'the listener');
      const rolledBack = uniqueName('notify.rollback');
      const committed = uniqueName('notify.commit');
      await producerSource
        .transaction(async (manager) => {
          await producer.insert(makeJob({ type: rolledBack }), { transaction: manager });
          throw new Error('abort');
        })
        .catch(() => undefined);
      await producerSource.transaction(async (manager) => {
        await producer.insert(makeJob({ type: committed }), { transaction: manager });
      });
      // Notifications arrive in commit order: once the committed one is here, the other never will.
      await until(() => events.some((event) => event.type === committed), 'the committed notification');
      expect(events.some((event) => event.type === rolledBack)).toBe(false);
    } finally {
      unsubscribe();
      await store.close();
    }
  });
});
