/**
 * The sample workflows, shared by the server (enqueue), the worker (handlers) and the page
 * (buttons). Plain data: the page imports it too, so nothing Node-specific belongs here.
 */
export const JOB_TYPES = {
  deepScan: 'places.deepScan',
  fileImport: 'imports.file',
  leadScoringRun: 'leads.scoringRun',
  leadScoringClient: 'leads.scoreClient',
  flakyApi: 'partners.flakyApi',
  badInput: 'imports.badInput',
  crashWorker: 'demo.crashWorker',
  /** Made by the demo's schedules (`DEMO_SCHEDULES` of the server), never by a button. */
  heartbeat: 'demo.heartbeat',
} as const;

export type JobTypeName = (typeof JOB_TYPES)[keyof typeof JOB_TYPES];

export type WorkflowName = 'deep-scan' | 'file-import' | 'lead-scoring' | 'flaky-api' | 'bad-input' | 'crash-worker';

export interface WorkflowInfo {
  name: WorkflowName;
  label: string;
  type: JobTypeName;
  description: string;
}

export const WORKFLOWS: readonly WorkflowInfo[] = [
  {
    name: 'deep-scan',
    label: 'Deep scan',
    type: JOB_TYPES.deepScan,
    description: 'Calls the places API for one place, then saves its details.',
  },
  {
    name: 'file-import',
    label: 'File import',
    type: JOB_TYPES.fileImport,
    description: 'Validate, check duplicates, upload, parse and store a CSV, with row counts.',
  },
  {
    name: 'lead-scoring',
    label: 'Lead scoring run',
    type: JOB_TYPES.leadScoringRun,
    description: 'A parent job with one child per client; one client has no leads and is skipped.',
  },
  {
    name: 'flaky-api',
    label: 'Flaky API',
    type: JOB_TYPES.flakyApi,
    description: 'The partner API answers 503 twice, then succeeds: watch it retry.',
  },
  {
    name: 'bad-input',
    label: 'Bad input',
    type: JOB_TYPES.badInput,
    description: 'Fails at once with a fatal validation error: no retries.',
  },
  {
    name: 'crash-worker',
    label: 'Crash worker',
    type: JOB_TYPES.crashWorker,
    description: 'Kills the worker process mid-job; the restarted worker recovers and finishes it.',
  },
];

export function isWorkflowName(value: string): value is WorkflowName {
  return WORKFLOWS.some((workflow) => workflow.name === value);
}

export const TENANTS = [
  { id: 'acme', label: 'Acme Corp' },
  { id: 'globex', label: 'Globex' },
] as const;

export type TenantId = (typeof TENANTS)[number]['id'];

export const DEFAULT_TENANT: TenantId = 'acme';

/** The cookie the page sets to choose its tenant; the server scopes every request by it. */
export const TENANT_COOKIE = 'jobtrail_demo_tenant';
/** Alternative to the cookie, for scripts: `curl -H 'x-demo-tenant: globex' ...`. */
export const TENANT_HEADER = 'x-demo-tenant';

export function isTenantId(value: unknown): value is TenantId {
  return TENANTS.some((tenant) => tenant.id === value);
}

/** Where the page finds the jobs API and the demo's own endpoints. */
export const JOBS_API_BASE = '/api';
export const DEMO_API_BASE = '/api/demo';
/** Where the demo mounts `@jobtrail/dashboard`. */
export const DASHBOARD_BASE = '/admin/jobs';
