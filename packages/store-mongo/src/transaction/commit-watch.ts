import type { ClientSession } from 'mongodb';

interface Watched {
  waiters: Array<(committed: boolean) => void>;
}

const watched = new WeakMap<object, Watched>();

/**
 * Tells when the caller's transaction on `session` commits (`true`) or aborts or ends without
 * committing (`false`), so core fires `created` after the commit and never on an abort.
 *
 * The driver emits no commit event, so the session's own `commitTransaction` and
 * `abortTransaction` are wrapped, once per session, on that session object only (`withTransaction`
 * commits and aborts through them too; a transient-error retry aborts, then runs the caller's
 * callback again, which inserts and watches again). An `ended` session settles what is left as
 * not committed.
 */
export function watchCommit(session: ClientSession): Promise<boolean> {
  let state = watched.get(session);
  if (!state) {
    state = { waiters: [] };
    watched.set(session, state);
    install(session, state);
  }
  const current = state;
  return new Promise<boolean>((resolve) => current.waiters.push(resolve));
}

function install(session: ClientSession, state: Watched): void {
  const settle = (committed: boolean) => {
    const waiters = state.waiters;
    state.waiters = [];
    for (const resolve of waiters) resolve(committed);
  };
  const commit = session.commitTransaction.bind(session);
  const abort = session.abortTransaction.bind(session);
  const target = session as { commitTransaction: ClientSession['commitTransaction']; abortTransaction: ClientSession['abortTransaction'] };
  target.commitTransaction = async (...args: Parameters<ClientSession['commitTransaction']>) => {
    const result = await commit(...args);
    settle(true);
    return result;
  };
  target.abortTransaction = async (...args: Parameters<ClientSession['abortTransaction']>) => {
    try {
      return await abort(...args);
    } finally {
      settle(false);
    }
  };
  (session as unknown as { once?: (event: string, listener: () => void) => void }).once?.('ended', () => settle(false));
}
