import type { TenantId, WorkflowInfo } from './workflows.js';

/** `GET /api/demo/info`: what the page shows in its header. */
export interface DemoInfo {
  store: string;
  traces: string;
  tenants: { id: TenantId; label: string }[];
  workflows: WorkflowInfo[];
  worker: {
    state: 'starting' | 'running' | 'restarting' | 'stopped';
    pid: number | null;
    restarts: number;
    lastExit: { code: number | null; signal: string | null; at: string } | null;
  };
}
