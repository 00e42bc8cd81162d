import { createServer } from 'node:http';
import { describe, expectTypeOf, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createTracker } from '../tracker/tracker.js';
import { createJobsHandler } from './create-jobs-handler.js';
import type { CallerScope, JobsHandler } from './jobs-handler-options.js';
import { toNodeHandler } from './to-node-handler.js';
import type { JobJson, ScheduleJson, ScheduleListResponse } from './wire-types.js';

describe('jobs handler types', () => {
  it('is a Fetch handler that node:http accepts through toNodeHandler', () => {
    const handler = createJobsHandler({
      tracker: createTracker({ store: new MemoryJobStore() }),
      authorize: async (request) => (request.headers.get('authorization') ? { tenantId: 't' } : null),
    });
    expectTypeOf(handler).toEqualTypeOf<JobsHandler>();
    expectTypeOf(handler).returns.resolves.toEqualTypeOf<Response>();
    createServer(toNodeHandler(handler));
    // Next.js route handlers: export { handler as GET, handler as POST } with (request, context).
    expectTypeOf(handler).toBeCallableWith(new Request('http://x/jobs'), { params: Promise.resolve({}) });
  });

  it('takes a scope with tenant, owner and admin only', () => {
    expectTypeOf<CallerScope>().toEqualTypeOf<{ tenantId?: string | null; ownerId?: string | null; admin?: boolean }>();
  });

  it('sends schedules and scheduled jobs with ISO strings for dates', () => {
    expectTypeOf<ScheduleListResponse>().toEqualTypeOf<{ schedules: ScheduleJson[]; nextCursor: string | null }>();
    expectTypeOf<ScheduleJson['nextRunAt']>().toEqualTypeOf<string | null>();
    expectTypeOf<ScheduleJson['createdAt']>().toEqualTypeOf<string>();
    expectTypeOf<ScheduleJson['overlap']>().toEqualTypeOf<'skip' | 'allow'>();
    expectTypeOf<ScheduleJson['catchUp']>().toEqualTypeOf<'none' | 'latest' | 'all'>();
    expectTypeOf<JobJson['scheduleName']>().toEqualTypeOf<string | null>();
    expectTypeOf<JobJson['scheduledFor']>().toEqualTypeOf<string | null>();
  });
});
