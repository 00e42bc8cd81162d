// Type tests for a filled `JobTypes` registry, checked by `tsc -p test-types/registry` (never run).
import type { Job, Tracker } from '@jobtrail/core';
import { expectTypeOf } from 'vitest';
import { useJob, useJobOfType } from '../../src/index.js';

declare module '@jobtrail/core' {
  interface JobTypes {
    'emails.send': { payload: { to: string }; result: { id: string } };
  }
}

export function TypedHook(): void {
  const { job } = useJobOfType<'emails.send'>('0190c9a0-0000-7000-8000-000000000000');
  if (job) {
    expectTypeOf(job.payload).toEqualTypeOf<{ to: string } | undefined>();
    expectTypeOf(job.result).toEqualTypeOf<{ id: string } | null | undefined>();
  }
  // @ts-expect-error misspelt type
  useJobOfType<'emails.sned'>('0190c9a0-0000-7000-8000-000000000000');
  // The untyped hook keeps its explicit payload and result parameters.
  const untyped = useJob<{ any: true }>('0190c9a0-0000-7000-8000-000000000000');
  if (untyped.job) expectTypeOf(untyped.job.payload).toEqualTypeOf<{ any: true } | undefined>();
}

// The augmentation reaches the built core, as in an application: its tracker is typed too.
export async function enqueueWithBuiltCore(tracker: Tracker): Promise<void> {
  const job = await tracker.enqueue('emails.send', { to: 'a@example.com' });
  expectTypeOf(job).toEqualTypeOf<Job<{ to: string }, { id: string }>>();
  // @ts-expect-error misspelt type
  await tracker.enqueue('emails.sned', { to: 'a@example.com' });
}
