// Type tests with the `JobTypes` registry empty (the default): untyped use stays as it was. A filled
// registry is tested in test-types/registry, a program of its own.
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ActiveJobsResult,
  type AnyJobJson,
  type JobJson,
  type JobJsonOfType,
  type JobResult,
  type JobsResult,
  type RegisteredJobJson,
  type ScheduleJson,
  type SchedulesResult,
  useActiveJobs,
  useJob,
  useJobOfType,
  useJobs,
  useJobStats,
  useSchedules,
} from './index.js';

describe('hooks with an empty JobTypes registry', () => {
  it('answer plain wire jobs', () => {
    expectTypeOf<AnyJobJson>().toEqualTypeOf<JobJson>();
    expectTypeOf<RegisteredJobJson>().toBeNever();
    expectTypeOf<JobJsonOfType<'any.type'>>().toEqualTypeOf<JobJson>();
  });

  it('take any string as a type filter', () => {
    const type: string = 'computed.at.runtime';
    expectTypeOf(useJobs({ type, limit: 2 })).toEqualTypeOf<JobsResult>();
    expectTypeOf(useJobs({ type: 'places.deepScan' }).jobs).toEqualTypeOf<readonly JobJson[]>();
    expectTypeOf(useJobs()).toEqualTypeOf<JobsResult>();
    expectTypeOf(useActiveJobs({ type: ['a', 'b'] })).toEqualTypeOf<ActiveJobsResult>();
    useJobStats({ type });
  });

  it('keep useJob as it was', () => {
    const result = useJob('0190c9a0-0000-7000-8000-000000000000');
    expectTypeOf(result).toEqualTypeOf<JobResult>();
    expectTypeOf(result.job).toEqualTypeOf<JobJson | undefined>();
    const typed = useJob<{ placeId: string }, { rows: number }>('0190c9a0-0000-7000-8000-000000000000');
    expectTypeOf(typed.job?.payload).toEqualTypeOf<{ placeId: string } | undefined>();
    expectTypeOf(typed.job?.result).toEqualTypeOf<{ rows: number } | null | undefined>();
    const ofType = useJobOfType<'any.type'>('0190c9a0-0000-7000-8000-000000000000');
    expectTypeOf(ofType.job?.payload).toEqualTypeOf<unknown>();
  });

  it('type useSchedules by the wire schedule', () => {
    const result = useSchedules({ limit: 20, after: null, intervalMs: 5_000 });
    expectTypeOf(result).toEqualTypeOf<SchedulesResult>();
    expectTypeOf(result.schedules).toEqualTypeOf<readonly ScheduleJson[]>();
    expectTypeOf(result.schedules[0]!.nextRunAt).toEqualTypeOf<string | null>();
    expectTypeOf(result.nextCursor).toEqualTypeOf<string | null>();
    expectTypeOf(useSchedules()).toEqualTypeOf<SchedulesResult>();
    // @ts-expect-error schedules page with `after`, not the job list's `cursor`
    useSchedules({ cursor: 'a' });
  });
});
