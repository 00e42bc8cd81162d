import { useEffect, useRef, useState } from 'react';
import type { DemoInfo } from '../shared/demo-info.js';
import type { TenantId } from '../shared/workflows.js';
import { DashboardFrame } from './components/dashboard-frame.js';
import { Header } from './components/header.js';
import { WorkflowLauncher } from './components/workflow-launcher.js';
import { fetchInfo, readTenant, writeTenant } from './demo-api.js';

export function App() {
  const [tenant, setTenant] = useState<TenantId>(() => {
    // The cookie must exist before the dashboard's first API call: the server scopes every request by it.
    const initial = readTenant();
    writeTenant(initial);
    return initial;
  });
  const frame = useRef<HTMLIFrameElement>(null);
  const { info, error: infoError } = useDemoInfo();

  const switchTenant = (next: TenantId) => {
    writeTenant(next);
    setTenant(next);
  };

  // A started job opens in the dashboard's job view.
  const showJob = (jobId: string) => {
    const view = frame.current?.contentWindow;
    if (view) view.location.hash = `#/jobs/${jobId}`;
  };

  return (
    <div className="shell">
      <Header info={info} infoError={infoError} tenant={tenant} onTenantChange={switchTenant} />
      <main className="layout" data-testid="layout" data-tenant={tenant}>
        <WorkflowLauncher onStarted={showJob} />
        {/* A new frame per tenant: nothing one tenant saw stays on screen for the other. */}
        <DashboardFrame key={tenant} ref={frame} />
      </main>
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
