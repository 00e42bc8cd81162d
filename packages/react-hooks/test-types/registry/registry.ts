// Type tests for a filled `JobTypes` registry, checked by `tsc -p test-types/registry` (never run).
import type { Job, Tracker, Worker } from '@jobtrail/core';
import type { JobsClient } from '@jobtrail/core/client';
import { expectTypeOf } from 'vitest';
import {
  type AnyJobJson,
  type JobJson,
  type JobJsonOfType,
  type RegisteredJobJson,
  useActiveJobs,
  useJob,
  useJobOfType,
  useJobs,
  useJobStats,
} from '../../src/index.js';

declare module '@jobtrail/core' {
  interface JobTypes {
    'emails.send': { payload: { to: string }; result: { id: string } };
    'reports.build': { payload: { month: number } };
  }
}

type EmailJson = JobJson<{ to: string }, { id: string }> & { type: 'emails.send' };
type ReportJson = JobJson<{ month: number }, unknown> & { type: 'reports.build' };

export function wireTypes(): void {
  // The augmentation of @jobtrail/core reaches the wire types of @jobtrail/core/client.
  expectTypeOf<RegisteredJobJson>().toEqualTypeOf<EmailJson | ReportJson>();
  expectTypeOf<AnyJobJson>().toEqualTypeOf<RegisteredJobJson>();
  expectTypeOf<JobJsonOfType<'emails.send'>>().toEqualTypeOf<EmailJson>();
  expectTypeOf<JobJsonOfType<'emails.send' | 'reports.build'>>().toEqualTypeOf<EmailJson | ReportJson>();
}

export function TypedHook(): void {
  const { job } = useJobOfType<'emails.send'>('0190c9a0-0000-7000-8000-000000000000');
  if (job) {
    expectTypeOf(job.type).toEqualTypeOf<'emails.send'>();
    expectTypeOf(job.payload).toEqualTypeOf<{ to: string } | undefined>();
    expectTypeOf(job.result).toEqualTypeOf<{ id: string } | null | undefined>();
  }
  // @ts-expect-error misspelt type
  useJobOfType<'emails.sned'>('0190c9a0-0000-7000-8000-000000000000');
  // The untyped hook keeps its explicit payload and result parameters.
  const untyped = useJob<{ any: true }>('0190c9a0-0000-7000-8000-000000000000');
  if (untyped.job) expectTypeOf(untyped.job.payload).toEqualTypeOf<{ any: true } | undefined>();
}

export function UseJobUnion(): void {
  // Without type arguments, useJob answers the union of registered types, narrowed by `type`.
  const { job } = useJob('0190c9a0-0000-7000-8000-000000000000');
  expectTypeOf(job).toEqualTypeOf<RegisteredJobJson | undefined>();
  if (job?.type === 'emails.send') expectTypeOf(job.payload).toEqualTypeOf<{ to: string } | undefined>();
  if (job?.type === 'reports.build') expectTypeOf(job.payload?.month).toEqualTypeOf<number | undefined>();
  // @ts-expect-error misspelt type: no registered type has this name
  if (job?.type === 'emails.sned') throw new Error('unreachable');
}

export function UseJobsByType(): void {
  const { jobs } = useJobs({ type: 'emails.send', limit: 20 });
  expectTypeOf(jobs).toEqualTypeOf<readonly EmailJson[]>();
  expectTypeOf(jobs[0]!.payload).toEqualTypeOf<{ to: string } | undefined>();
  expectTypeOf(jobs[0]!.result).toEqualTypeOf<{ id: string } | null | undefined>();
  // Several types: their union.
  const both = useJobs({ type: ['emails.send', 'reports.build'] });
  expectTypeOf(both.jobs).toEqualTypeOf<readonly (EmailJson | ReportJson)[]>();
  // No type: every registered type, narrowed by `type`.
  const all = useJobs({ status: 'failed' });
  expectTypeOf(all.jobs).toEqualTypeOf<readonly RegisteredJobJson[]>();
  for (const listed of all.jobs) if (listed.type === 'reports.build') expectTypeOf(listed.payload).toEqualTypeOf<{ month: number } | undefined>();
  useJobs();
  // @ts-expect-error misspelt type
  useJobs({ type: 'emails.sned' });
  // @ts-expect-error misspelt type in a list
  useJobs({ type: ['emails.send', 'reports.buidl'] });
  const dynamic: string = 'emails.send';
  // @ts-expect-error an arbitrary string is no longer a job type
  useJobs({ type: dynamic });
}

export function UseActiveJobsByType(): void {
  const active = useActiveJobs({ type: 'reports.build', withinMs: 60_000 });
  expectTypeOf(active.jobs).toEqualTypeOf<readonly ReportJson[]>();
  expectTypeOf(active.runningCount).toBeNumber();
  const all = useActiveJobs();
  expectTypeOf(all.jobs).toEqualTypeOf<readonly RegisteredJobJson[]>();
  // @ts-expect-error misspelt type
  useActiveJobs({ type: 'reports.buidl' });
  // @ts-expect-error misspelt type
  useJobStats({ type: 'emails.sned' });
  useJobStats({ type: 'emails.send' });
}

// The browser client's filters are typed by the registry too.
export async function clientFilters(client: JobsClient): Promise<void> {
  await client.listJobs({ type: 'emails.send' });
  // @ts-expect-error misspelt type
  await client.listJobs({ type: 'emails.sned' });
  // @ts-expect-error misspelt type
  await client.activeJobs({ type: ['reports.buidl'] });
}

// The augmentation reaches the built core, as in an application: its tracker is typed too.
export async function enqueueWithBuiltCore(tracker: Tracker, worker: Worker): Promise<void> {
  const job = await tracker.enqueue('emails.send', { to: 'a@example.com' });
  expectTypeOf(job).toEqualTypeOf<Job<{ to: string }, { id: string }>>();
  // @ts-expect-error misspelt type
  await tracker.enqueue('emails.sned', { to: 'a@example.com' });
  const found = await tracker.get(job.id);
  if (found?.type === 'emails.send') expectTypeOf(found.payload.to).toBeString();
  tracker.on('completed', (done) => {
    if (done.type === 'reports.build') expectTypeOf(done.payload.month).toBeNumber();
  });
  // The emitters themselves too: their published types keep the application's registry.
  tracker.events.on('failed', (failed) => {
    if (failed.type === 'emails.send') expectTypeOf(failed.payload.to).toBeString();
    // @ts-expect-error misspelt type
    if (failed.type === 'emails.sned') throw new Error('unreachable');
  });
  worker.events.on('settled', ({ job: settled }) => {
    if (settled?.type === 'emails.send') expectTypeOf(settled.result).toEqualTypeOf<{ id: string } | null>();
    // @ts-expect-error misspelt type
    if (settled?.type === 'emails.sned') throw new Error('unreachable');
  });
  worker.events.on('claimed', (claimed) => {
    if (claimed[0]?.type === 'reports.build') expectTypeOf(claimed[0].payload.month).toBeNumber();
  });
  const page = await tracker.list();
  if (page.jobs[0]?.type === 'emails.send') expectTypeOf(page.jobs[0].payload.to).toBeString();
  const active = await tracker.active();
  // @ts-expect-error misspelt type
  active.filter((a) => a.type === 'reports.buidl');
}
