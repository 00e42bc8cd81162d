/** Control messages between the server and its worker process (besides the store's). */
export type WorkerMessage = { kind: 'worker-ready'; pid: number };
export type SupervisorMessage = { kind: 'worker-shutdown' };

export function isWorkerReady(message: unknown): message is WorkerMessage {
  return typeof message === 'object' && message !== null && (message as WorkerMessage).kind === 'worker-ready';
}

export function isShutdownRequest(message: unknown): message is SupervisorMessage {
  return typeof message === 'object' && message !== null && (message as SupervisorMessage).kind === 'worker-shutdown';
}
