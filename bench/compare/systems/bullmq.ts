import { Job, Queue, Worker } from 'bullmq';
import { freshName } from '../lib/names.js';
import type { BenchEnv, BenchPayload, SystemFactory, SystemRef, SystemUnderTest, WorkerSpec } from './system.js';

function connection(env: BenchEnv) {
  if (!env.redis) throw new Error('bullmq: no Redis in this run');
  // Workers need maxRetriesPerRequest null (BullMQ refuses blocking connections otherwise).
  return { host: env.redis.host, port: env.redis.port, maxRetriesPerRequest: null };
}

/**
 * BullMQ 5 on a local Redis (no persistence). Workers block on Redis for new jobs (push-based),
 * so its default settings already are its lowest-latency ones. Concurrency 10 = `concurrency: 10`.
 */
export const bullmqSystem: SystemFactory = {
  name: 'BullMQ',
  progressApi: true,
  writesUnit: 'redis changes',
  unavailable: async (env) => (env.redis ? null : 'redis-server is not installed (apt-get install -y redis-server)'),
  describeSettings: () => 'defaults (blocking fetch: push-based), Redis without persistence',
  async create(env, _mode, ref) {
    const name = ref?.['queue'] ?? freshName('bench_bullmq');
    const queue = new Queue<BenchPayload>(name, { connection: connection(env) });
    await queue.waitUntilReady();
    return new BullRun(queue, env, name);
  },
  writes: async (env) => (env.redisChanges ? env.redisChanges() : 0),
  async dispose(env, ref) {
    const queue = new Queue(ref['queue']!, { connection: connection(env) });
    await queue.obliterate({ force: true });
    await queue.close();
  },
};

class BullRun implements SystemUnderTest {
  readonly ref: SystemRef;

  constructor(
    private readonly queue: Queue<BenchPayload>,
    private readonly env: BenchEnv,
    private readonly name: string,
  ) {
    this.ref = { queue: name };
  }

  async enqueueMany(payloads: readonly BenchPayload[]): Promise<void> {
    for (let start = 0; start < payloads.length; start += 1000) {
      await this.queue.addBulk(payloads.slice(start, start + 1000).map((data) => ({ name: 'noop', data })));
    }
  }

  async enqueue(payload: BenchPayload): Promise<void> {
    await this.queue.add('noop', payload);
  }

  async startWorker(spec: WorkerSpec) {
    const worker = new Worker<BenchPayload>(
      this.name,
      async (job) => {
        await spec.handler(job.data, { id: job.id!, progress: (fraction) => job.updateProgress(fraction) });
      },
      { connection: connection(this.env), concurrency: spec.concurrency },
    );
    worker.on('error', (error) => console.error('[bullmq worker error]', error));
    await worker.waitUntilReady();
    return { stop: () => worker.close() };
  }

  completedCount(): Promise<number> {
    return this.queue.getCompletedCount();
  }

  async readProgress(id: string): Promise<number | null> {
    const job = await Job.fromId(this.queue, id);
    return typeof job?.progress === 'number' ? job.progress : null;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
