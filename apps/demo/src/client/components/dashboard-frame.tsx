import { forwardRef } from 'react';
import { DASHBOARD_BASE } from '../../shared/workflows.js';

/**
 * The jobtrail dashboard (`@jobtrail/dashboard`, mounted by the demo's server at /admin/jobs) in
 * a frame: the page a real app would mount for its operators, here beside the demo's controls.
 * Same origin, so the tenant cookie scopes it like every other request.
 */
export const DashboardFrame = forwardRef<HTMLIFrameElement>(function DashboardFrame(_props, ref) {
  return <iframe ref={ref} className="dashboard-frame" title="Jobs dashboard" data-testid="dashboard-frame" src={`${DASHBOARD_BASE}/`} />;
});
