import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerSupervisor } from '../src/server/worker-supervisor.js';

const FAKE_WORKER = join(import.meta.dirname, 'fixtures', 'fake-worker.mjs');

describe('WorkerSupervisor', () => {
  let supervisor: WorkerSupervisor | undefined;
  afterEach(async () => {
    await supervisor?.stop();
  });

  it('starts the worker and reports it running', async () => {
    supervisor = new WorkerSupervisor({ script: FAKE_WORKER, env: process.env, log: () => {} });
    await supervisor.start();
    const status = supervisor.status();
    expect(status).toMatchObject({ state: 'running', restarts: 0, lastExit: null });
    expect(status.pid).toBeGreaterThan(0);
  });

  it('restarts a worker killed with SIGKILL, as a new process', async () => {
    const lines: string[] = [];
    supervisor = new WorkerSupervisor({ script: FAKE_WORKER, env: process.env, log: (line) => lines.push(line) });
    await supervisor.start();
    const firstPid = supervisor.status().pid;

    const restarted = supervisor.nextReady();
    expect(supervisor.crash()).toBe(true);
    await restarted;

    const status = supervisor.status();
    expect(status).toMatchObject({ state: 'running', restarts: 1, lastExit: { signal: 'SIGKILL' } });
    expect(status.pid).not.toBe(firstPid);
    expect(lines.some((line) => line.includes('exited (SIGKILL); restarting'))).toBe(true);
  });

  it('stops for good: no restart after stop()', async () => {
    supervisor = new WorkerSupervisor({ script: FAKE_WORKER, env: process.env, log: () => {} });
    await supervisor.start();
    await supervisor.stop();
    expect(supervisor.status()).toMatchObject({ state: 'stopped', pid: null, lastExit: { code: 0 } });
    expect(supervisor.crash()).toBe(false);
  });
});
