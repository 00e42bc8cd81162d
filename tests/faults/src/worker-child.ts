/**
 * A worker process for the fault tests (run with `node --import tsx`). It reports every handler
 * start to the parent over IPC *before* doing the work, so a run that a kill -9 cut short is
 * still counted, and forwards the worker's settle events.
 *
 * argv[2]: JSON ChildOptions. Messages out: ready, run, returned, settled, error (and transition,
 * heartbeat with `reportTransitions`). Messages in: stop, finish (with `finishOnMessage`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openStack, startWorker, type StackOptions, type WorkerSettings } from './fault-stack.js';

export interface ChildOptions extends StackOptions, WorkerSettings {
  /** How long each handler works. */
  handlerMs: number;
  /**
   * Instead of working `handlerMs`, each handler waits for a `{ type: 'finish', jobId }` message:
   * the test decides exactly when the handler returns (the lease race needs it to return after
   * the process was resumed, whatever the machine's load).
   */
  finishOnMessage?: boolean;
  /** The handler returns this as the job's result (tells which process completed it). */
  label: string;
  /** Report every compare-and-set and every lease renewal the store answers (for the lease race). */
  reportTransitions?: boolean;
  /**
   * Let nothing but the worker keep this process alive: the IPC channel to the test is unref'd
   * (messages still flow both ways), so the process lives exactly as long as a worker-only
   * process would.
   */
  unrefIpc?: boolean;
  /** Send `ready` only once the store's LISTEN connection is up (so an outage drops it too). */
  awaitListen?: boolean;
  /** Report every lease-recovery sweep (`findExpired`): the `now` it asked with and what it found. */
  reportSweeps?: boolean;
  /**
   * Run the child with its wall clock this many ms off (ahead when positive): `Date.now()` and
   * `new Date()` are shifted, `performance` is not (see skew-clock.ts). Applied by
   * `ChildWorkers.spawn`.
   */
  skewMs?: number;
}

export type ChildMessage =
  | { type: 'ready'; pid: number }
  /** `realAt`: when the handler started, in real ms since the epoch (never skewed). */
  | { type: 'run'; pid: number; jobId: string; n: number; attempt: number; realAt: number }
  | { type: 'returned'; pid: number; jobId: string }
  | { type: 'settled'; pid: number; jobId: string; outcome: string }
  | { type: 'error'; pid: number; operation: string; message: string }
  | { type: 'transition'; pid: number; jobId: string; to: string | undefined; ok: boolean; reason?: string }
  | { type: 'heartbeat'; pid: number; ids: string[]; held: string[] }
  | { type: 'sweep'; pid: number; now: number; expired: string[] };

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const send = (message: ChildMessage) => process.send?.(message);

const stack = await openStack(options);
if (options.reportTransitions) {
  const transition = stack.store.transition.bind(stack.store);
  stack.store.transition = async (id, expected, patch) => {
    const result = await transition(id, expected, patch);
    send({ type: 'transition', pid: process.pid, jobId: id, to: patch.status, ok: result.ok, ...(result.ok ? {} : { reason: result.reason }) });
    return result;
  };
  const heartbeat = stack.store.heartbeat.bind(stack.store);
  stack.store.heartbeat = async (owner, ids, expiresAt) => {
    const held = await heartbeat(owner, ids, expiresAt);
    send({ type: 'heartbeat', pid: process.pid, ids: [...ids], held });
    return held;
  };
}
if (options.reportSweeps) {
  const findExpired = stack.store.findExpired.bind(stack.store);
  stack.store.findExpired = async (now, limit) => {
    const expired = await findExpired(now, limit);
    send({ type: 'sweep', pid: process.pid, now: now.getTime(), expired: expired.map((job) => job.id) });
    return expired;
  };
}
const finishers = new Map<string, () => void>();
const finished = (jobId: string) => new Promise<void>((resolve) => finishers.set(jobId, resolve));

const worker = startWorker(
  stack,
  async (ctx) => {
    const { n } = ctx.job.payload as { n: number };
    // performance is never skewed (skew-clock.ts): this is when the handler really started.
    const realAt = performance.timeOrigin + performance.now();
    send({ type: 'run', pid: process.pid, jobId: ctx.job.id, n, attempt: ctx.job.attempt, realAt });
    // Ignores ctx.signal on purpose: the lease race needs a handler that tries to finish late.
    await (options.finishOnMessage ? finished(ctx.job.id) : sleep(options.handlerMs));
    send({ type: 'returned', pid: process.pid, jobId: ctx.job.id });
    return { by: options.label };
  },
  options,
);
worker.events.on('settled', (result) => send({ type: 'settled', pid: process.pid, jobId: result.jobId, outcome: result.outcome }));
worker.events.on('error', (error, context) =>
  send({ type: 'error', pid: process.pid, operation: context.operation, message: error instanceof Error ? error.message : String(error) }),
);

process.on('message', (message: { type: string; jobId?: string }) => {
  if (message.type === 'finish') {
    finishers.get(message.jobId ?? '')?.();
    return;
  }
  if (message.type !== 'stop') return;
  void (async () => {
    await worker.stop();
    await stack.close();
    process.exit(0);
  })();
});
if (options.unrefIpc) process.channel?.unref();
if (options.awaitListen) while (stack.store.listener.state !== 'listening') await sleep(20);
send({ type: 'ready', pid: process.pid });
