import type { JobStatus } from '@jobtrail/react';
import { number, percent } from '../format.js';

interface ProgressBarProps {
  progress: number;
  status: JobStatus;
  stage?: string | null;
  current?: number | null;
  total?: number | null;
  compact?: boolean;
}

/** A bar coloured by status, with the stage text and counts a person reads at a glance. */
export function ProgressBar({ progress, status, stage, current, total, compact }: ProgressBarProps) {
  const value = Math.round(progress * 100);
  const counts = current != null && total != null ? `${number(current)} / ${number(total)}` : null;
  return (
    <div className={`progress ${compact ? 'progress-compact' : ''}`}>
      {compact ? null : (
        <div className="progress-label">
          <span className="progress-stage" data-testid="progress-stage">
            {stage ?? (status === 'queued' ? 'Waiting for a worker' : '\u00a0')}
          </span>
          <span className="progress-numbers">
            {counts ? <span className="muted">{counts}</span> : null}
            <span data-testid="progress-percent">{percent(progress)}</span>
          </span>
        </div>
      )}
      <div
        className={`progress-track progress-${status}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
        aria-label={stage ?? 'progress'}
      >
        <div className="progress-fill" style={{ width: `${value}%` }} />
      </div>
    </div>
  );
}
