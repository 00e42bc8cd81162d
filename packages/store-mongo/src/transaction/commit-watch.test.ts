import { EventEmitter } from 'node:events';
import type { ClientSession } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { watchCommit } from './commit-watch.js';

/** A stand-in with the three members the watch touches; the real driver's calls are not needed. */
function fakeSession(options: { commitFails?: boolean } = {}) {
  const emitter = new EventEmitter();
  const calls: string[] = [];
  const session = Object.assign(emitter, {
    async commitTransaction() {
      calls.push('commit');
      if (options.commitFails) throw new Error('TransientTransactionError');
    },
    async abortTransaction() {
      calls.push('abort');
    },
  });
  return { session: session as unknown as ClientSession, calls, emitter };
}

describe('watchCommit', () => {
  it('resolves true after the session commits, calling the driver once', async () => {
    const { session, calls } = fakeSession();
    const first = watchCommit(session);
    const second = watchCommit(session);
    await session.commitTransaction();
    await expect(first).resolves.toBe(true);
    await expect(second).resolves.toBe(true);
    expect(calls).toEqual(['commit']);
  });

  it('resolves false on abort, and on a session that ends without committing', async () => {
    const aborted = fakeSession();
    const watch = watchCommit(aborted.session);
    await aborted.session.abortTransaction();
    await expect(watch).resolves.toBe(false);
    const ended = fakeSession();
    const pending = watchCommit(ended.session);
    ended.emitter.emit('ended');
    await expect(pending).resolves.toBe(false);
  });

  it('stays pending when a commit fails (the driver retries or aborts next), and watches a retried transaction again', async () => {
    const { session } = fakeSession({ commitFails: true });
    let settled: boolean | undefined;
    void watchCommit(session).then((value) => (settled = value));
    await expect(session.commitTransaction()).rejects.toThrow('TransientTransactionError');
    await Promise.resolve();
    expect(settled).toBeUndefined();
    await session.abortTransaction();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(settled).toBe(false);
    const again = watchCommit(session);
    await session.abortTransaction();
    await expect(again).resolves.toBe(false);
  });
});
