import { describe, expectTypeOf, it } from 'vitest';
import {
  backoff,
  createTracker,
  createWorker,
  isJobOfType,
  isTerminal,
  JOB_STATUSES,
  MemoryJobStore,
  normalizeStatus,
  TERMINAL_STATUSES,
  type AnyJob,
  type BackoffPolicy,
  type Job,
  type JobContext,
  type JobPage,
  type JobStatus,
  type JobTypeName,
  type JobTypes,
  type PayloadOf,
  type RegisteredJob,
  type ResultOf,
  type Tracker,
  type TrackerEvents,
  type WorkerEvents,
  type Schedule,
  type SchedulePage,
  type ScheduleOverlap,
  type FiringPass,
} from './index.js';
import type { JobStore } from './store/index.js';

describe('public types', () => {
  it('pins the statuses', () => {
    expectTypeOf<JobStatus>().toEqualTypeOf<
      'queued' | 'running' | 'retrying' | 'completed' | 'failed' | 'skipped' | 'cancelled'
    >();
    expectTypeOf(JOB_STATUSES).toEqualTypeOf<
      readonly ['queued', 'running', 'retrying', 'completed', 'failed', 'skipped', 'cancelled']
    >();
    expectTypeOf(TERMINAL_STATUSES).toEqualTypeOf<readonly ['completed', 'failed', 'skipped', 'cancelled']>();
    expectTypeOf(normalizeStatus).returns.toEqualTypeOf<JobStatus>();
    const status = 'queued' as JobStatus;
    if (isTerminal(status)) expectTypeOf(status).toEqualTypeOf<'completed' | 'failed' | 'skipped' | 'cancelled'>();
  });

  it('types the job record and its payload', () => {
    expectTypeOf<Job<{ placeId: string }>['payload']>().toEqualTypeOf<{ placeId: string }>();
    expectTypeOf<Job['runAt']>().toEqualTypeOf<Date>();
    expectTypeOf<Job['lease']>().toEqualTypeOf<{ owner: string; expiresAt: Date } | null>();
    expectTypeOf<Job['metrics']>().toEqualTypeOf<Record<string, number>>();
  });

  it('infers track() results and enqueue() payloads', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    expectTypeOf(tracker).toEqualTypeOf<Tracker>();
    expectTypeOf(new MemoryJobStore()).toMatchTypeOf<JobStore>();
    const value = await tracker.track('x', async (ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<JobContext<unknown>>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      return { rows: 1 };
    });
    expectTypeOf(value).toEqualTypeOf<{ rows: number }>();
    const job = await tracker.enqueue('places.deepScan', { placeId: 'p' }, { priority: 1 });
    expectTypeOf(job.payload).toEqualTypeOf<{ placeId: string }>();
    // @ts-expect-error payload is the second argument, not an option
    await tracker.enqueue('x', 1, { payload: 2 });
    // @ts-expect-error progress takes a number
    tracker.progress(job.id, '50%');
  });

  it('types events and the worker', () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    tracker.on('failed', (job) => expectTypeOf(job).toEqualTypeOf<Job>());
    tracker.on('error', (error, context) => {
      expectTypeOf(error).toBeUnknown();
      expectTypeOf(context.operation).toBeString();
    });
    expectTypeOf<TrackerEvents['progress'][0]['progress']>().toBeNumber();
    const worker = createWorker({
      tracker,
      concurrency: { default: 10, 'places.deepScan': 2 },
      handlers: { 'places.deepScan': { handler: async (ctx) => ctx.attempt, timeoutMs: 1000 } },
    });
    expectTypeOf(worker.running).toEqualTypeOf<string[]>();
    expectTypeOf(backoff.steps([0, 60_000])).toEqualTypeOf<BackoffPolicy>();
  });

  it('keeps the untyped default while the JobTypes registry is empty', async () => {
    // A filled registry is tested in test-types/registry, a program of its own.
    expectTypeOf<keyof JobTypes>().toBeNever();
    expectTypeOf<JobTypeName>().toEqualTypeOf<string>();
    expectTypeOf<PayloadOf<'any.type'>>().toBeUnknown();
    expectTypeOf<ResultOf<'any.type'>>().toBeUnknown();
    const tracker = createTracker({ store: new MemoryJobStore() });
    const type: string = 'computed.at.runtime';
    const job = await tracker.enqueue(type, [1, 2, 3]);
    expectTypeOf(job.payload).toEqualTypeOf<number[]>();
    const created = await tracker.create<{ a: number }>(type, { payload: { a: 1 } });
    expectTypeOf(created.payload).toEqualTypeOf<{ a: number }>();
    createWorker({ tracker, handlers: { [type]: async (ctx: JobContext<{ a: number }>) => ctx.job.payload.a } });
    const found = await tracker.get(job.id);
    if (isJobOfType(found, type)) expectTypeOf(found).toEqualTypeOf<Job<unknown, unknown>>();
  });

  it('types the schedule API', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    const schedule = await tracker.schedule('nightly', { type: 'report', cron: '0 2 * * *', timezone: 'Europe/Berlin', payload: { month: 1 } });
    expectTypeOf(schedule).toEqualTypeOf<Schedule>();
    expectTypeOf(schedule.nextRunAt).toEqualTypeOf<Date | null>();
    expectTypeOf(schedule.every).toEqualTypeOf<number | null>();
    expectTypeOf(schedule.overlap).toEqualTypeOf<ScheduleOverlap>();
    expectTypeOf(await tracker.listSchedules({ tenantId: 'acme', limit: 10 })).toEqualTypeOf<SchedulePage>();
    expectTypeOf(await tracker.getSchedule('nightly', { tenantId: null })).toEqualTypeOf<Schedule | null>();
    expectTypeOf(await tracker.unschedule('nightly')).toEqualTypeOf<boolean>();
    expectTypeOf(await tracker.fireDueSchedules()).toEqualTypeOf<FiringPass>();
    // @ts-expect-error exactly one of cron and every is checked at run time; an unknown key at compile time
    await tracker.schedule('bad', { type: 'report', every: '1m', colour: 'red' });
    // @ts-expect-error overlap is 'skip' or 'allow'
    await tracker.schedule('bad', { type: 'report', every: '1m', overlap: 'queue' });
    createWorker({ tracker, handlers: {}, schedules: false });
  });

  it('answers plain jobs from reads and events while the registry is empty', async () => {
    // The discriminated union of a filled registry collapses to Job.
    expectTypeOf<AnyJob>().toEqualTypeOf<Job>();
    expectTypeOf<RegisteredJob>().toBeNever();
    const tracker = createTracker({ store: new MemoryJobStore() });
    const found = await tracker.get('0190c9a0-0000-7000-8000-000000000000');
    expectTypeOf(found).toEqualTypeOf<Job | null>();
    // Any string compares with the type: nothing is registered to narrow to.
    if (found?.type === 'anything.at.all') expectTypeOf(found.payload).toBeUnknown();
    expectTypeOf((await tracker.list()).jobs).toEqualTypeOf<Job[]>();
    expectTypeOf<JobPage>().toEqualTypeOf<JobPage<Job>>();
    expectTypeOf(await tracker.active()).toEqualTypeOf<Job[]>();
    expectTypeOf<TrackerEvents['completed']>().toEqualTypeOf<[job: Job]>();
    tracker.events.on('created', (job) => expectTypeOf(job).toEqualTypeOf<Job>());
    const worker = createWorker({ tracker, handlers: { x: async () => 1 } });
    worker.events.on('claimed', (jobs) => expectTypeOf(jobs).toEqualTypeOf<Job[]>());
    worker.events.on('settled', ({ job }) => expectTypeOf(job).toEqualTypeOf<Job | null>());
    expectTypeOf<WorkerEvents['claimed']>().toEqualTypeOf<[jobs: Job[]]>();
  });
});
