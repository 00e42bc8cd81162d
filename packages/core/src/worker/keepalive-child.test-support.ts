/**
 * A process that only starts a worker on the memory store and declares a schedule due in a
 * second: nothing else keeps it alive. The first run prints `ran <tick>` and stops the worker,
 * after which the process must exit by itself. Run with `node --import tsx`.
 */
import { createTracker, createWorker, MemoryJobStore } from '../index.js';

const tracker = createTracker({ store: new MemoryJobStore() });
const worker = createWorker({
  tracker,
  handlers: {
    'keepalive.tick': async (ctx) => {
      process.stdout.write(`ran ${ctx.job.scheduledFor?.toISOString()}\n`);
      void worker.stop().then(() => tracker.close());
    },
  },
});
worker.start();
await tracker.schedule('keepalive', { type: 'keepalive.tick', every: '1s', startAt: new Date(Date.now() + 1000) });
