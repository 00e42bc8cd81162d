import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, type Job, type Tracker } from '@jobtrail/core';
import { ChildWorkers, type ChildMessage } from '../src/child-workers.js';
import { openFaultDb, type FaultDb } from '../src/fault-db.js';
import { eventually } from '../src/job-table.js';
import type { TrackedJobPlan } from '../src/tracker-child.js';

/**
 * Deployments that only track work (`tracker.track()`, or `create` + `start(id)` by hand) and run
 * no worker: when such a process dies, the jobs it was running must not stay `running` forever.
 * Every tracker recovers expired leases on its own, so another tracker-only process (here, the
 * test process: a tracker and no worker) takes them back.
 */
describe('a process that only tracks is killed; a tracker in another process recovers its jobs', () => {
  let db: FaultDb;
  /** The test process's own tracker: recovery on (the default), a short interval, no worker. */
  let recovering: Tracker;
  const recovered: Job[] = [];
  const children = new ChildWorkers();

  beforeAll(async () => {
    db = await openFaultDb('faults_track_only');
    recovering = createTracker({ store: db.producer.store, recoverIntervalMs: 200 });
    recovering.on('recovered', (job) => recovered.push(job));
  });

  afterAll(async () => {
    await children.stopAll();
    await recovering?.close();
    await db?.close();
  });

  /** A tracker-only child driving `jobs`; answers each job's id by label once it is held. */
  async function trackInChild(leaseMs: number, jobs: TrackedJobPlan[]) {
    const child = await children.spawnTracker({ url: db.server.connectionString, schema: db.schema.schema, tracker: { leaseMs }, jobs });
    const tracking = (m: readonly ChildMessage[]) =>
      m.filter((x): x is Extract<ChildMessage, { type: 'tracking' }> => x.type === 'tracking' && x.pid === child.pid);
    await children.waitFor(`${jobs.length} jobs tracked by process ${child.pid}`, (m) => tracking(m).length === jobs.length, 60_000, [child]);
    const ids = Object.fromEntries(tracking(children.messages).map((x) => [x.label, x.jobId]));
    return { child, ids };
  }

  it('SIGKILL: the track() job ends failed (lease_expired); hand-driven jobs end retrying or failed by their attempts', async () => {
    const { child, ids } = await trackInChild(1000, [
      { label: 'tracked', how: 'track' },
      { label: 'manual, 1 attempt', how: 'manual', maxAttempts: 1 },
      { label: 'manual, 3 attempts', how: 'manual', maxAttempts: 3 },
    ]);
    for (const [label, id] of Object.entries(ids)) {
      const row = await db.table.row(id);
      expect(row, label).toMatchObject({ status: 'running', attempt: 1, progress: 0.3 });
      // start(id) without leaseMs takes a lease as well: without one, nobody could ever recover the job.
      expect(row?.['lease_owner'], `${label}: lease owner`).not.toBeNull();
    }

    process.kill(child.pid, 'SIGKILL');
    await child.exited;

    const settledOf = async (id: string) => (await db.table.row(id))?.['status'] !== 'running';
    await eventually(
      'every job of the killed process recovered',
      async () => (await Promise.all(Object.values(ids).map(settledOf))).every(Boolean),
      30_000,
    );
    const leaseExpired = { code: 'lease_expired' };
    expect(await db.table.row(ids['tracked']!)).toMatchObject({ status: 'failed', attempt: 1, lease_owner: null, error: leaseExpired });
    expect(await db.table.row(ids['manual, 1 attempt']!)).toMatchObject({ status: 'failed', attempt: 1, lease_owner: null, error: leaseExpired });
    expect(await db.table.row(ids['manual, 3 attempts']!)).toMatchObject({ status: 'retrying', attempt: 1, lease_owner: null, error: leaseExpired });
  });

  it('a live tracking process keeps its jobs through many lease periods (its heartbeats hold them) and completes them', async () => {
    // 3 s lease renewed every second: 2 s of slack per renewal for a loaded machine. Held for 4
    // lease periods while this process's tracker looks for expired leases every 200 ms.
    const LEASE_MS = 3000;
    const { child, ids } = await trackInChild(LEASE_MS, [
      { label: 'live tracked', how: 'track', holdMs: 4 * LEASE_MS },
      { label: 'live manual', how: 'manual', maxAttempts: 3, holdMs: 4 * LEASE_MS },
    ]);
    await children.waitFor(
      'both jobs finished by the live process',
      (m) => m.filter((x) => x.type === 'tracked' && x.pid === child.pid).length === 2,
      90_000,
      [child],
    );
    for (const [label, id] of Object.entries(ids)) {
      expect(await db.table.row(id), label).toMatchObject({
        status: 'completed',
        attempt: 1,
        result: { by: label },
        error: null,
        errors: [],
        lease_owner: null,
      });
    }
    expect(recovered.filter((job) => Object.values(ids).includes(job.id))).toEqual([]);
  });
});
