import type { JobHandler } from '@jobtrail/core';
import { sleep } from './sleep.js';

export interface DeepScanPayload {
  placeId: string;
  name: string;
}

/** A scan of one place: the API call is the slow part, saving is quick. */
export const deepScan: JobHandler<DeepScanPayload> = async (ctx) => {
  const { placeId, name } = ctx.job.payload;
  ctx.progress(0.2, 'Calling the places API');
  await sleep(1_500, ctx.signal);
  ctx.progress(0.8, 'Saving details');
  await sleep(1_000, ctx.signal);
  ctx.progress(1, 'Done');
  return { placeId, name, rating: 4.6, reviews: 128, photos: 12, openNow: true };
};
