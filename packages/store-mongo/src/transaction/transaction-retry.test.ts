import type { ClientSession } from 'mongodb';
import { MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { failure } from '../caught-error.test-support.js';
import { backoffMs, COMMIT_ROUNDS, commitTransaction, discardSession, retryTransient, TRANSACTION_ROUNDS, type RetryTiming } from './transaction-retry.js';

const transient = (): MongoServerError => new MongoServerError({ message: 'WriteConflict', code: 112, codeName: 'WriteConflict', errorLabels: ['TransientTransactionError'] });
const unknownCommit = (): MongoServerError => new MongoServerError({ message: 'timed out', code: 50, errorLabels: ['UnknownTransactionCommitResult'] });

/** Records the waits instead of waiting. */
function timing(): RetryTiming & { waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms), random: () => 0.5 };
}

describe('backoffMs', () => {
  it('grows from 5 ms to a 250 ms ceiling, with jitter between half and all of it', () => {
    expect(backoffMs(0, () => 0)).toBe(3);
    expect(backoffMs(0, () => 0.999)).toBe(5);
    expect(backoffMs(3, () => 0.999)).toBe(40);
    expect(backoffMs(10, () => 0)).toBe(125);
    expect(backoffMs(10, () => 0.999)).toBe(250);
  });
});

describe('retryTransient', () => {
  it('runs the transaction again after a transient failure, waiting in between, and answers its result', async () => {
    const clock = timing();
    let calls = 0;
    const answer = await retryTransient(async () => {
      calls++;
      if (calls < 3) throw transient();
      return 'done';
    }, clock);
    expect(answer).toBe('done');
    expect(calls).toBe(3);
    expect(clock.waits).toEqual([backoffMs(0, () => 0.5), backoffMs(1, () => 0.5)]);
  });

  it('gives up after TRANSACTION_ROUNDS rounds with the last error, and at once on any other error', async () => {
    const clock = timing();
    let calls = 0;
    const last = await failure(() =>
      retryTransient(async () => {
        calls++;
        throw transient();
      }, clock),
    );
    expect(calls).toBe(TRANSACTION_ROUNDS);
    expect((last as MongoServerError).code).toBe(112);
    expect(clock.waits).toHaveLength(TRANSACTION_ROUNDS - 1);
    let other = 0;
    const refused = await failure(() =>
      retryTransient(async () => {
        other++;
        throw new Error('boom');
      }, clock),
    );
    expect((refused as Error).message).toBe('boom');
    expect(other).toBe(1);
  });
});

describe('commitTransaction', () => {
  function session(failures: Error[]) {
    let commits = 0;
    return {
      commits: () => commits,
      session: {
        async commitTransaction() {
          commits++;
          const next = failures.shift();
          if (next !== undefined) throw next;
        },
      } as unknown as ClientSession,
    };
  }

  it('commits again while the outcome is unknown, up to COMMIT_ROUNDS times', async () => {
    const retried = session([unknownCommit(), unknownCommit()]);
    await commitTransaction(retried.session);
    expect(retried.commits()).toBe(3);
    const hopeless = session(Array.from({ length: COMMIT_ROUNDS }, unknownCommit));
    expect(await failure(() => commitTransaction(hopeless.session))).toBeInstanceOf(MongoServerError);
    expect(hopeless.commits()).toBe(COMMIT_ROUNDS);
  });

  it('leaves other failures (a transient one: the whole transaction runs again) to the caller at once', async () => {
    const failed = session([transient()]);
    expect(((await failure(() => commitTransaction(failed.session))) as MongoServerError).code).toBe(112);
    expect(failed.commits()).toBe(1);
  });
});

describe('discardSession', () => {
  it('aborts an open transaction and ends the session, whatever the abort says', async () => {
    const calls: string[] = [];
    const session = {
      inTransaction: () => true,
      async abortTransaction() {
        calls.push('abort');
        throw new Error('NoSuchTransaction');
      },
      async endSession() {
        calls.push('end');
      },
    } as unknown as ClientSession;
    await discardSession(session);
    expect(calls).toEqual(['abort', 'end']);
    const idle = { inTransaction: () => false, abortTransaction: async () => calls.push('abort again'), endSession: async () => calls.push('end again') } as unknown as ClientSession;
    await discardSession(idle);
    expect(calls).toEqual(['abort', 'end', 'end again']);
  });
});
