import type { ClaimRequest } from '@jobtrail/core/store';
import { makeJob, makeTypeControl } from '@jobtrail/core/testing';
import { MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { claimBatch } from '../documents/claim-batch.js';
import { claimPlan } from '../documents/claim-documents.js';
import type { TypeGroupDocument, TypeStartDocument } from '../documents/flow-claim-documents.js';
import { fakeDb } from '../fake-db.test-support.js';
import type { JobDocument } from '../mapping/job-document.js';
import type { TypeControlDocument } from '../mapping/type-control-document.js';
import { MongoJobStore } from '../mongo-job-store.js';
import { TRANSACTION_ROUNDS } from '../transaction/transaction-retry.js';
import { claimWithFlow } from './flow-claim.js';
import type { FlowCollections } from './flow-collections.js';

/**
 * `claimWithFlow` over the fake Db with waits recorded instead of slept: what a claim does when a
 * controlled type stays contended or keeps failing. (Its results are the memory store's: see
 * flow-claim-semantics.test.ts.)
 */
const now = new Date(Date.UTC(2030, 0, 1));
const request = (limits: Record<string, number>, limit = 10): ClaimRequest => ({ owner: 'w', now, leaseExpiresAt: new Date(now.getTime() + 60_000), limits, limit });

async function setup() {
  const fake = fakeDb();
  const store = new MongoJobStore({ db: fake.db, changeStreams: false });
  const names = store.flowCollectionNames;
  const waits: number[] = [];
  const collections: FlowCollections = {
    jobs: fake.db.collection<JobDocument>(store.collectionName),
    controls: fake.db.collection<TypeControlDocument>(names.controls),
    starts: fake.db.collection<TypeStartDocument>(names.starts),
    groups: fake.db.collection<TypeGroupDocument>(names.groups),
    startSession: () => fake.db.client.startSession(),
    timing: { sleep: async (ms) => void waits.push(ms), random: () => 0 },
  };
  const context = {
    collections,
    plainClaim: (plain: ClaimRequest) =>
      claimBatch(claimPlan(plain), (filter, update, sort) => collections.jobs.findOneAndUpdate(filter, update, { sort, returnDocument: 'after' })),
  };
  for (const type of ['t', 't', 'free', 'free']) await store.insert(makeJob({ type, runAt: new Date(now.getTime() - 1000) }));
  const control = makeTypeControl({ type: 't', maxRunning: 5 });
  await store.putTypeControl(control, null);
  return { fake, collections, context, waits, controls: new Map([['t', control]]) };
}

describe('claimWithFlow', () => {
  for (const limit of [10, 1]) {
    it(`gives a type up for this claim when its document stays held by another claimer, and claims the others (limit ${limit})`, async () => {
      const { fake, collections, context, waits, controls } = await setup();
      // Another process's claim of t, stuck between its first write and its commit.
      const other = fake.db.client.startSession();
      other.startTransaction();
      await collections.controls.updateOne({ _id: 't' }, { $inc: { claims: 1 } }, { session: other });
      const result = await claimWithFlow(request({ t: 2, free: 2 }, limit), controls, context);
      expect(result).not.toHaveProperty('error');
      expect(result.claimed.map((doc) => doc.type)).toEqual(limit === 1 ? ['free'] : ['free', 'free']);
      expect(waits).toHaveLength(TRANSACTION_ROUNDS - 1);
      await other.commitTransaction();
      expect((await claimWithFlow(request({ t: 2 }), controls, context)).claimed.map((doc) => doc.type)).toEqual(['t', 't']);
    });
  }

  it('answers a failure that is not contention beside the other types it claimed', async () => {
    const { collections, context, waits, controls } = await setup();
    const aborted = new MongoServerError({ message: 'Transaction has been aborted.', code: 251, codeName: 'NoSuchTransaction', errorLabels: ['TransientTransactionError'] });
    collections.controls.findOneAndUpdate = (async () => {
      throw aborted;
    }) as typeof collections.controls.findOneAndUpdate;
    const result = await claimWithFlow(request({ t: 2, free: 2 }), controls, context);
    expect(result.claimed.map((doc) => doc.type)).toEqual(['free', 'free']);
    expect(result).toMatchObject({ error: aborted });
    expect(waits).toHaveLength(TRANSACTION_ROUNDS - 1);
  });

  it('claims a type the plain way when its record no longer asks anything', async () => {
    const { fake, collections, context, controls } = await setup();
    await collections.controls.updateOne({ _id: 't' }, { $set: { maxRunning: null, version: 2 } });
    const before = fake.sessions();
    const result = await claimWithFlow(request({ t: 5 }), controls, context);
    expect(result.claimed.map((doc) => doc.type)).toEqual(['t', 't']);
    // One transaction found the record asks nothing; the jobs were then claimed without one.
    expect(fake.sessions() - before).toBe(1);
  });
});
