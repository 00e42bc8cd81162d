import type { JobStatus } from '../model/job-status.js';

/**
 * One committed change of a job, as a store's change feed reports it: what routing needs (who may
 * see it, what kind it is, where it stands) and nothing a scope rule must guard (no payload,
 * result, metadata, error or progress). Watchers read the job itself, in scope, when they need it.
 */
export interface JobChange {
  jobId: string;
  type: string;
  tenantId: string | null;
  ownerId: string | null;
  status: JobStatus;
  /**
   * The job's `updatedAt` after the change, in ms since the epoch: it orders the changes of one job
   * (every write through jobtrail sets it, on the store's clock or one synced to it).
   */
  version: number;
}

/**
 * What a change feed delivers: committed changes (possibly coalesced: several writes of one job
 * in quick succession may arrive as its latest change only), or a gap: changes may have been
 * missed (the feed's connection dropped and came back), or a last gap with `ended` when the feed
 * stops for good. After a gap, whoever keeps state about jobs reads it again; nothing is ever lost
 * silently.
 */
export type JobChangeEvent =
  | { readonly changes: readonly JobChange[]; readonly gap?: undefined; readonly ended?: undefined }
  | {
      readonly gap: true;
      readonly changes?: undefined;
      /**
       * The feed stopped for good (the store closed, or its feed became unavailable): nothing
       * more will be heard. Watchers end what they serve, so their clients fall back to reading.
       */
      readonly ended?: true;
    };

/** Listener of `JobStore.subscribeChanges`. */
export type JobChangeListener = (event: JobChangeEvent) => void;
