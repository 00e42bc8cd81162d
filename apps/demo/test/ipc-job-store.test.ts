import { JobValidationError, MemoryJobStore } from '@jobtrail/core';
import type { JobStore } from '@jobtrail/core/store';
import { makeJob, runStoreContract } from '@jobtrail/core/testing';
import { describe, expect, it } from 'vitest';
import { IpcJobStore, RemoteStoreError } from '../src/server/ipc-store/ipc-job-store.js';
import { serveStoreOverIpc } from '../src/server/ipc-store/serve-store-over-ipc.js';
import { createChannelPair } from './ipc-channel-pair.js';

function connectedStores() {
  const memory = new MemoryJobStore({ name: 'server' });
  const pair = createChannelPair();
  const detach = serveStoreOverIpc(pair.child, memory);
  const remote = new IpcJobStore(pair.processChannel);
  return { memory, remote, pair, detach };
}

// The worker process's store in `--store memory` mode must behave exactly like the store it
// forwards to: the whole contract, through a structured-clone channel.
runStoreContract({
  name: 'demo IPC store over a memory store',
  createStore: (): JobStore => connectedStores().remote,
});

describe('IpcJobStore', () => {
  it('keeps Dates as Dates across the channel', async () => {
    const { remote } = connectedStores();
    const job = makeJob({ type: 'ipc.dates' });
    await remote.insert(job);
    const read = await remote.get(job.id);
    expect(read?.createdAt).toBeInstanceOf(Date);
    expect(read?.createdAt.getTime()).toBe(job.createdAt.getTime());
  });

  it("re-creates the server store's errors with their code and message", async () => {
    const { memory, remote } = connectedStores();
    const job = makeJob({ type: 'ipc.errors' });
    await remote.insert(job);
    const local = await memory.insert(job).catch((error: unknown) => error);
    expect(local).toBeInstanceOf(JobValidationError);

    const error = await remote.insert(job).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteStoreError);
    expect(error).toMatchObject({ code: (local as JobValidationError).code, message: (local as Error).message });
  });

  it('forwards wake-ups from the server store to subscribers', async () => {
    const { remote } = connectedStores();
    const woken = new Promise((resolve) => remote.subscribe((event) => resolve(event)));
    await remote.insert(makeJob({ type: 'ipc.wake' }));
    await expect(woken).resolves.toMatchObject({ type: 'ipc.wake' });
  });

  it('fails pending and later calls with a store error once the server is gone', async () => {
    const { remote, pair } = connectedStores();
    const pending = remote.get(makeJob().id);
    pair.disconnect();
    await expect(pending).rejects.toMatchObject({ code: 'store_error' });
    await expect(remote.count({})).rejects.toMatchObject({ code: 'store_error', message: expect.stringContaining('gone') });
  });

  it('ignores messages that are not store calls, and methods outside the store port', async () => {
    const { pair, remote } = connectedStores();
    // A worker asking for something that is not a store operation gets no answer and no effect.
    pair.processChannel.send!({ kind: 'jobtrail-store-call', id: 999, method: 'close', args: [] });
    pair.processChannel.send!({ kind: 'something-else' });
    await expect(remote.count({})).resolves.toEqual([]);
  });

  it('refuses to start without an IPC channel', () => {
    const noChannel = { on() {}, off() {}, connected: false } as unknown as NodeJS.Process;
    expect(() => new IpcJobStore(noChannel)).toThrow(/child_process\.fork/);
  });
});
