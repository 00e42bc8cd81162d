import type { ChildProcess } from 'node:child_process';
import type { JobStore } from '@jobtrail/core/store';
import { isChangeFeedRequest, isStoreCall, type ChangeFeedEvent, type RemoteErrorShape, type StoreReply, type StoreWake } from './protocol.js';

/**
 * Lets a forked worker process use this process's store (the memory store cannot be shared any
 * other way). Answers the child's calls and forwards the store's wake-ups, and its change feed
 * while the child asks for it. Returns a detach
 * function; a child that exits detaches itself.
 */
export function serveStoreOverIpc(child: ChildProcess, store: JobStore): () => void {
  const send = (message: StoreReply | StoreWake | ChangeFeedEvent) => {
    // The child may have died between its call and our answer: nothing is waiting any more.
    if (child.connected) child.send(message, (error) => void error);
  };

  let stopChanges: (() => void) | null = null;
  const onMessage = (message: unknown) => {
    if (isChangeFeedRequest(message)) {
      if (message.on && stopChanges === null && typeof store.subscribeChanges === 'function') {
        stopChanges = store.subscribeChanges((event) => send({ kind: 'jobtrail-store-change-event', event }));
      } else if (!message.on && stopChanges !== null) {
        stopChanges();
        stopChanges = null;
      }
      return;
    }
    if (!isStoreCall(message)) return;
    const method = store[message.method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    // A store without the optional schedule methods: the call fails like any other store error.
    const answer =
      typeof method === 'function'
        ? Promise.resolve().then(() => method.apply(store, message.args))
        : Promise.reject(new Error(`The server's store has no ${message.method}().`));
    answer
      .then((value) => send({ kind: 'jobtrail-store-reply', id: message.id, ok: true, value }))
      .catch((error: unknown) =>
        send({ kind: 'jobtrail-store-reply', id: message.id, ok: false, error: toRemoteError(error) }),
      );
  };

  const unsubscribe = store.subscribe?.((event) => send({ kind: 'jobtrail-store-wake', event })) ?? (() => {});
  child.on('message', onMessage);
  const detach = () => {
    unsubscribe();
    stopChanges?.();
    stopChanges = null;
    child.off('message', onMessage);
  };
  child.once('exit', detach);
  return detach;
}

function toRemoteError(error: unknown): RemoteErrorShape {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, code: typeof code === 'string' ? code : 'store_error', message: error.message };
  }
  return { name: 'Error', code: 'store_error', message: String(error) };
}
