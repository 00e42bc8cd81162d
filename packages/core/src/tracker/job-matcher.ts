import type { Job } from '../model/job.js';
import { isTerminal } from '../model/job-status.js';
import type { StoreFilter } from '../store/job-store.js';
import { matchesMetadata } from '../store/metadata-filter-check.js';

/**
 * Whether a job (as read) matches a store filter: the test every store's query applies, for a
 * job already in hand (a watch deciding whether a changed job belongs to its view). A metadata
 * condition needs the job's metadata read; a job read without it does not match.
 */
export function matchesStoreFilter(job: Job, filter: StoreFilter): boolean {
  if (filter.status !== undefined && !filter.status.includes(job.status)) return false;
  if (filter.type !== undefined && !filter.type.includes(job.type)) return false;
  if (filter.tenantId !== undefined && job.tenantId !== filter.tenantId) return false;
  if (filter.ownerId !== undefined && job.ownerId !== filter.ownerId) return false;
  if (filter.group !== undefined && job.group !== filter.group) return false;
  if (filter.key !== undefined && job.key !== filter.key) return false;
  if (filter.scheduleName !== undefined && job.scheduleName !== filter.scheduleName) return false;
  if (filter.errorCode !== undefined && job.error?.code !== filter.errorCode) return false;
  if (filter.metadata !== undefined && (job.metadata == null || !matchesMetadata(job.metadata, filter.metadata))) return false;
  if (filter.parentId !== undefined && job.parentId !== filter.parentId) return false;
  if (filter.createdAfter !== undefined && job.createdAt.getTime() < filter.createdAfter.getTime()) return false;
  if (filter.createdBefore !== undefined && job.createdAt.getTime() >= filter.createdBefore.getTime()) return false;
  if (filter.activeSince !== undefined && isTerminal(job.status) && (job.finishedAt === null || job.finishedAt.getTime() < filter.activeSince.getTime())) {
    return false;
  }
  return true;
}
