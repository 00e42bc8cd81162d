import type { JobHandler } from '@jobtrail/core';
import { sleep } from './sleep.js';

/** How many attempts the partner API refuses before it answers. */
export const FLAKY_FAILURES = 2;

/**
 * A partner API that is down for the first attempts. The error looks like what an HTTP client
 * throws (a `status` of 503), so core's classification retries it without any special code here.
 */
export const flakyApi: JobHandler = async (ctx) => {
  ctx.progress(0.3, `Calling the partner API (attempt ${ctx.attempt})`);
  await sleep(800, ctx.signal);
  if (ctx.attempt <= FLAKY_FAILURES) {
    throw Object.assign(new Error('Partner API answered 503 Service Unavailable'), {
      status: 503,
      code: 'http_503',
    });
  }
  ctx.progress(0.9, 'Saving the catalogue');
  await sleep(500, ctx.signal);
  ctx.progress(1, 'Done');
  return { productsSynced: 42, succeededOnAttempt: ctx.attempt };
};
