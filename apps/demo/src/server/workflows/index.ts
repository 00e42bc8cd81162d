import type { HandlerDefinition, JobHandler, Tracker } from '@jobtrail/core';
import { JOB_TYPES } from '../../shared/workflows.js';
import { badInput } from './bad-input.js';
import { createCrashWorker, type CrashWorkerDeps } from './crash-worker.js';
import { deepScan } from './deep-scan.js';
import { fileImport } from './file-import.js';
import { flakyApi } from './flaky-api.js';
import { heartbeat } from './heartbeat.js';
import { createLeadScoringRun, scoreClientLeads } from './lead-scoring.js';

export interface WorkflowHandlerDeps extends CrashWorkerDeps {
  tracker: Tracker;
}

/** Every job type the demo's worker runs, with its handler. */
export function createWorkflowHandlers(deps: WorkflowHandlerDeps): Record<string, JobHandler | HandlerDefinition> {
  return {
    [JOB_TYPES.deepScan]: deepScan,
    [JOB_TYPES.fileImport]: fileImport,
    [JOB_TYPES.leadScoringRun]: createLeadScoringRun(deps.tracker),
    [JOB_TYPES.leadScoringClient]: scoreClientLeads,
    [JOB_TYPES.flakyApi]: flakyApi,
    [JOB_TYPES.badInput]: badInput,
    [JOB_TYPES.crashWorker]: createCrashWorker(deps),
    [JOB_TYPES.heartbeat]: heartbeat,
  };
}
