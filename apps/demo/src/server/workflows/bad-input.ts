import { FatalJobError, type JobHandler } from '@jobtrail/core';

export interface BadInputPayload {
  fileName: string;
  firstRow: Record<string, string>;
}

/** Input that can never succeed: retrying would only waste attempts, so it fails at once. */
export const badInput: JobHandler<BadInputPayload> = async (ctx) => {
  ctx.progress(0.1, 'Validating the file');
  const email = ctx.job.payload.firstRow['email'] ?? '';
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new FatalJobError(`Row 1: "${email}" is not an email address`, { code: 'invalid_row' });
  }
  return { valid: true };
};
