import { createTracker, createWorker, type Tracker } from '@jobtrail/core';
import { PostgresJobStore } from '@jobtrail/store-postgres';
import { DataSource } from 'typeorm';
import { withClient } from '@jobtrail/testkit-postgres';
import { freshName } from '../lib/names.js';
import { SchemaRun, schemaStorage } from './postgres-schema.js';
import type { BenchEnv, BenchPayload, SettingsMode, SystemFactory, SystemUnderTest, WorkerSpec } from './system.js';

const TYPE = 'bench.noop';
const TABLE = 'jobtrail_jobs';

/**
 * jobtrail: PostgresJobStore over a TypeORM DataSource (pool of 10, TypeORM's default), one
 * tracker, createWorker at the given concurrency. Defaults: LISTEN/NOTIFY wake-ups, 1 s poll.
 * Low latency: the same plus a shorter poll (the fallback when a notification is missed).
 * `durability: 'relaxed'` (synchronous_commit off for claims and settles) is a separate column,
 * never the one the ratios use: the peers all commit durably.
 */
function jobtrailFactory(name: string, durability: 'full' | 'relaxed'): SystemFactory {
  return {
    name,
    progressApi: true,
    writesUnit: 'rows',
    unavailable: async () => null,
    describeSettings: (mode) =>
      `${mode === 'default' ? 'LISTEN/NOTIFY, pollIntervalMs 1000 (defaults)' : 'LISTEN/NOTIFY, pollIntervalMs 100'}, durability ${durability}`,
    async create(env, mode, ref) {
      const schema = ref?.['schema'] ?? freshName('bench_jobtrail');
      if (ref === undefined) {
        await withClient(env.postgresUrl, (client) => client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`));
      }
      const dataSource = new DataSource({ type: 'postgres', url: env.postgresUrl });
      await dataSource.initialize();
      const store = new PostgresJobStore({ dataSource, schema, durability });
      if (ref === undefined) await store.migrate();
      const tracker = createTracker({ store });
      // Start-up, like the peers' start(): measure the offset to the database's clock once.
      await tracker.clockReady();
      return new JobtrailRun(dataSource, store, tracker, env, schema, mode);
    },
    ...schemaStorage,
  };
}

export const jobtrailSystem = jobtrailFactory('jobtrail', 'full');
export const jobtrailRelaxedSystem = jobtrailFactory('jobtrail (relaxed)', 'relaxed');

class JobtrailRun extends SchemaRun implements SystemUnderTest {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: PostgresJobStore,
    private readonly tracker: Tracker,
    env: BenchEnv,
    schema: string,
    private readonly mode: SettingsMode,
  ) {
    super(env, schema);
  }

  async enqueueMany(payloads: readonly BenchPayload[]): Promise<void> {
    // The bulk API: one multi-row insert per 1,000 jobs.
    await this.tracker.enqueueMany(payloads.map((payload) => ({ type: TYPE, payload })));
  }

  async enqueue(payload: BenchPayload): Promise<void> {
    await this.tracker.enqueue(TYPE, payload);
  }

  async startWorker(spec: WorkerSpec) {
    const worker = createWorker({
      tracker: this.tracker,
      concurrency: spec.concurrency,
      ...(this.mode === 'low-latency' ? { pollIntervalMs: 100 } : {}),
      handlers: {
        [TYPE]: async (ctx) => {
          await spec.handler(ctx.job.payload as BenchPayload, {
            id: ctx.job.id,
            progress: (fraction) => ctx.progress(fraction),
          });
        },
      },
    });
    worker.events.on('error', (error: unknown) => console.error('[jobtrail worker error]', error));
    worker.start();
    return { stop: () => worker.stop() };
  }

  async completedCount(): Promise<number> {
    const sql = `SELECT count(*) AS n FROM "${this.schema}"."${TABLE}" WHERE status = 'completed'`;
    return (await this.probe.number(sql)) ?? 0;
  }

  async readProgress(id: string): Promise<number | null> {
    return (await this.tracker.get(id))?.progress ?? null;
  }

  async close(): Promise<void> {
    await this.tracker.close();
    await this.store.close();
    await this.dataSource.destroy();
    await this.probe.close();
  }
}
