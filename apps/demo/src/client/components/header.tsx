import type { DemoInfo } from '../../shared/demo-info.js';
import type { TenantId } from '../../shared/workflows.js';

interface HeaderProps {
  info: DemoInfo | null;
  infoError: string | null;
  tenant: TenantId;
  onTenantChange: (tenant: TenantId) => void;
}

export function Header({ info, infoError, tenant, onTenantChange }: HeaderProps) {
  const worker = info?.worker;
  return (
    <header className="header">
      <div className="brand">
        <span className="logo" aria-hidden>
          <span />
        </span>
        <span className="brand-name">jobtrail</span>
        <span className="brand-tag">demo</span>
      </div>
      <div className="header-meta">
        {infoError ? <span className="pill pill-danger">server unreachable</span> : null}
        {info ? (
          <span className="pill" title="Where the jobs are stored">
            <span className="pill-key">store</span> {info.store}
          </span>
        ) : null}
        {info ? (
          <span className="pill" title="Where spans go">
            <span className="pill-key">traces</span> {info.traces}
          </span>
        ) : null}
        {worker ? (
          <span
            className={`pill ${worker.state === 'running' ? 'pill-ok' : 'pill-warn'}`}
            data-testid="worker-status"
            data-state={worker.state}
            data-pid={worker.pid ?? ''}
            data-restarts={worker.restarts}
            title={worker.lastExit ? `Last exit: ${worker.lastExit.signal ?? `code ${worker.lastExit.code}`} at ${worker.lastExit.at}` : 'Worker process'}
          >
            <span className={`dot dot-${worker.state}`} aria-hidden />
            worker {worker.state === 'running' ? `pid ${worker.pid}` : worker.state}
            {worker.restarts > 0 ? <span className="muted"> · restarted {worker.restarts}×</span> : null}
          </span>
        ) : null}
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: a row of buttons outside any form; a fieldset would bring form styling (border, padding) the header does not want */}
      <div className="tenant-switcher" role="group" aria-label="Tenant">
        <span className="tenant-label">Tenant</span>
        {(info?.tenants ?? [{ id: tenant, label: tenant }]).map((option) => (
          <button
            key={option.id}
            type="button"
            className={option.id === tenant ? 'active' : ''}
            aria-pressed={option.id === tenant}
            data-testid={`tenant-${option.id}`}
            onClick={() => onTenantChange(option.id)}
          >
            {option.label}
          </button>
        ))}
      </div>
    </header>
  );
}
