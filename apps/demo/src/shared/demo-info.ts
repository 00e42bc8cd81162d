import type { TenantId, WorkflowInfo } from './workflows.js';

/** `GET /api/demo/info`: what the page shows in its header. */
export interface DemoInfo {
  store: string;
  /** Whether the store keeps schedules; false: the page shows none and asks for none. */
  schedules: boolean;
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
