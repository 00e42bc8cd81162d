/**
 * One worker process for W4. The parent sends `go` once every child is connected (so start-up
 * is not timed), and `stop` when the store reports all jobs done; the child answers with the job
 * numbers it ran, for the exactly-once check.
 */
import { loadSystem } from '../systems/registry.js';
import type { BenchEnv, RunningWorker, SystemRef } from '../systems/system.js';

interface ChildArgs {
  systemKey: string;
  env: BenchEnv;
  ref: SystemRef;
  concurrency: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const system = await loadSystem(args.systemKey);
const run = await system.create(args.env, 'default', args.ref);
const ran: number[] = [];
let worker: RunningWorker | null = null;

process.on('message', (message: { type: string }) => {
  void (async () => {
    if (message.type === 'go') {
      worker = await run.startWorker({ concurrency: args.concurrency, handler: (payload) => void ran.push(payload.i) });
    } else if (message.type === 'stop') {
      await worker?.stop();
      await run.close();
      process.send!({ type: 'ran', ran }, () => process.exit(0));
    }
  })().catch((error: unknown) => {
    console.error(`[${args.systemKey} child]`, error);
    process.exit(1);
  });
});
process.send!({ type: 'ready' });
