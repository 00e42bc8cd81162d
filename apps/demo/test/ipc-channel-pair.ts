import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';

/**
 * Two ends of an IPC channel inside one process. Messages are structured-cloned and delivered
 * asynchronously, as `fork({ serialization: 'advanced' })` does between real processes.
 */
export function createChannelPair() {
  const parentSide = new EventEmitter() as EventEmitter & { send: Send; connected: boolean; kill: () => void };
  const childSide = new EventEmitter() as EventEmitter & { send: Send; connected: boolean };
  const deliver = (to: EventEmitter) => (message: unknown, ...rest: unknown[]) => {
    const callback = rest.find((arg) => typeof arg === 'function') as ((error: Error | null) => void) | undefined;
    if (!parentSide.connected) {
      const error = new Error('Channel closed');
      if (callback) setImmediate(() => callback(error));
      return false;
    }
    const copy = structuredClone(message);
    setImmediate(() => {
      to.emit('message', copy);
      callback?.(null);
    });
    return true;
  };
  parentSide.connected = true;
  childSide.connected = true;
  parentSide.send = deliver(childSide);
  childSide.send = deliver(parentSide);
  const disconnect = () => {
    parentSide.connected = false;
    childSide.connected = false;
    childSide.emit('disconnect');
    parentSide.emit('exit', null, 'SIGKILL');
  };
  parentSide.kill = disconnect;
  return {
    /** What `serveStoreOverIpc` sees: the server's handle on its child. */
    child: parentSide as unknown as ChildProcess,
    /** What `IpcJobStore` sees: the worker's `process`. */
    processChannel: childSide as unknown as NodeJS.Process,
    disconnect,
  };
}

type Send = (message: unknown, ...rest: unknown[]) => boolean;
