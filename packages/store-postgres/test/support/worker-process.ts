/**
 * A worker in its own process, for the multi-process and crash tests. Started with
 * `node --import tsx worker-process.ts <config json>`; reports over IPC each job id its handler
 * starts (batched per event-loop turn) and stops cleanly on a 'stop' message.
 */
import { createTracker, createWorker } from '@jobtrail/core';
import { DataSource } from 'typeorm';
import { PostgresJobStore } from '../../src/index.js';
import { serveWorker } from './serve-worker.js';

export interface WorkerProcessConfig {
  connectionString: string;
  schema: string;
  workerId: string;
  types: string[];
  concurrency: number;
  handlerDelayMs: number;
  leaseMs: number;
  recoverIntervalMs: number;
}

export type WorkerProcessMessage = { kind: 'ready' } | { kind: 'started'; ids: string[] } | { kind: 'stopped' } | { kind: 'error'; message: string };

const config = JSON.parse(process.argv[2]!) as WorkerProcessConfig;

function send(message: WorkerProcessMessage): void {
  process.send?.(message);
}

let pending: string[] = [];
function reportStarted(id: string): void {
  if (pending.length === 0) setImmediate(() => {
    send({ kind: 'started', ids: pending });
    pending = [];
  });
  pending.push(id);
}

const dataSource = await new DataSource({ type: 'postgres', url: config.connectionString, schema: config.schema, poolSize: 6 }).initialize();
const store = new PostgresJobStore({ dataSource });
const tracker = createTracker({ store });
const handler = async (ctx: { job: { id: string } }) => {
  reportStarted(ctx.job.id);
  if (config.handlerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.handlerDelayMs));
};
const worker = createWorker({
  tracker,
  workerId: config.workerId,
  concurrency: config.concurrency,
  batchSize: config.concurrency,
  leaseMs: config.leaseMs,
  recoverIntervalMs: config.recoverIntervalMs,
  handlers: Object.fromEntries(config.types.map((type) => [type, handler])),
});
serveWorker(worker, async () => {
  await store.close();
  await dataSource.destroy();
});
