/**
 * A process that only tracks work, with no worker, for the fault tests (run with `node --import
 * tsx`). It drives each planned job either with `tracker.track()` or by hand (`create` +
 * `start(id)` with no `leaseMs`, then `complete`), records progress 0.3, tells the parent, and
 * then holds the job: for `holdMs` before finishing it, or until the process is killed.
 *
 * argv[2]: JSON TrackerChildOptions (the tracker's lease: `tracker.leaseMs`).
 * Messages out: ready, tracking, tracked, error. Messages in: stop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openStack, type StackOptions } from './fault-stack.js';

export const TRACKED_JOB = 'faults.tracked';

export interface TrackedJobPlan {
  /** Names the job (its metadata and its result `{ by: label }`). */
  label: string;
  /** `track`: `tracker.track()` (one attempt); `manual`: `create` + `start(id)` ... `complete`. */
  how: 'track' | 'manual';
  /** Attempts of a `manual` job. */
  maxAttempts?: number;
  /** Finish the job after this long; absent: hold it until the process is killed. */
  holdMs?: number;
}

export interface TrackerChildOptions extends StackOptions {
  jobs: TrackedJobPlan[];
}

export type TrackerChildMessage =
  | { type: 'ready'; pid: number }
  /** Progress 0.3 is in the store and the job is being held. */
  | { type: 'tracking'; pid: number; label: string; jobId: string }
  | { type: 'tracked'; pid: number; label: string; jobId: string; result: unknown }
  | { type: 'error'; pid: number; operation: string; message: string };

const options = JSON.parse(process.argv[2] ?? '{}') as TrackerChildOptions;
const send = (message: TrackerChildMessage) => process.send?.(message);
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

const stack = await openStack(options);
const { tracker } = stack;
tracker.on('error', (error, context) => send({ type: 'error', pid: process.pid, operation: context.operation, message: describe(error) }));

const hold = (ms: number | undefined): Promise<unknown> => (ms === undefined ? new Promise(() => {}) : sleep(ms));

async function drive(plan: TrackedJobPlan): Promise<void> {
  const { label } = plan;
  if (plan.how === 'track') {
    let jobId = '';
    const result = await tracker.track(
      TRACKED_JOB,
      async (ctx) => {
        jobId = ctx.job.id;
        ctx.progress(0.3, 'Working');
        await ctx.flush();
        send({ type: 'tracking', pid: process.pid, label, jobId });
        await hold(plan.holdMs);
        return { by: label };
      },
      { metadata: { label } },
    );
    send({ type: 'tracked', pid: process.pid, label, jobId, result });
    return;
  }
  const job = await tracker.create(TRACKED_JOB, {
    metadata: { label },
    ...(plan.maxAttempts !== undefined ? { maxAttempts: plan.maxAttempts } : {}),
  });
  // No leaseMs: the tracker's own lease, renewed by this tracker while the process lives.
  await tracker.start(job.id);
  tracker.progress(job.id, 0.3, 'Working');
  await tracker.flush(job.id);
  send({ type: 'tracking', pid: process.pid, label, jobId: job.id });
  await hold(plan.holdMs);
  const done = await tracker.complete(job.id, { result: { by: label } });
  send({ type: 'tracked', pid: process.pid, label, jobId: job.id, result: done.result });
}

process.on('message', (message: { type: string }) => {
  if (message.type !== 'stop') return;
  void stack.close().finally(() => process.exit(0));
});
send({ type: 'ready', pid: process.pid });
for (const plan of options.jobs) {
  drive(plan).catch((error: unknown) => send({ type: 'error', pid: process.pid, operation: `drive:${plan.label}`, message: describe(error) }));
}
