import { JobtrailProvider } from '@jobtrail/react';
import { API_BASE } from './api/dashboard-api.js';
import { ErrorAlert } from './components/notices.js';
import { DashboardContext, useDashboardInfo } from './lib/dashboard-context.js';
import { type Route, useRoute } from './lib/router.js';
import { JobDetailView } from './views/job-detail-view.js';
import { JobsView } from './views/jobs-view.js';
import { OverviewView } from './views/overview-view.js';
import { SchedulesView } from './views/schedules-view.js';
import { TypesView } from './views/types-view.js';

const NAV: Array<{ label: string; href: string; active: (route: Route) => boolean }> = [
  { label: 'Overview', href: '#/', active: (route) => route.view === 'overview' },
  { label: 'Jobs', href: '#/jobs', active: (route) => route.view === 'jobs' || route.view === 'job' },
  { label: 'Schedules', href: '#/schedules', active: (route) => route.view === 'schedules' },
  { label: 'Types', href: '#/types', active: (route) => route.view === 'types' },
];

export function App() {
  const dashboard = useDashboardInfo();
  const route = useRoute();
  const { info } = dashboard;
  return (
    <DashboardContext.Provider value={dashboard}>
      <JobtrailProvider baseUrl={API_BASE} transport="auto">
        <header className="header">
          <div className="header-inner">
            <a className="brand" href="#/">
              <span className="logo" aria-hidden="true">
                <span />
              </span>
              <span className="brand-name">{info.title}</span>
            </a>
            {dashboard.loaded && info.readOnly ? (
              <span className="read-only-badge" data-testid="read-only-badge" title="This dashboard only shows jobs; actions are off.">
                Read-only
              </span>
            ) : null}
            <nav className="nav" aria-label="Dashboard">
              {NAV.map((item) => (
                <a key={item.href} href={item.href} className="nav-link" aria-current={item.active(route) ? 'page' : undefined}>
                  {item.label}
                </a>
              ))}
            </nav>
          </div>
        </header>
        <main className="main">
          {dashboard.error ? <ErrorAlert title="Could not read the dashboard settings:" error={dashboard.error} /> : null}
          {/* Views wait for the settings (one small read), so action buttons never pop in and move the page. */}
          {dashboard.loaded ? <RouteView route={route} /> : <div className="view-pending" aria-busy="true" />}
        </main>
      </JobtrailProvider>
    </DashboardContext.Provider>
  );
}

function RouteView({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview':
      return <OverviewView />;
    case 'jobs':
      return <JobsView query={route.query} />;
    case 'job':
      return <JobDetailView key={route.id} id={route.id} />;
    case 'schedules':
      return <SchedulesView />;
    case 'types':
      return <TypesView />;
    case 'not-found':
      return (
        <section className="card">
          <h1 className="page-title">Page not found</h1>
          <p>
            Nothing lives at <code>#{route.path}</code>. <a href="#/">Back to the overview</a>.
          </p>
        </section>
      );
  }
}
