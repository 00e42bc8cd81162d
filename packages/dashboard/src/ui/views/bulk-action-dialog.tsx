import type { BulkActionResponse, JobStatsResponse, JobStatus } from '@jobtrail/core/client';
import { useJobsClient } from '@jobtrail/react';
import { useEffect, useRef, useState } from 'react';
import { ApiError, dashboardApi } from '../api/dashboard-api.js';
import { Dialog } from '../components/dialog.js';
import { ErrorAlert } from '../components/notices.js';
import { formatCount } from '../lib/format.js';
import { CANCELLABLE_STATUSES, isStatus, RETRYABLE_STATUSES, STATUSES } from '../lib/statuses.js';
import { FILTER_FIELDS, type JobFilters } from './job-filters.js';

interface Preview {
  matching: number;
  applicable: number;
}

const VERB = { retry: 'Retry', cancel: 'Cancel' } as const;

/**
 * Retry or cancel every job a filter matches: previews how many match (from `/jobs/stats` with
 * the same filter), then POSTs `api/jobs/retry|cancel` and shows `{ matched, changed }`.
 */
export function BulkActionDialog({
  action,
  filters,
  onClose,
  onForbidden,
}: {
  action: 'retry' | 'cancel';
  filters: JobFilters;
  onClose: () => void;
  /** The server answered 403: the page hides the bulk buttons from now on. */
  onForbidden: () => void;
}) {
  const client = useJobsClient();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<Error | null>(null);
  const [result, setResult] = useState<BulkActionResponse | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [pending, setPending] = useState(false);
  const applies = action === 'retry' ? RETRYABLE_STATUSES : CANCELLABLE_STATUSES;
  // The confirm button is gone once the result is in: focus moves to Close, not to <body>.
  const closeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (result) closeButton.current?.focus();
  }, [result]);
  const verb = VERB[action];

  // biome-ignore lint/correctness/useExhaustiveDependencies: the dialog previews the filter it was opened with
  useEffect(() => {
    const controller = new AbortController();
    const { status, ...statsFilter } = filters;
    // Stats count every status; the status filter is applied to their byStatus here.
    client
      .stats(statsFilter as Parameters<typeof client.stats>[0], { signal: controller.signal })
      .then((stats) => setPreview(previewOf(stats, status, applies)))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setPreviewError(error instanceof Error ? error : new Error(String(error)));
      });
    return () => controller.abort();
  }, []);

  const confirm = async () => {
    setPending(true);
    setActionError(null);
    try {
      const { status, ...rest } = filters;
      setResult(await dashboardApi.bulk(action, { ...rest, ...(status ? { status: [status] } : {}) }));
      void client.refresh();
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(0, 'unknown', String(error));
      setActionError(apiError);
      if (apiError.status === 403) onForbidden();
    } finally {
      setPending(false);
    }
  };

  const statusWords = new Intl.ListFormat('en', { type: 'disjunction' }).format(applies);
  return (
    <Dialog title={`${verb} matching jobs`} onClose={onClose}>
      <FilterSummary filters={filters} />
      {previewError ? <ErrorAlert title="Could not count the matching jobs:" error={previewError} /> : null}
      {result ? (
        <p className="bulk-result" data-testid="bulk-result" role="status">
          {formatCount(result.matched)} matched, {formatCount(result.changed)} changed ({action === 'retry' ? 'queued again' : 'cancelled'}).
        </p>
      ) : (
        <p className="bulk-preview" data-testid="bulk-preview-count" aria-live="polite">
          {preview
            ? `${formatCount(preview.applicable)} of ${formatCount(preview.matching)} matching jobs are ${statusWords} and will be ${action === 'retry' ? 'retried' : 'cancelled'}.`
            : previewError
              ? '\u00a0'
              : 'Counting matching jobs…'}
        </p>
      )}
      {actionError ? (
        <ErrorAlert
          error={actionError.status === 403 ? `The server does not allow bulk actions for this user. (${actionError.message})` : actionError}
        />
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose} ref={closeButton}>
          {result ? 'Close' : 'Keep them'}
        </button>
        {result ? null : (
          <button
            type="button"
            className={action === 'cancel' ? 'button button-primary button-danger-fill' : 'button button-primary'}
            disabled={!preview || preview.applicable === 0 || pending || actionError?.status === 403}
            onClick={() => void confirm()}
          >
            {`${verb} ${preview ? formatCount(preview.applicable) : ''} ${preview?.applicable === 1 ? 'job' : 'jobs'}`.replace(/\s+/g, ' ')}
          </button>
        )}
      </div>
    </Dialog>
  );
}

function previewOf(stats: JobStatsResponse, status: string | undefined, applies: readonly JobStatus[]): Preview {
  const counted = isStatus(status) ? [status] : STATUSES;
  const matching = counted.reduce((total, item) => total + (stats.byStatus[item] ?? 0), 0);
  const applicable = counted.filter((item) => applies.includes(item)).reduce((total, item) => total + (stats.byStatus[item] ?? 0), 0);
  return { matching, applicable };
}

function FilterSummary({ filters }: { filters: JobFilters }) {
  return (
    <dl className="filter-summary">
      {FILTER_FIELDS.filter(({ key }) => filters[key]).map(({ key, label }) => (
        <div key={key}>
          <dt>{label}</dt>
          <dd className="mono">{filters[key]}</dd>
        </div>
      ))}
    </dl>
  );
}
