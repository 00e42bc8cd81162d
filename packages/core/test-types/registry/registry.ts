// Type tests for a filled `JobTypes` registry, checked by `tsc -p test-types/registry` (never run).
import { expectTypeOf } from 'vitest';
import {
  createTracker,
  createWorker,
  isJobOfType,
  MemoryJobStore,
  type Job,
  type JobContext,
  type JobTypeName,
  type PayloadOf,
  type ResultOf,
} from '../../src/index.js';

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
  // get() takes only an id, so it cannot know the type: narrow with isJobOfType.
  const job = await tracker.get('0190c9a0-0000-7000-8000-000000000000');
  expectTypeOf(job).toEqualTypeOf<Job | null>();
  if (isJobOfType(job, 'emails.send')) {
    expectTypeOf(job.payload).toEqualTypeOf<{ to: string }>();
    expectTypeOf(job.result).toEqualTypeOf<{ id: string } | null>();
  }
  // @ts-expect-error misspelt type
  isJobOfType(job, 'emails.sned');
  tracker.on('completed', (done) => {
    expectTypeOf(done).toEqualTypeOf<Job>();
    if (isJobOfType(done, 'reports.build')) expectTypeOf(done.payload.month).toBeNumber();
  });
}
