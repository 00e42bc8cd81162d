import { createTracker } from '@jobtrail/core';
import { startJobsServer, uniqueName } from '@jobtrail/core/testing';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionString, createTestStore, type TestStore } from './support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from './support/worker-processes.js';

/** Generous: the machine may be loaded; nothing here is timed. */
const PATIENCE_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;

let db: TestStore;
const processes: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestStore('http_stream');
});

afterAll(async () => {
  await Promise.all(processes.map((worker) => worker.kill()));
  await db.drop();
});

async function eventually(test: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A browser's stream: the `job` events' statuses as they arrive. */
function openStream(url: string, headers: Record<string, string>): { statuses: string[]; status: () => number; close: () => void } {
  const abort = new AbortController();
  const statuses: string[] = [];
  let status = 0;
  void (async () => {
    try {
      const response = await fetch(url, { headers, signal: abort.signal });
      status = response.status;
      const parser = createParser({
        onEvent: (event) => {
          if (event.event === 'job') statuses.push((JSON.parse(event.data) as { job: { status: string } }).job.status);
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // Closed by the test.
    }
  })();
  return { statuses, status: () => status, close: () => abort.abort() };
}

describe('GET /jobs/:id/stream over PostgreSQL', () => {
  it('a worker in another process finishes the job; the web process streams it to the browser, through a killed LISTEN connection', async () => {
    const server = await startJobsServer(db.store);
    const type = uniqueName('stream.cross-process');
    const job = await server.tracker.enqueue(type, {}, { tenantId: 'tenant-a' });
    const stream = openStream(`${server.origin}/jobs/${job.id}/stream`, { 'x-test-tenant': 'tenant-a' });
    const foreign = openStream(`${server.origin}/jobs/${job.id}/stream`, { 'x-test-tenant': 'tenant-b' });
    try {
      await eventually(() => stream.statuses.includes('queued'), 'the job as it is now');
      await eventually(() => foreign.status() !== 0, "the other tenant's answer");
      expect(foreign.status()).toBe(404);
      // The LISTEN connection dies while the stream is open: the feed reconnects and the watch reads the job again.
      await eventually(() => db.store.listener.state === 'listening', 'the change channel listened to');
      await db.dataSource.query('SELECT pg_terminate_backend($1)', [db.store.listener.processId]);
      const worker = startWorkerProcess(
        { connectionString: connectionString(), schema: db.schema, workerId: 'stream-worker', types: [type], concurrency: 1, handlerDelayMs: 0, leaseMs: 30_000, recoverIntervalMs: 60_000 },
        () => {},
      );
      processes.push(worker);
      await eventually(() => stream.statuses.includes('completed'), 'the completed job on the stream');
      await worker.stop();
      expect(stream.statuses[0]).toBe('queued');
      expect(stream.statuses.at(-1)).toBe('completed');
    } finally {
      stream.close();
      foreign.close();
      await server.close();
    }
  }, TEST_TIMEOUT_MS);

  it("tracker.on('completed') in the web process hears a job another process's worker finished (listenToAllProcesses)", async () => {
    const tracker = createTracker({ store: db.store, recoverIntervalMs: false });
    const type = uniqueName('events.cross-process');
    const completed: string[] = [];
    tracker.on('completed', (job) => completed.push(job.id));
    const stop = tracker.listenToAllProcesses({ filter: { type } });
    try {
      const job = await tracker.enqueue(type, {});
      const worker = startWorkerProcess(
        { connectionString: connectionString(), schema: db.schema, workerId: 'events-worker', types: [type], concurrency: 1, handlerDelayMs: 0, leaseMs: 30_000, recoverIntervalMs: 60_000 },
        () => {},
      );
      processes.push(worker);
      await eventually(() => completed.includes(job.id), 'the completed event');
      await worker.stop();
      expect(completed).toEqual([job.id]);
    } finally {
      stop();
      await tracker.close();
    }
  }, TEST_TIMEOUT_MS);
});
