import type { JobStatus } from '@jobtrail/core/client';

export function StatusBadge({ status }: { status: JobStatus }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      <span className="badge-dot" aria-hidden="true" />
      {status}
    </span>
  );
}

/** A schedule's or type's state: active, paused or disabled. */
export function StateBadge({ state }: { state: 'active' | 'paused' | 'disabled' }) {
  return <span className={`badge badge-state-${state}`}>{state}</span>;
}
