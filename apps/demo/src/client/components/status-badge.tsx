import type { JobStatus } from '@jobtrail/react';

export function StatusBadge({ status }: { status: JobStatus }) {
  return (
    <span className={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      {status === 'running' ? <span className="pulse" aria-hidden /> : null}
      {status}
    </span>
  );
}
