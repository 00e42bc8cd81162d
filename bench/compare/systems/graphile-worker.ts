import { Logger, makeWorkerUtils, run, type WorkerUtils } from 'graphile-worker';
import { freshName } from '../lib/names.js';
import { SchemaRun, schemaStorage } from './postgres-schema.js';
import type { BenchEnv, BenchPayload, SystemFactory, SystemUnderTest, WorkerSpec } from './system.js';

const TASK = 'bench_noop';
const quiet = new Logger(() => () => {});

/**
 * graphile-worker 0.18 with its defaults: LISTEN/NOTIFY wake-ups are always on (its documented
 * low-latency path), so both modes use the same settings. Concurrency 10 = `concurrency: 10`.
 * Finished jobs are deleted, so "completed" = inserted minus rows left in `_private_jobs`.
 */
export const graphileWorkerSystem: SystemFactory = {
  name: 'graphile-worker',
  progressApi: false,
  writesUnit: 'rows',
  unavailable: async () => null,
  describeSettings: () => 'LISTEN/NOTIFY (always on), pollInterval 2000 ms (default)',
  async create(env, _mode, ref) {
    const schema = ref?.['schema'] ?? freshName('bench_graphile');
    const utils = await makeWorkerUtils({ connectionString: env.postgresUrl, schema, logger: quiet });
    if (ref === undefined) await utils.migrate();
    return new GraphileRun(utils, env, schema);
  },
  ...schemaStorage,
};

class GraphileRun extends SchemaRun implements SystemUnderTest {
  private inserted = 0;

  constructor(
    private readonly utils: WorkerUtils,
    private readonly env: BenchEnv,
    schema: string,
  ) {
    super(env, schema);
  }

  async enqueueMany(payloads: readonly BenchPayload[]): Promise<void> {
    for (let start = 0; start < payloads.length; start += 1000) {
      const chunk = payloads.slice(start, start + 1000);
      await this.utils.addJobs(chunk.map((payload) => ({ identifier: TASK, payload })));
      this.inserted += chunk.length;
    }
  }

  async enqueue(payload: BenchPayload): Promise<void> {
    await this.utils.addJob(TASK, payload);
    this.inserted += 1;
  }

  async startWorker(spec: WorkerSpec) {
    const runner = await run({
      connectionString: this.env.postgresUrl,
      schema: this.schema,
      concurrency: spec.concurrency,
      noHandleSignals: true,
      logger: quiet,
      taskList: {
        [TASK]: async (payload, helpers) => {
          await spec.handler(payload as BenchPayload, { id: String(helpers.job.id) });
        },
      },
    });
    return { stop: () => runner.stop() };
  }

  /** Counts against what this process inserted; child processes never ask. */
  async completedCount(): Promise<number> {
    const left = await this.probe.number(`SELECT count(*) AS n FROM "${this.schema}"._private_jobs`);
    return this.inserted - (left ?? 0);
  }

  async readProgress(): Promise<number | null> {
    return null; // graphile-worker has no progress API
  }

  async close(): Promise<void> {
    await this.utils.release();
    await this.probe.close();
  }
}
