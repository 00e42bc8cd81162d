import { useEffect, useState } from 'react';
import type { DemoInfo } from '../shared/demo-info.js';
import { JOBS_API_BASE, type TenantId } from '../shared/workflows.js';
import { ActiveJobs } from './components/active-jobs.js';
import { Header } from './components/header.js';
import { JobDetail } from './components/job-detail.js';
import { JobsTable } from './components/jobs-table.js';
import { SchedulesPanel } from './components/schedules-panel.js';
import { StatsPanel } from './components/stats-panel.js';
import { WorkflowLauncher } from './components/workflow-launcher.js';
import { fetchInfo, readTenant, writeTenant } from './demo-api.js';
import { JobtrailProvider } from '@jobtrail/react';

export function App() {
  const [tenant, setTenant] = useState<TenantId>(() => {
    // The cookie must exist before the first API call: the server scopes every request by it.
    const initial = readTenant();
    writeTenant(initial);
    return initial;
  });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const { info, error: infoError } = useDemoInfo();

  const switchTenant = (next: TenantId) => {
    writeTenant(next);
    setSelectedId(null);
    setTenant(next);
  };

  return (
    <div className="shell">
      <Header info={info} infoError={infoError} tenant={tenant} onTenantChange={switchTenant} />
      {/* A new provider per tenant: no cached job of one tenant is ever shown to the other. */}
      <JobtrailProvider key={tenant} baseUrl={JOBS_API_BASE}>
        <main className="layout" data-testid="layout" data-tenant={tenant}>
          <div className="column-main">
            <WorkflowLauncher onStarted={setSelectedId} />
            <ActiveJobs selectedId={selectedId} onSelect={setSelectedId} />
            <SchedulesPanel supported={info?.schedules} onSelect={setSelectedId} />
            <JobsTable selectedId={selectedId} onSelect={setSelectedId} />
          </div>
          <aside className="column-side">
            <JobDetail jobId={selectedId} onSelect={setSelectedId} />
            <StatsPanel />
          </aside>
        </main>
      </JobtrailProvider>
    </div>
  );
}

function useDemoInfo(): { info: DemoInfo | null; error: string | null } {
  const [info, setInfo] = useState<DemoInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        setInfo(await fetchInfo(controller.signal));
        setError(null);
      } catch (cause) {
        if (controller.signal.aborted) return;
        setError((cause as Error).message);
      }
      timer = setTimeout(() => void load(), 1_500);
    };
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, []);
  return { info, error };
}
