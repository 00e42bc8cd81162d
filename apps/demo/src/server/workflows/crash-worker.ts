import type { JobHandler } from '@jobtrail/core';
import { sleep } from './sleep.js';

export interface CrashWorkerDeps {
  /** Ends the worker process the way a crash or an OOM kill does: no clean-up at all. */
  crashProcess: () => void;
  pid: number;
}

/**
 * The first attempt kills its own worker process mid-job. Nothing settles the job, so it stays
 * `running` until its lease expires; the restarted worker recovers it (attempt 2) and finishes.
 */
export function createCrashWorker({ crashProcess, pid }: CrashWorkerDeps): JobHandler {
  return async (ctx) => {
    if (ctx.attempt === 1) {
      ctx.progress(0.3, `Working in worker pid ${pid}`);
      await sleep(800, ctx.signal);
      ctx.progress(0.5, `Worker pid ${pid} is about to crash (kill -9)`);
      await ctx.flush();
      await sleep(400, ctx.signal);
      crashProcess();
      // Not reached when the process is really killed.
      await sleep(60_000, ctx.signal);
    }
    ctx.progress(0.6, `Recovered by worker pid ${pid}`);
    await sleep(1_000, ctx.signal);
    ctx.progress(1, 'Done');
    return { finishedByPid: pid, recoveredFrom: ctx.job.error?.code ?? null, attempt: ctx.attempt };
  };
}
