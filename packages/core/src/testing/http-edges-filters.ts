import { beforeAll, describe, expect, it } from 'vitest';
import { createJobsClient } from '../client/jobs-client.js';
import { MAX_JOB_TYPE_LENGTH } from '../model/job-type.js';
import type { JobsServer } from './http-harness.js';
import { type SharedEdges, tenant } from './http-edges-shared.js';
import { uniqueName } from './make-job.js';
import { expectJobtrailError } from './store-contract-options.js';

/** Filters by creation time (impossible dates, years outside 0001..9999) and by job type (commas, spaces, backslashes). */
export function httpEdgesFilters(shared: () => SharedEdges): void {
  let server: JobsServer, tenantId: string, jobId: string;
  beforeAll(() => {
    ({ server, tenantId, jobId } = shared());
  });

  describe('creation-time filters', () => {
    const routes = ['/jobs', '/jobs/stats'];

    it('answers 400 for days and times that do not exist, instead of rolling them over', async () => {
      const impossible = ['2026-02-31', '2026-02-29', '2026-04-31', '2026-00-10', '2026-13-01', '2026-01-00', '2026-01-32',
        '2026-01-01T24:00:00Z', '2026-01-01T24:00', '2026-01-01T23:60:00Z', '2026-01-01T12:00:60Z', '2026-01-01T12:00:00+24:00',
        '2026-01-01T12:00:00+01:60', '2100-02-29', '2026-1-1', '+002026-01-01', '2026-01-01T12', '2026-01-01T12:00:00ZZ'];
      for (const route of routes) {
        for (const field of ['createdAfter', 'createdBefore']) {
          for (const value of impossible) {
            const answer = await server.request(`${route}?${field}=${encodeURIComponent(value)}`, tenant(tenantId));
            expect(answer.status, `${route} ${field}=${value}`).toBe(400);
            expect(answer.body.error.code).toBe('invalid_input');
            expect(answer.body.error.message).toContain(field);
          }
        }
      }
      for (const value of ['2024-02-29', '2000-02-29', '2026-02-28T23:59:59.999999999Z', '2026-01-01 12:00:00+0530', '2026-01-01t12:00z']) {
        expect((await server.request(`/jobs?createdAfter=${encodeURIComponent(value)}`, tenant(tenantId))).status, value).toBe(200);
      }
    });

    it('answers the same for every store at the edges of years 0001..9999', async () => {
      const outside = ['0000-01-01', '0000-12-31T23:59:59.999Z', '0001-01-01T00:00:00+00:01', '9999-12-31T23:59:59-00:01'];
      for (const value of outside) {
        for (const route of routes) {
          const answer = await server.request(`${route}?createdAfter=${encodeURIComponent(value)}`, tenant(tenantId));
          expect(answer.status, `${route} ${value}`).toBe(400);
          expect(answer.body.error.message).toMatch(/createdAfter: must lie from 0001-01-01/);
        }
      }
      const all = await server.request('/jobs?createdAfter=0001-01-01&createdBefore=9999-12-31T23:59:59.999Z', tenant(tenantId));
      expect(all.status).toBe(200);
      expect(all.body.jobs.map((job: { id: string }) => job.id)).toContain(jobId);
      const none = await server.request('/jobs?createdBefore=0001-01-01T00:00:00Z', tenant(tenantId));
      expect(none.status).toBe(200);
      expect(none.body.jobs).toEqual([]);
    });

    it('refuses Dates outside years 0001..9999 from tracker queries too, on every store', async () => {
      const year0 = new Date('0000-06-01T00:00:00Z');
      const year10000 = new Date(Date.UTC(10000, 0, 1));
      await expectJobtrailError(() => server.tracker.list({ createdAfter: year0 }), 'invalid_input');
      await expectJobtrailError(() => server.tracker.list({ createdBefore: year10000 }), 'invalid_input');
      await expectJobtrailError(() => server.tracker.stats({ createdAfter: year0 }), 'invalid_input');
      await expectJobtrailError(() => server.tracker.list({ createdAfter: new Date(Number.NaN) }), 'invalid_input');
      const edge = await server.tracker.list({ createdAfter: new Date('0001-01-01T00:00:00Z'), scope: { tenantId } });
      expect(edge.jobs.map((job) => job.id)).toContain(jobId);
    });
  });

  describe('type filters', () => {
    const odd = [
      'csv,export',
      ' padded ',
      'back\\slash',
      'both\\,tricks',
      'trailing\\',
      ',',
      'ü-ñ 日本語 🚀',
      'x'.repeat(MAX_JOB_TYPE_LENGTH),
      `${'y'.repeat(210)},${'z'.repeat(20)}`,
    ];
    let typeTenant: string;
    const ids = new Map<string, string>();
    beforeAll(async () => {
      typeTenant = uniqueName('types');
      for (const type of odd) ids.set(type, (await server.tracker.enqueue(type, {}, { tenantId: typeTenant })).id);
      ids.set('csv', (await server.tracker.enqueue('csv', {}, { tenantId: typeTenant })).id);
      ids.set('export', (await server.tracker.enqueue('export', {}, { tenantId: typeTenant })).id);
    });

    const listIds = async (query: string): Promise<string[]> => {
      const answer = await server.request(`/jobs${query}`, tenant(typeTenant));
      expect(answer.status, query).toBe(200);
      return answer.body.jobs.map((job: { id: string }) => job.id).sort();
    };

    it('finds every type enqueue() accepts through the client, alone and in lists', async () => {
      const client = createJobsClient({ baseUrl: server.origin, headers: { 'x-test-tenant': typeTenant } });
      for (const type of odd) {
        const page = await client.listJobs({ type });
        expect(page.jobs.map((job) => job.id), JSON.stringify(type)).toEqual([ids.get(type)]);
        expect(page.jobs[0]!.type).toBe(type);
        const stats = await client.stats({ type: [type] });
        expect(stats.total, JSON.stringify(type)).toBe(1);
        expect(Object.keys(stats.byType)).toEqual([type]);
        const active = await client.activeJobs({ type: [type, 'csv'] });
        expect(active.jobs.map((job) => job.id).sort(), JSON.stringify(type)).toEqual([ids.get(type), ids.get('csv')].sort());
      }
      const everything = await client.listJobs({ type: odd, limit: 100 });
      expect(everything.jobs).toHaveLength(odd.length);
    });

    it('splits at unescaped commas only, keeps spaces, and takes repeated parameters', async () => {
      const id = (type: string): string => ids.get(type)!;
      expect(await listIds('?type=csv,export')).toEqual([id('csv'), id('export')].sort());
      expect(await listIds(`?type=${encodeURIComponent('csv\\,export')}`)).toEqual([id('csv,export')]);
      expect(await listIds(`?type=${encodeURIComponent(' padded ')}`)).toEqual([id(' padded ')]);
      expect(await listIds('?type=padded')).toEqual([]);
      expect(await listIds(`?type=${encodeURIComponent('back\\\\slash')}`)).toEqual([id('back\\slash')]);
      expect(await listIds(`?type=${encodeURIComponent('\\,')}&type=csv`)).toEqual([id(','), id('csv')].sort());
      expect(await listIds(`?type=${encodeURIComponent('trailing\\\\,export')}`)).toEqual([id('trailing\\'), id('export')].sort());
    });

    it('answers 400 for empty values and stray backslashes, and above the one type length limit', async () => {
      for (const value of ['', ',', 'csv,', ',csv', 'csv,,export', 'a\\', 'a\\b', '\\n']) {
        const answer = await server.request(`/jobs?type=${encodeURIComponent(value)}`, tenant(typeTenant));
        expect(answer.status, JSON.stringify(value)).toBe(400);
        expect(answer.body.error.message).toMatch(/^type: /);
      }
      for (const route of ['/jobs', '/jobs/active', '/jobs/stats']) {
        const tooLong = await server.request(`${route}?type=${'x'.repeat(MAX_JOB_TYPE_LENGTH + 1)}`, tenant(typeTenant));
        expect(tooLong.status, route).toBe(400);
        expect(tooLong.body.error.message).toContain(String(MAX_JOB_TYPE_LENGTH));
        expect((await server.request(`${route}?type=${'x'.repeat(MAX_JOB_TYPE_LENGTH)}`, tenant(typeTenant))).status, route).toBe(200);
      }
      await expectJobtrailError(() => server.tracker.enqueue('x'.repeat(MAX_JOB_TYPE_LENGTH + 1), {}), 'invalid_input');
    });

    it('answers a type no job can have (a NUL) with an empty page on every store', async () => {
      expect(await listIds(`?type=${encodeURIComponent('csv\u0000')}`)).toEqual([]);
      const stats = await server.request(`/jobs/stats?type=${encodeURIComponent('csv\u0000')}`, tenant(typeTenant));
      expect(stats.status).toBe(200);
      expect(stats.body.total).toBe(0);
      expect(await listIds(`?type=${encodeURIComponent('csv\u0000')},csv`)).toEqual([ids.get('csv')]);
      expect((await server.tracker.list({ type: ['csv\u0000', 'csv\uD800'], scope: { tenantId: typeTenant } })).jobs).toEqual([]);
      const mixed = await server.tracker.list({ type: ['csv\u0000', 'csv'], scope: { tenantId: typeTenant } });
      expect(mixed.jobs.map((job) => job.id)).toEqual([ids.get('csv')]);
      await expectJobtrailError(() => server.tracker.list({ type: 'csv\u0000', createdAfter: new Date('0000-06-01T00:00:00Z') }), 'invalid_input');
    });
  });
}
