import { PgBoss } from 'pg-boss';
import { freshName } from '../lib/names.js';
import { SchemaRun, schemaStorage } from './postgres-schema.js';
import type { BenchEnv, BenchPayload, SettingsMode, SystemFactory, SystemUnderTest, WorkerSpec } from './system.js';

const QUEUE = 'bench-noop';

/**
 * pg-boss 12. Concurrency 10 = batches of 10 run in parallel with `burstWhenBatchFull` (see
 * startWorker for why). Lowest latency per its docs: LISTEN/NOTIFY
 * (`useListenNotify` + queue `notify: true`) and the minimum `pollingIntervalSeconds` (0.5).
 * Maintenance and scheduling are off in the benchmark so they do not compete with the run.
 */
export const pgBossSystem: SystemFactory = {
  name: 'pg-boss',
  progressApi: false,
  writesUnit: 'rows',
  unavailable: async () => null,
  describeSettings: (mode) =>
    mode === 'default'
      ? 'batchSize 10 + burstWhenBatchFull, pollingIntervalSeconds 2 (default), no LISTEN'
      : 'batchSize 10 + burstWhenBatchFull, useListenNotify + queue notify, pollingIntervalSeconds 0.5 (minimum)',
  async create(env, mode, ref) {
    const schema = ref?.['schema'] ?? freshName('bench_pgboss');
    const boss = new PgBoss({
      connectionString: env.postgresUrl,
      schema,
      supervise: false,
      schedule: false,
      migrate: ref === undefined,
      useListenNotify: mode === 'low-latency',
    });
    boss.on('error', (error: unknown) => console.error('[pg-boss error]', error));
    await boss.start();
    if (ref === undefined) await boss.createQueue(QUEUE, { notify: mode === 'low-latency' });
    return new PgBossRun(boss, env, schema, mode);
  },
  ...schemaStorage,
};

class PgBossRun extends SchemaRun implements SystemUnderTest {
  constructor(
    private readonly boss: PgBoss,
    env: BenchEnv,
    schema: string,
    private readonly mode: SettingsMode,
  ) {
    super(env, schema);
  }

  async enqueueMany(payloads: readonly BenchPayload[]): Promise<void> {
    for (let start = 0; start < payloads.length; start += 1000) {
      await this.boss.insert(QUEUE, payloads.slice(start, start + 1000).map((data) => ({ data })));
    }
  }

  async enqueue(payload: BenchPayload): Promise<void> {
    await this.boss.send(QUEUE, payload);
  }

  async startWorker(spec: WorkerSpec) {
    await this.boss.work<BenchPayload>(
      QUEUE,
      {
        // One fetch loop taking batches of `concurrency` jobs run in parallel. Without
        // burstWhenBatchFull each loop sleeps pollingIntervalSeconds after every fetch, even a
        // full one (about 5 jobs/s with ten batchSize-1 loops), so a backlog needs it.
        batchSize: spec.concurrency,
        burstWhenBatchFull: true,
        ...(this.mode === 'low-latency' ? { pollingIntervalSeconds: 0.5 } : {}),
      },
      async (jobs) => {
        await Promise.all(jobs.map((job) => spec.handler(job.data, { id: job.id })));
      },
    );
    return { stop: () => this.boss.offWork(QUEUE) };
  }

  async completedCount(): Promise<number> {
    const sql = `SELECT count(*) AS n FROM "${this.schema}".job WHERE name = $1 AND state = 'completed'`;
    return (await this.probe.number(sql, [QUEUE])) ?? 0;
  }

  async readProgress(): Promise<number | null> {
    return null; // pg-boss has no progress API
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 5000 });
    await this.probe.close();
  }
}
