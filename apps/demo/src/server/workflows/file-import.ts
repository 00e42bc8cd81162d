import type { JobHandler } from '@jobtrail/core';
import { sleep } from './sleep.js';

export interface FileImportPayload {
  fileName: string;
  rows: number;
}

const REJECTED_ROWS = 3;
const DUPLICATE_ROWS = 12;
const PARSE_CHUNKS = 5;

/** A CSV import with the stages an upload handler goes through, and row counts while parsing. */
export const fileImport: JobHandler<FileImportPayload> = async (ctx) => {
  const { rows } = ctx.job.payload;
  ctx.progress(0.1, 'Validating the file');
  await sleep(700, ctx.signal);
  ctx.progress(0.2, 'Checking for duplicates');
  await sleep(700, ctx.signal);
  ctx.progress(0.4, 'Uploading');
  await sleep(900, ctx.signal);

  // Parsing moves the bar from 40% to 70% while counting rows.
  for (let chunk = 1; chunk <= PARSE_CHUNKS; chunk++) {
    const current = Math.round((rows * chunk) / PARSE_CHUNKS);
    ctx.progress(0.4 + (0.3 * chunk) / PARSE_CHUNKS, { stage: 'Parsing rows', current, total: rows });
    await sleep(300, ctx.signal);
  }

  ctx.progress(0.9, { stage: 'Storing rows', current: null, total: null });
  const imported = rows - REJECTED_ROWS - DUPLICATE_ROWS;
  ctx.metrics.increment('rowsImported', imported);
  ctx.metrics.increment('rowsRejected', REJECTED_ROWS);
  await sleep(700, ctx.signal);
  ctx.progress(1, 'Done');
  ctx.note(`completed with ${REJECTED_ROWS} row errors`);
  return { imported, rejected: REJECTED_ROWS, duplicates: DUPLICATE_ROWS };
};
