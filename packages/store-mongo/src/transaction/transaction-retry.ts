import type { ClientSession, TransactionOptions } from 'mongodb';
import { hasErrorLabel } from '../errors/driver-errors.js';

/**
 * The store's own transactions (claims of controlled types): the driver's core transaction API
 * with the retry rules of its `withTransaction`, but bounded by rounds and with a backoff between
 * them. Claimers of one type conflict by design (see `CLAIM_MARK`): retrying at once would only
 * meet the winner's transaction again, and `withTransaction` would keep trying for two minutes.
 */

/** Reads in a transaction must go to the primary, whatever the application's Db prefers. */
export const TRANSACTION_OPTIONS = { readPreference: 'primary' } as const satisfies TransactionOptions;

/** How often a transaction runs before a transient failure is given up (about 2 s of backoff in all). */
export const TRANSACTION_ROUNDS = 12;

/** How often a commit whose outcome is unknown is sent again (committing twice is harmless). */
export const COMMIT_ROUNDS = 3;

/** Waiting between rounds; replaced in tests. */
export interface RetryTiming {
  sleep(ms: number): Promise<void>;
  /** In [0, 1). */
  random(): number;
}

export const SYSTEM_TIMING: RetryTiming = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * The wait after failed round `round` (0-based): exponential from 5 ms, capped at 250 ms, with
 * jitter (half to all of it), so that claimers that met once do not meet again in lockstep.
 */
export function backoffMs(round: number, random: () => number): number {
  const ceiling = Math.min(250, 5 * 2 ** round);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * Runs `attempt` — one whole transaction — until it succeeds, fails with an error that is not
 * labelled `TransientTransactionError`, or has run {@link TRANSACTION_ROUNDS} times (then the
 * last error is thrown).
 */
export async function retryTransient<T>(attempt: () => Promise<T>, timing: RetryTiming): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      if (!hasErrorLabel(error, 'TransientTransactionError') || round + 1 >= TRANSACTION_ROUNDS) throw error;
      await timing.sleep(backoffMs(round, timing.random));
    }
  }
}

/** Commits, sending the commit again while its outcome is unknown (`UnknownTransactionCommitResult`). */
export async function commitTransaction(session: ClientSession): Promise<void> {
  for (let round = 1; ; round++) {
    try {
      await session.commitTransaction();
      return;
    } catch (error) {
      if (round >= COMMIT_ROUNDS || !hasErrorLabel(error, 'UnknownTransactionCommitResult')) throw error;
    }
  }
}

/**
 * Aborts the session's transaction if one is open and ends the session. Used once a transaction
 * must not commit: its outcome is decided, so a failing abort (the server already dropped the
 * transaction, or the connection is gone) changes nothing and is not reported; the server drops
 * an abandoned transaction after its lifetime limit.
 */
export async function discardSession(session: ClientSession): Promise<void> {
  try {
    if (session.inTransaction()) await session.abortTransaction();
  } catch {
    // See above: nothing left to undo.
  }
  try {
    await session.endSession();
  } catch {
    // Ending only returns the server session to the driver's pool.
  }
}
