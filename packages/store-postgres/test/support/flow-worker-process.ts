/**
 * A worker in its own process, for the flow-control tests. Started with
 * `node --import tsx flow-worker-process.ts <config json>`; reports over IPC each job id its
 * handler starts (batched per event-loop turn) and stops cleanly on a 'stop' message.
 *
 * Its handler counts itself in the shared probe table (see `flow-probe.ts`) while it runs:
 * +1 as it starts, -1 as it ends, keeping the peak, under a key of the job's type (or type and
 * group). The count rises after the claim and falls before the outcome is written, so a peak
 * above a limit proves the limit was broken.
 */
import { createTracker, createWorker, type JobTypeOptions } from '@jobtrail/core';
import { DataSource } from 'typeorm';
import { PostgresJobStore } from '../../src/index.js';
import { probeKey, probeTable } from './flow-probe.js';
import type { WorkerProcessMessage } from './worker-process.js';
import { serveWorker } from './serve-worker.js';

export interface FlowWorkerProcessConfig {
  connectionString: string;
  schema: string;
  workerId: string;
  types: string[];
  concurrency: number;
  handlerDelayMs: number;
  /** Counts running handlers per type, or per type and group. */
  probe: 'type' | 'group';
  /** Declared in `createTracker({ types })`. */
  declare?: Record<string, JobTypeOptions>;
}

{
  const config = JSON.parse(process.argv[2]!) as FlowWorkerProcessConfig;
  const send = (message: WorkerProcessMessage): void => {
    process.send?.(message);
  };
  let pending: string[] = [];
  const reportStarted = (id: string): void => {
    if (pending.length === 0)
      setImmediate(() => {
        send({ kind: 'started', ids: pending });
        pending = [];
      });
    pending.push(id);
  };

  const dataSource = await new DataSource({ type: 'postgres', url: config.connectionString, schema: config.schema, poolSize: 6 }).initialize();
  const store = new PostgresJobStore({ dataSource });
  const tracker = createTracker({ store, ...(config.declare === undefined ? {} : { types: config.declare }) });
  const probe = probeTable(config.schema);
  const handler = async (ctx: { job: { id: string; type: string; group: string | null; payload: unknown } }) => {
    reportStarted(ctx.job.id);
    const key = probeKey(ctx.job, config.probe);
    await dataSource.query(
      `INSERT INTO ${probe} AS p (key, running, peak) VALUES ($1, 1, 1)
       ON CONFLICT (key) DO UPDATE SET running = p.running + 1, peak = GREATEST(p.peak, p.running + 1)`,
      [key],
    );
    if (config.handlerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.handlerDelayMs));
    await dataSource.query(`UPDATE ${probe} SET running = running - 1 WHERE key = $1`, [key]);
  };
  const worker = createWorker({
    tracker,
    workerId: config.workerId,
    concurrency: config.concurrency,
    batchSize: config.concurrency,
    handlers: Object.fromEntries(config.types.map((type) => [type, handler])),
  });
  serveWorker(worker, async () => {
    await tracker.close();
    await store.close();
    await dataSource.destroy();
  });
}
