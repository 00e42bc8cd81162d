// Type tests for a filled `JobTypes` registry, checked by `tsc -p test-types/registry` (never run).
import { expectTypeOf } from 'vitest';
import {
  createTracker,
  createWorker,
  isJobOfType,
  MemoryJobStore,
  type Job,
  type JobContext,
  type JobPage,
  type JobTypeName,
  type PayloadOf,
  type ResultOf,
  type TrackerEvents,
  type WorkerEvents,
  type AnyJob,
  type RegisteredJob,
} from '../../src/index.js';
// Wire types are exported by the client entry (`@jobtrail/core/client`).
import type { AnyJobJson, JobJsonOfType, JobsClient, RegisteredJobJson } from '../../src/client/index.js';

declare module '../../src/index.js' {
  interface JobTypes {
    'emails.send': { payload: { to: string }; result: { id: string } };
    'reports.build': { payload: { month: number } };
  }
}

const tracker = createTracker({ store: new MemoryJobStore() });

export async function registryHelpers(): Promise<void> {
  expectTypeOf<JobTypeName>().toEqualTypeOf<'emails.send' | 'reports.build'>();
  expectTypeOf<PayloadOf<'emails.send'>>().toEqualTypeOf<{ to: string }>();
  expectTypeOf<ResultOf<'emails.send'>>().toEqualTypeOf<{ id: string }>();
  // No `result` entry: unknown.
  expectTypeOf<ResultOf<'reports.build'>>().toBeUnknown();
}

export async function enqueueAndCreate(): Promise<void> {
  const job = await tracker.enqueue('emails.send', { to: 'a@example.com' }, { priority: 1 });
  expectTypeOf(job).toEqualTypeOf<Job<{ to: string }, { id: string }>>();
  expectTypeOf(job.result).toEqualTypeOf<{ id: string } | null>();
  // @ts-expect-error misspelt type
  await tracker.enqueue('emails.sned', { to: 'a@example.com' });
  // @ts-expect-error wrong payload shape
  await tracker.enqueue('emails.send', { to: 1 });
  // @ts-expect-error missing payload field
  await tracker.enqueue('emails.send', {});
  // @ts-expect-error payload is the second argument, not an option
  await tracker.enqueue('emails.send', { to: 'a' }, { payload: { to: 'b' } });

  const created = await tracker.create('reports.build', { payload: { month: 3 }, key: 'r-3' });
  expectTypeOf(created.payload).toEqualTypeOf<{ month: number }>();
  // @ts-expect-error misspelt type
  await tracker.create('reports.buidl', { payload: { month: 3 } });
  // @ts-expect-error wrong payload shape
  await tracker.create('reports.build', { payload: { month: 'march' } });
  const dynamic: string = 'emails.send';
  // @ts-expect-error an arbitrary string is no longer a job type
  await tracker.enqueue(dynamic, { to: 'a' });
}

export async function schedules(): Promise<void> {
  await tracker.schedule('monthly.report', { type: 'reports.build', cron: '0 3 1 * *', payload: { month: 1 } });
  // @ts-expect-error misspelt type
  await tracker.schedule('monthly.report', { type: 'reports.buidl', cron: '0 3 1 * *', payload: { month: 1 } });
  // @ts-expect-error wrong payload shape
  await tracker.schedule('monthly.report', { type: 'reports.build', every: '1h', payload: { month: 'march' } });
}

export async function track(): Promise<void> {
  const result = await tracker.track(
    'emails.send',
    async (ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<JobContext<{ to: string }>>();
      expectTypeOf(ctx.job.payload.to).toBeString();
      return { id: 'm-1' };
    },
    { payload: { to: 'a@example.com' } },
  );
  expectTypeOf(result).toEqualTypeOf<{ id: string }>();
  // @ts-expect-error misspelt type
  await tracker.track('emails.sned', async () => ({ id: 'm-1' }));
  // @ts-expect-error wrong result
  await tracker.track('emails.send', async () => ({ id: 1 }));
  // @ts-expect-error wrong payload shape
  await tracker.track('emails.send', async () => ({ id: 'm-1' }), { payload: { to: 1 } });
}

export function handlers(): void {
  createWorker({
    tracker,
    handlers: {
      'emails.send': async (ctx) => {
        expectTypeOf(ctx.job.payload).toEqualTypeOf<{ to: string }>();
        return { id: ctx.job.payload.to };
      },
      'reports.build': { handler: (ctx) => ctx.job.payload.month, timeoutMs: 1000 },
    },
  });
  // A worker may handle a subset of the registered types.
  createWorker({ tracker, handlers: { 'reports.build': async () => undefined } });
  createWorker({
    tracker,
    handlers: {
      // @ts-expect-error misspelt type
      'emails.sned': async () => ({ id: 'm-1' }),
    },
  });
  createWorker({
    tracker,
    handlers: {
      // @ts-expect-error handler returns the wrong result
      'emails.send': async () => ({ id: 1 }),
    },
  });
  createWorker({
    tracker,
    handlers: {
      'emails.send': {
        // @ts-expect-error handler reads a field the payload does not have
        handler: async (ctx) => ({ id: ctx.job.payload.email }),
      },
    },
  });
}

