import type { JobStatus } from '@jobtrail/core/client';
import { formatCount, formatPercent } from '../lib/format.js';

interface ProgressBarProps {
  progress: number;
  status: JobStatus;
  stage?: string | null;
  current?: number | null;
  total?: number | null;
  compact?: boolean;
}

/** A bar coloured by status, with the stage and current/total counts. */
export function ProgressBar({ progress, status, stage, current, total, compact = false }: ProgressBarProps) {
  const value = Math.round(Math.min(1, Math.max(0, progress)) * 100);
  const counts = current != null && total != null ? `${formatCount(current)} / ${formatCount(total)}` : null;
  const label = [stage, counts].filter(Boolean).join(' · ') || 'Progress';
  return (
    <div className={compact ? 'progress progress-compact' : 'progress'}>
      {compact ? null : (
        <div className="progress-label">
          <span className="progress-stage">{stage ?? '\u00a0'}</span>
          <span className="progress-numbers num">
            {counts ? <span className="muted">{counts}</span> : null}
            <span>{formatPercent(value / 100)}</span>
          </span>
        </div>
      )}
      <div
        className={`progress-track progress-${status}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
        aria-valuetext={`${value}%${counts ? `, ${counts}` : ''}`}
        aria-label={label}
      >
        <div className="progress-fill" style={{ width: `${value}%` }} />
      </div>
      {compact ? <span className="progress-compact-value num">{formatPercent(value / 100)}</span> : null}
    </div>
  );
}
