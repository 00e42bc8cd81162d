import { describe, expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, queryAll, type StoreContractOptions } from './store-contract-options.js';

/**
 * Idempotency keys: a key is unique among the non-finished jobs of one type, tenant and owner (its
 * scope; `null` tenant or owner is a value of its own), so enqueueing the same work twice — even
 * concurrently — yields one job, while finished jobs free their key. Another scope's job is never
 * answered, merged with or revealed: the same key there is simply another job.
 */
export function dedupeSuite(options: StoreContractOptions): void {
  describeWithStore('dedupe', options, (store) => {
    const base = Date.UTC(2031, 0, 2, 3, 4, 5);

    it('answers the existing active job, created: false, for the same type and key', async () => {
      const type = uniqueName('dedupe.same');
      const key = uniqueName('key');
      const first = makeJob({ type, key, payload: { n: 1 } });
      const second = makeJob({ type, key, payload: { n: 2 } });
      expect(await store().insert(first)).toEqual({ job: first, created: true });
      expect(await store().insert(second)).toEqual({ job: first, created: false });
      expect(await store().get(second.id)).toBeNull();
      expect(await queryAll(store(), { type: [type] })).toEqual([first]);
    });

    it('dedupes against running and retrying jobs too', async () => {
      const type = uniqueName('dedupe.active');
      for (const status of ['running', 'retrying'] as const) {
        const key = uniqueName('key');
        const first = makeJob({ type, key, status, attempt: 1 });
        await store().insert(first);
        const again = await store().insert(makeJob({ type, key }));
        expect(again).toEqual({ job: first, created: false });
      }
    });

    it('allows the same key for a different type', async () => {
      const key = uniqueName('key');
      const a = makeJob({ type: uniqueName('dedupe.a'), key });
      const b = makeJob({ type: uniqueName('dedupe.b'), key });
      expect((await store().insert(a)).created).toBe(true);
      expect((await store().insert(b)).created).toBe(true);
    });

    it('never dedupes jobs without a key', async () => {
      const type = uniqueName('dedupe.nokey');
      expect((await store().insert(makeJob({ type }))).created).toBe(true);
      expect((await store().insert(makeJob({ type }))).created).toBe(true);
      expect(await queryAll(store(), { type: [type] })).toHaveLength(2);
    });

    it('frees the key once the job reaches a terminal status', async () => {
      const type = uniqueName('dedupe.terminal');
      for (const status of ['completed', 'failed', 'skipped', 'cancelled'] as const) {
        const key = uniqueName('key');
        const first = makeJob({ type, key });
        await store().insert(first);
        const finished = await store().transition(
          first.id,
          { status: 'queued' },
          { status, finishedAt: at(base), updatedAt: at(base) },
        );
        expect(finished.ok).toBe(true);
        const next = makeJob({ type, key });
        expect(await store().insert(next)).toEqual({ job: next, created: true });
      }
    });

    it('does not dedupe against a job inserted already finished', async () => {
      const type = uniqueName('dedupe.inserted-finished');
      const key = uniqueName('key');
      await store().insert(makeJob({ type, key, status: 'completed', finishedAt: at(base) }));
      const next = makeJob({ type, key });
      expect(await store().insert(next)).toEqual({ job: next, created: true });
    });

    it('creates exactly one job when many inserts with one key race', async () => {
      const type = uniqueName('dedupe.race');
      const key = uniqueName('key');
      const attempts = Array.from({ length: 12 }, (_, i) => makeJob({ type, key, payload: { i } }));
      const results = await Promise.all(attempts.map((job) => store().insert(job)));
      const created = results.filter((result) => result.created);
      expect(created).toHaveLength(1);
      const winner = created[0]!.job;
      for (const result of results) expect(result.job).toEqual(winner);
      expect(await queryAll(store(), { type: [type] })).toEqual([winner]);
    });

    it('takes the key back on a manual retry, and refuses the retry while another active job holds it', async () => {
      const type = uniqueName('dedupe.retry');
      const key = uniqueName('key');
      const failed = makeJob({ type, key });
      await store().insert(failed);
      await store().transition(failed.id, { status: 'queued' }, { status: 'cancelled', finishedAt: at(base), updatedAt: at(base) });

      const holder = makeJob({ type, key });
      expect((await store().insert(holder)).created).toBe(true);
      const refused = await store().transition(
        failed.id,
        { status: ['failed', 'cancelled'] },
        { status: 'queued', finishedAt: null, updatedAt: at(base, 1) },
      );
      expect(refused).toMatchObject({ ok: false, reason: 'duplicate_key', holder: { id: holder.id, key } });
      expect(await store().get(failed.id)).toMatchObject({ status: 'cancelled' });

      await store().transition(holder.id, { status: 'queued' }, { status: 'cancelled', finishedAt: at(base, 2), updatedAt: at(base, 2) });
      const retried = await store().transition(
        failed.id,
        { status: ['failed', 'cancelled'] },
        { status: 'queued', finishedAt: null, updatedAt: at(base, 3) },
      );
      expect(retried).toMatchObject({ ok: true, job: { status: 'queued' } });
      const duplicate = await store().insert(makeJob({ type, key }));
      expect(duplicate.created).toBe(false);
      expect(duplicate.job.id).toBe(failed.id);
    });

    describe('scoped to tenant and owner', () => {
      /** A job of `type` and `key` in one scope, with a payload that must never leak to another. */
      const scoped = (type: string, key: string, tenantId: string | null, ownerId: string | null, secret = uniqueName('secret')) =>
        makeJob({ type, key, tenantId, ownerId, payload: { secret } });

      it.each([
        ['another tenant', { tenantId: 'a', ownerId: null }, { tenantId: 'b', ownerId: null }],
        ['another owner of the same tenant', { tenantId: 'a', ownerId: 'u1' }, { tenantId: 'a', ownerId: 'u2' }],
        ['no tenant and a tenant', { tenantId: null, ownerId: null }, { tenantId: 'x', ownerId: null }],
        ['a tenant and no tenant', { tenantId: 'x', ownerId: null }, { tenantId: null, ownerId: null }],
        ['no owner and an owner', { tenantId: 't', ownerId: null }, { tenantId: 't', ownerId: 'x' }],
        ['the same owner under two tenants', { tenantId: 'a', ownerId: 'u' }, { tenantId: 'b', ownerId: 'u' }],
      ])('creates a second job for the same type and key under %s', async (_, first, second) => {
        const type = uniqueName('dedupe.scope');
        const key = uniqueName('key');
        // Unique tenant/owner names keep this test's scopes apart from other tests' on a shared store.
        const suffix = uniqueName('');
        const name = (value: string | null) => (value === null ? null : `${value}${suffix}`);
        const a = scoped(type, key, name(first.tenantId), name(first.ownerId));
        const b = scoped(type, key, name(second.tenantId), name(second.ownerId));
        expect(await store().insert(a)).toEqual({ job: a, created: true });
        expect(await store().insert(b)).toEqual({ job: b, created: true });
        expect(await store().get(a.id)).toEqual(a);
        expect(await store().get(b.id)).toEqual(b);
        expect(new Set((await queryAll(store(), { type: [type] })).map((job) => job.id))).toEqual(new Set([a.id, b.id]));
      });

      it.each([
        ['no tenant and no owner', null, null],
        ['the same tenant and no owner', 'tenant', null],
        ['no tenant and the same owner', null, 'owner'],
        ['the same tenant and owner', 'tenant', 'owner'],
      ])('dedupes within one scope: %s', async (_, tenant, owner) => {
        const type = uniqueName('dedupe.same-scope');
        const key = uniqueName('key');
        const tenantId = tenant === null ? null : uniqueName(tenant);
        const ownerId = owner === null ? null : uniqueName(owner);
        const first = scoped(type, key, tenantId, ownerId);
        const second = scoped(type, key, tenantId, ownerId);
        expect(await store().insert(first)).toEqual({ job: first, created: true });
        expect(await store().insert(second)).toEqual({ job: first, created: false });
        expect(await store().get(second.id)).toBeNull();
      });

      it("answers a tenant its own new job, holding nothing of another tenant's job with the key", async () => {
        const type = uniqueName('reports.build');
        const key = 'weekly-07';
        const tenantA = uniqueName('tenant-a');
        const tenantB = uniqueName('tenant-b');
        const secret = uniqueName('secret-of-a');
        const held = scoped(type, key, tenantA, null, secret);
        await store().insert(held);
        const mine = scoped(type, key, tenantB, null);
        const answer = await store().insert(mine);
        expect(answer).toEqual({ job: mine, created: true });
        const text = JSON.stringify(answer);
        expect(text).not.toContain(held.id);
        expect(text).not.toContain(secret);
        expect(text).not.toContain(tenantA);
        // A's job is untouched, and still dedupes within A.
        expect(await store().get(held.id)).toEqual(held);
        expect(await store().insert(scoped(type, key, tenantA, null))).toEqual({ job: held, created: false });
      });

      it("does not free or take another scope's key when a job finishes", async () => {
        const type = uniqueName('dedupe.scope-finish');
        const key = uniqueName('key');
        const a = scoped(type, key, uniqueName('tenant-a'), null);
        const b = scoped(type, key, uniqueName('tenant-b'), null);
        await store().insert(a);
        await store().insert(b);
        await store().transition(a.id, { status: 'queued' }, { status: 'cancelled', finishedAt: at(base), updatedAt: at(base) });
        expect(await store().insert(scoped(type, key, b.tenantId, null))).toEqual({ job: b, created: false });
        const nextA = scoped(type, key, a.tenantId, null);
        expect(await store().insert(nextA)).toEqual({ job: nextA, created: true });
      });

      it('creates exactly one job per tenant when inserts of two tenants with one key race', async () => {
        const type = uniqueName('dedupe.scope-race');
        const key = uniqueName('key');
        const tenants = [uniqueName('tenant-a'), uniqueName('tenant-b')];
        const attempts = Array.from({ length: 12 }, (_, i) => scoped(type, key, tenants[i % 2]!, null));
        const results = await Promise.all(attempts.map((job) => store().insert(job)));
        const winners = new Map<string | null, Job>();
        for (const result of results.filter((r) => r.created)) {
          expect(winners.has(result.job.tenantId)).toBe(false);
          winners.set(result.job.tenantId, result.job);
        }
        expect([...winners.keys()].sort()).toEqual([...tenants].sort());
        results.forEach((result, i) => {
          expect(result.job.tenantId).toBe(attempts[i]!.tenantId);
          expect(result.job).toEqual(winners.get(attempts[i]!.tenantId));
        });
        expect((await queryAll(store(), { type: [type] })).map((job) => job.id).sort()).toEqual([...winners.values()].map((job) => job.id).sort());
      });

      it("lets a manual retry take its key back while another tenant's or owner's job holds the same key", async () => {
        const type = uniqueName('dedupe.scope-retry');
        const key = uniqueName('key');
        const tenant = uniqueName('tenant');
        const failed = scoped(type, key, tenant, null);
        await store().insert(failed);
        await store().transition(failed.id, { status: 'queued' }, { status: 'failed', finishedAt: at(base), updatedAt: at(base) });
        await store().insert(scoped(type, key, uniqueName('other-tenant'), null));
        await store().insert(scoped(type, key, tenant, uniqueName('owner')));
        await store().insert(scoped(type, key, null, null));
        const retried = await store().transition(
          failed.id,
          { status: ['failed', 'cancelled'] },
          { status: 'queued', finishedAt: null, updatedAt: at(base, 1) },
        );
        expect(retried).toMatchObject({ ok: true, job: { id: failed.id, status: 'queued', tenantId: tenant, ownerId: null } });
      });

      it('answers duplicate_key on a manual retry only with a holder of the same tenant and owner', async () => {
        const type = uniqueName('dedupe.scope-holder');
        const key = uniqueName('key');
        const tenant = uniqueName('tenant');
        const owner = uniqueName('owner');
        const failed = scoped(type, key, tenant, owner);
        await store().insert(failed);
        await store().transition(failed.id, { status: 'queued' }, { status: 'failed', finishedAt: at(base), updatedAt: at(base) });
        // Holders in other scopes first, so a store that looked the holder up by type and key alone
        // would be likely to answer one of them.
        await store().insert(scoped(type, key, uniqueName('other-tenant'), owner));
        await store().insert(scoped(type, key, tenant, null));
        const holder = scoped(type, key, tenant, owner);
        await store().insert(holder);
        const refused = await store().transition(
          failed.id,
          { status: ['failed', 'cancelled'] },
          { status: 'queued', finishedAt: null, updatedAt: at(base, 1) },
        );
        expect(refused).toEqual({ ok: false, reason: 'duplicate_key', holder });
        expect(await store().get(failed.id)).toMatchObject({ status: 'failed' });
      });
    });
  });
}