export async function getAndEvents(): Promise<void> {
  expectTypeOf<AnyJob>().toEqualTypeOf<RegisteredJob>();
  // get() takes only an id: it answers the union of the registered types, narrowed by `type`.
  const job = await tracker.get('0190c9a0-0000-7000-8000-000000000000');
  expectTypeOf(job).toEqualTypeOf<RegisteredJob | null>();
  if (job?.type === 'emails.send') {
    expectTypeOf(job.payload).toEqualTypeOf<{ to: string }>();
    expectTypeOf(job.result).toEqualTypeOf<{ id: string } | null>();
  }
  // @ts-expect-error misspelt type: no registered type has this name
  if (job?.type === 'emails.sned') throw new Error('unreachable');
  if (job) {
    switch (job.type) {
      case 'emails.send':
        expectTypeOf(job.payload.to).toBeString();
        break;
      case 'reports.build':
        expectTypeOf(job.payload.month).toBeNumber();
        expectTypeOf(job.result).toEqualTypeOf<unknown>();
        break;
      default:
        // Every registered type is handled.
        expectTypeOf(job).toBeNever();
    }
  }
  // isJobOfType still narrows, the union as well as a plain Job.
  if (isJobOfType(job, 'emails.send')) {
    expectTypeOf(job.payload).toEqualTypeOf<{ to: string }>();
    expectTypeOf(job.result).toEqualTypeOf<{ id: string } | null>();
  }
  const plain: Job | null = job;
  if (isJobOfType(plain, 'reports.build')) expectTypeOf(plain.payload.month).toBeNumber();
  // @ts-expect-error misspelt type
  isJobOfType(job, 'emails.sned');

  const page = await tracker.list({ limit: 10 });
  expectTypeOf(page).toEqualTypeOf<JobPage>();
  expectTypeOf(page.jobs).toEqualTypeOf<RegisteredJob[]>();
  for (const listed of page.jobs) {
    if (listed.type === 'reports.build') expectTypeOf(listed.payload).toEqualTypeOf<{ month: number }>();
  }
  // JobPage<Job> is the untyped page, as core reads it.
  expectTypeOf<JobPage<Job>['jobs']>().toEqualTypeOf<Job[]>();
  const active = await tracker.active();
  expectTypeOf(active).toEqualTypeOf<RegisteredJob[]>();
  const sent = active.filter((a): a is Extract<RegisteredJob, { type: 'emails.send' }> => a.type === 'emails.send');
  expectTypeOf(sent[0]!.payload).toEqualTypeOf<{ to: string }>();
}

export function events(): void {
  tracker.on('completed', (done) => {
    expectTypeOf(done).toEqualTypeOf<RegisteredJob>();
    if (done.type === 'reports.build') expectTypeOf(done.payload.month).toBeNumber();
    if (done.type === 'emails.send') expectTypeOf(done.result).toEqualTypeOf<{ id: string } | null>();
    // @ts-expect-error misspelt type
    if (done.type === 'reports.buidl') throw new Error('unreachable');
  });
  tracker.events.on('failed', (failed) => {
    if (failed.type === 'emails.send') expectTypeOf(failed.payload.to).toBeString();
  });
  expectTypeOf<TrackerEvents['created'][0]>().toEqualTypeOf<RegisteredJob>();
  // A listener written for plain jobs still fits: the union is a subtype of Job.
  tracker.on('cancelled', (job: Job) => job.id);
  tracker.off('cancelled', (job: Job) => job.id);

  const worker = createWorker({ tracker, handlers: { 'emails.send': async (ctx) => ({ id: ctx.job.payload.to }) } });
  worker.events.on('claimed', (jobs) => {
    expectTypeOf(jobs).toEqualTypeOf<RegisteredJob[]>();
    for (const claimed of jobs) if (claimed.type === 'emails.send') expectTypeOf(claimed.payload.to).toBeString();
  });
  worker.events.on('settled', ({ job, outcome }) => {
    expectTypeOf(job).toEqualTypeOf<RegisteredJob | null>();
    if (outcome === 'completed' && job?.type === 'emails.send') expectTypeOf(job.result).toEqualTypeOf<{ id: string } | null>();
    // @ts-expect-error misspelt type
    if (job?.type === 'emails.sned') throw new Error('unreachable');
  });
  expectTypeOf<WorkerEvents['claimed'][0]>().toEqualTypeOf<RegisteredJob[]>();
}

// The browser client's wire types and filters, compiled here under the filled registry too.
export async function client(jobs: JobsClient): Promise<void> {
  expectTypeOf<JobJsonOfType<'emails.send'>['payload']>().toEqualTypeOf<{ to: string } | undefined>();
  expectTypeOf<AnyJobJson>().toEqualTypeOf<RegisteredJobJson>();
  await jobs.listJobs({ type: ['emails.send', 'reports.build'] });
  // @ts-expect-error misspelt type
  await jobs.listJobs({ type: 'emails.sned' });
  // @ts-expect-error misspelt type
  await jobs.stats({ type: 'reports.buidl' });
  // Jobs of a type no longer registered (before a rename) can still be asked for, explicitly.
  await jobs.listJobs({ type: 'emails.old' as JobTypeName });
}
