import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallerScope } from '../http/jobs-handler-options.js';
import type { JobStore } from '../store/job-store.js';
import { startJobsServer, type HttpAnswer, type JobsServer } from './http-harness.js';
import { uniqueName } from './make-job.js';

/** `authorize()` results that narrow nothing, pollute prototypes or are not scope objects: 403 or 500, never a job. */
export function httpEdgesScopes(store: () => JobStore): void {
  describe('scopes that narrow nothing', () => {
    let current: (request: Request) => unknown;
    let scoped: JobsServer;
    const errors: unknown[] = [];
    let tenantA: string;
    let tenantB: string;
    let type: string;
    const jobs: Record<string, string> = {};
    beforeAll(async () => {
      scoped = await startJobsServer(store(), {
        authorize: (request) => current(request) as CallerScope | null,
        onError: (error) => errors.push(error),
      });
      tenantA = uniqueName('tenant-a');
      tenantB = uniqueName('tenant-b');
      type = uniqueName('http.scope-guard');
      jobs.aOwned = (await scoped.tracker.enqueue(type, {}, { tenantId: tenantA, ownerId: uniqueName('owner') })).id;
      jobs.aOwnerless = (await scoped.tracker.enqueue(type, {}, { tenantId: tenantA })).id;
      jobs.bOwnerless = (await scoped.tracker.enqueue(type, {}, { tenantId: tenantB })).id;
    });
    afterAll(async () => {
      await scoped?.close();
    });

    const listAs = async (caller: unknown): Promise<HttpAnswer> => {
      current = () => caller;
      return scoped.request(`/jobs?type=${encodeURIComponent(type)}`);
    };
    const visible = (answer: HttpAnswer): string[] => answer.body.jobs.map((job: { id: string }) => job.id).sort();

    it('refuses with 403 a scope whose keys are all undefined, or that carries only other keys', async () => {
      const narrowNothing: unknown[] = [
        {},
        { tenantId: undefined },
        { tenantId: undefined, ownerId: undefined },
        { ownerId: undefined, admin: false },
        { tenantId: undefined, admin: undefined },
        { userId: 'u1', role: 'viewer', tenant: tenantA },
        Object.create(null),
        new Proxy({}, { get: () => undefined }),
        new (class Session {
          readonly userId = 'u1';
        })(),
      ];
      for (const caller of narrowNothing) {
        const answer = await listAs(caller);
        expect(answer.status, String(Object.keys(caller as object))).toBe(403);
        expect(answer.body.error.code).toBe('forbidden');
      }
      current = () => ({ tenantId: undefined });
      const action = await scoped.request(`/jobs/${jobs.bOwnerless}/cancel`, { method: 'POST' });
      expect(action.status).toBe(403);
      expect((await scoped.tracker.get(jobs.bOwnerless!))!.status).toBe('queued');
    });

    it('never takes admin or a scope field from a polluted Object.prototype', async () => {
      const proto = Object.prototype as { admin?: unknown };
      proto.admin = true;
      try {
        expect((await listAs({ tenantId: undefined })).status).toBe(403);
        expect((await listAs({})).status).toBe(403);
        const own = await listAs({ tenantId: tenantA });
        expect(own.status).toBe(200);
        expect(visible(own)).toEqual([jobs.aOwned, jobs.aOwnerless].sort());
      } finally {
        delete proto.admin;
      }
      // The caller's own class may still supply its fields (a session object with getters).
      class Session {
        get tenantId(): string {
          return tenantB;
        }
      }
      expect(visible(await listAs(new Session()))).toEqual([jobs.bOwnerless]);
    });

    it('narrows to ownerless jobs for { tenantId: undefined, ownerId: null }', async () => {
      const answer = await listAs({ tenantId: undefined, ownerId: null });
      expect(answer.status).toBe(200);
      expect(visible(answer)).toEqual([jobs.aOwnerless, jobs.bOwnerless].sort());
    });

    it('lets admin: true see every tenant, and narrows an admin that also names a tenant', async () => {
      expect(visible(await listAs({ admin: true }))).toEqual(Object.values(jobs).sort());
      expect(visible(await listAs({ admin: true, tenantId: undefined }))).toEqual(Object.values(jobs).sort());
      expect(visible(await listAs({ admin: true, tenantId: tenantB }))).toEqual([jobs.bOwnerless]);
      expect(visible(await listAs({ admin: true, tenantId: tenantA, ownerId: null }))).toEqual([jobs.aOwnerless]);
    });

    it('reads each scope field once, so a getter or Proxy cannot slip past the guard', async () => {
      let reads = 0;
      const flipping = {
        get tenantId() {
          reads++;
          return reads === 1 ? tenantB : undefined;
        },
      };
      const answer = await listAs(flipping);
      expect(answer.status).toBe(200);
      expect(visible(answer)).toEqual([jobs.bOwnerless]);
      const proxy = new Proxy({} as Record<string, unknown>, { get: (_target, key) => (key === 'tenantId' ? tenantA : undefined) });
      expect(visible(await listAs(proxy))).toEqual([jobs.aOwned, jobs.aOwnerless].sort());
      class Caller {
        get tenantId(): string {
          return tenantB;
        }
      }
      expect(visible(await listAs(new Caller()))).toEqual([jobs.bOwnerless]);
    });

    it('answers 500 (reported, no details) for results that are not scope objects, never a job', async () => {
      errors.length = 0;
      const broken: unknown[] = [[], [{ admin: true }], 'admin', 42, true, { tenantId: 42 }, { admin: 'true' }, { tenantId: [tenantA] }];
      for (const caller of broken) {
        const answer = await listAs(caller);
        expect(answer.status, JSON.stringify(caller)).toBe(500);
        expect(answer.body.error.code).toBe('internal_error');
        expect(answer.text).not.toContain(tenantA);
      }
      expect(errors).toHaveLength(broken.length);
      const throwing = await listAs({
        get tenantId(): string {
          throw new Error('session lookup failed');
        },
      });
      expect(throwing.status).toBe(500);
    });
  });
}
