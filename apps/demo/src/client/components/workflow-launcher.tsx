import { useState } from 'react';
import { WORKFLOWS, type WorkflowName } from '../../shared/workflows.js';
import { startWorkflow } from '../demo-api.js';

const ICONS: Record<WorkflowName, string> = {
  'deep-scan': '⌕',
  'file-import': '⇪',
  'lead-scoring': '⚑',
  'flaky-api': '↻',
  'bad-input': '⊘',
  'crash-worker': '✕',
};

/** One button per sample workflow; a started job opens in the detail panel. */
export function WorkflowLauncher({ onStarted }: { onStarted: (jobId: string) => void }) {
  const [busy, setBusy] = useState<WorkflowName | null>(null);
  const [error, setError] = useState<string | null>(null);

  const start = async (name: WorkflowName) => {
    setBusy(name);
    setError(null);
    try {
      const job = await startWorkflow(name);
      onStarted(job.id);
    } catch (cause) {
      setError((cause as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card">
      <div className="card-head">
        <h2>Start a workflow</h2>
        <span className="muted">Each button queues a job for the worker process.</span>
      </div>
      <div className="workflow-grid">
        {WORKFLOWS.map((workflow) => (
          <button
            key={workflow.name}
            type="button"
            className={`workflow workflow-${workflow.name}`}
            data-testid={`start-${workflow.name}`}
            disabled={busy !== null}
            onClick={() => void start(workflow.name)}
          >
            <span className="workflow-icon" aria-hidden>
              {ICONS[workflow.name]}
            </span>
            <span className="workflow-text">
              <span className="workflow-label">{workflow.label}</span>
              <span className="workflow-description">{workflow.description}</span>
            </span>
          </button>
        ))}
      </div>
      {error ? <p className="error-text">Could not start: {error}</p> : null}
    </section>
  );
}
