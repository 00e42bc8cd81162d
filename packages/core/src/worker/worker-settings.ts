import { JobValidationError } from '../errors/jobtrail-error.js';
import { isJobStatus, isTerminal } from '../model/job-status.js';
import { integerOption } from '../tracker/validate-input.js';
import { parseDuration } from '../util/duration.js';
import type { RetentionOption, WorkerOptions } from './worker-options.js';

/** A worker's options, checked once and with every default applied (durations in ms). */
export interface WorkerSettings {
  leaseMs: number;
  heartbeatMs: number;
  pollIntervalMs: number;
  batchSize: number;
  shutdownGraceMs: number;
  recoverIntervalMs: number;
  retention: RetentionOption | undefined;
  retentionIntervalMs: number;
  keepAlive: boolean;
}

/** @throws {JobValidationError} (`invalid_input`) naming the first bad option. */
export function resolveWorkerSettings(options: WorkerOptions): WorkerSettings {
  const leaseMs = integerOption(options.leaseMs, 30_000, 'leaseMs', 100, 86_400_000);
  const heartbeatMs = integerOption(options.heartbeatMs, Math.floor(leaseMs / 3), 'heartbeatMs', 10, leaseMs - 1);
  const pollIntervalMs = integerOption(options.pollIntervalMs, 1000, 'pollIntervalMs', 1, 3_600_000);
  const batchSize = integerOption(options.batchSize, 20, 'batchSize', 1, 1000);
  const shutdownGraceMs = integerOption(options.shutdownGraceMs, 10_000, 'shutdownGraceMs', 0, 86_400_000);
  const defaultRecoverMs = Math.max(1000, Math.floor(leaseMs / 2));
  const recoverIntervalMs = integerOption(options.recoverIntervalMs, defaultRecoverMs, 'recoverIntervalMs', 10, 86_400_000);
  const retentionIntervalMs = integerOption(options.retentionIntervalMs, 3_600_000, 'retentionIntervalMs', 10, 86_400_000);
  const retention = options.retention;
  if (retention) {
    for (const [status, age] of Object.entries(retention)) {
      if (!isJobStatus(status) || !isTerminal(status)) {
        throw new JobValidationError(`retention.${status}`, 'only completed, failed, skipped and cancelled jobs can be pruned.');
      }
      parseDuration(age as number | string, `retention.${status}`);
    }
  }
  return {
    leaseMs,
    heartbeatMs,
    pollIntervalMs,
    batchSize,
    shutdownGraceMs,
    recoverIntervalMs,
    retention,
    retentionIntervalMs,
    keepAlive: options.keepAlive ?? true,
  };
}
