import { FLOW_STORE_METHODS, SCHEDULE_STORE_METHODS, type JobChangeEvent, type JobStore, type StoreWakeEvent } from '@jobtrail/core/store';

/**
 * Messages between the server, which owns an in-memory store, and the worker process, which
 * uses it through `IpcJobStore`. Both sides fork with `serialization: 'advanced'`, so Dates in
 * jobs cross the channel as Dates.
 */
export const REMOTE_METHODS = [
  'insert',
  'get',
  'transition',
  'claim',
  'heartbeat',
  'findExpired',
  'updateProgress',
  'incrementMetrics',
  'query',
  'count',
  'sumMetrics',
  'prune',
  // Counts over time for the dashboard's overview (the contract holds every store to it).
  'activity',
  // The schedule part of the port (all or none): the worker fires schedules through it.
  ...SCHEDULE_STORE_METHODS,
  // Flow control (all or none): the worker's tracker reads and writes type limits through it.
  ...FLOW_STORE_METHODS,
] as const satisfies readonly (keyof JobStore)[];

export type RemoteMethod = (typeof REMOTE_METHODS)[number];

export interface StoreCall {
  kind: 'jobtrail-store-call';
  id: number;
  method: RemoteMethod;
  args: unknown[];
}

export interface RemoteErrorShape {
  name: string;
  code: string;
  message: string;
}

export type StoreReply =
  | { kind: 'jobtrail-store-reply'; id: number; ok: true; value: unknown }
  | { kind: 'jobtrail-store-reply'; id: number; ok: false; error: RemoteErrorShape };

export interface StoreWake {
  kind: 'jobtrail-store-wake';
  event: StoreWakeEvent;
}

/** Child → parent: start or stop forwarding the store's change feed (only while someone watches). */
export interface ChangeFeedRequest {
  kind: 'jobtrail-store-changes';
  on: boolean;
}

/** Parent → child: one change feed event. */
export interface ChangeFeedEvent {
  kind: 'jobtrail-store-change-event';
  event: JobChangeEvent;
}

export function isChangeFeedRequest(message: unknown): message is ChangeFeedRequest {
  return typeof message === 'object' && message !== null && (message as ChangeFeedRequest).kind === 'jobtrail-store-changes' && typeof (message as ChangeFeedRequest).on === 'boolean';
}

export function isChangeFeedEvent(message: unknown): message is ChangeFeedEvent {
  return typeof message === 'object' && message !== null && (message as ChangeFeedEvent).kind === 'jobtrail-store-change-event';
}

export function isStoreCall(message: unknown): message is StoreCall {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as StoreCall).kind === 'jobtrail-store-call' &&
    (REMOTE_METHODS as readonly string[]).includes((message as StoreCall).method) &&
    Array.isArray((message as StoreCall).args)
  );
}

export function isStoreReply(message: unknown): message is StoreReply {
  return typeof message === 'object' && message !== null && (message as StoreReply).kind === 'jobtrail-store-reply';
}

export function isStoreWake(message: unknown): message is StoreWake {
  return typeof message === 'object' && message !== null && (message as StoreWake).kind === 'jobtrail-store-wake';
}
