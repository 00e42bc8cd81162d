import { createContext, useContext, useEffect, useState } from 'react';
import { ApiError, type DashboardInfo, dashboardApi } from '../api/dashboard-api.js';

/** What the page shows before `api/dashboard` answers, and when it cannot. */
export const FALLBACK_INFO: DashboardInfo = {
  title: 'Jobs',
  readOnly: true,
  scope: { admin: false },
  features: { streams: true, schedules: true, types: true, activity: true, bulkActions: false },
};

export interface DashboardState {
  info: DashboardInfo;
  loaded: boolean;
  error: ApiError | null;
  /** Actions stay hidden until the server said the user may act (readOnly false). */
  canAct: boolean;
}

export const DashboardContext = createContext<DashboardState>({ info: FALLBACK_INFO, loaded: false, error: null, canAct: false });

export function useDashboard(): DashboardState {
  return useContext(DashboardContext);
}

/** Reads `api/dashboard` once; the title and read-only flag do not change while the page is open. */
export function useDashboardInfo(): DashboardState {
  const [state, setState] = useState<DashboardState>({ info: FALLBACK_INFO, loaded: false, error: null, canAct: false });
  useEffect(() => {
    const controller = new AbortController();
    dashboardApi.info(controller.signal).then(
      (info) => setState({ info, loaded: true, error: null, canAct: !info.readOnly }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const apiError = error instanceof ApiError ? error : new ApiError(0, 'unknown', String(error));
        // Without the dashboard route (a bare jobs handler) the page still reads; it stays read-only.
        setState({ info: FALLBACK_INFO, loaded: true, error: apiError, canAct: false });
      },
    );
    return () => controller.abort();
  }, []);
  useEffect(() => {
    document.title = state.info.title;
  }, [state.info.title]);
  return state;
}
