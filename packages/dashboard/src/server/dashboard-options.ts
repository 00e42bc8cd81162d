import type { JobsHandler, JobsHandlerOptions } from '@jobtrail/core';

/**
 * `createDashboardHandler()` options: the jobs handler's (the same `tracker`, `authorize`,
 * `expose`, `canAct`, … decide what the dashboard shows and allows), plus where it is mounted
 * and how it looks.
 */
export interface DashboardOptions extends Omit<JobsHandlerOptions, 'basePath'> {
  /**
   * Where the dashboard is mounted, e.g. `/admin/jobs`: the page at `/admin/jobs/`, its assets
   * under `/admin/jobs/assets/`, its API under `/admin/jobs/api/`. `''` mounts it at the site's
   * root. No trailing slash.
   */
  basePath: string;
  /**
   * Hide every action in the page and refuse every non-read API request with 403 `read_only`,
   * whatever `canAct` / `canActOnMany` say. Default false.
   */
  readOnly?: boolean;
  /** The page's heading and `<title>` (at most 100 characters). Default 'Jobs'. */
  title?: string;
  /**
   * Who may show the page in a frame: `'self'` and/or origins such as `https://admin.example.com`
   * (the CSP `frame-ancestors` sources). Default none: the page refuses to be framed
   * (clickjacking protection).
   */
  frameAncestors?: readonly string[];
}

/** A Fetch handler serving the page, its assets and its API: mount it like `createJobsHandler`'s. */
export type DashboardHandler = JobsHandler;

/** What the page learns at `GET <basePath>/api/dashboard`. */
export interface DashboardInfoJson {
  title: string;
  readOnly: boolean;
  /** The caller's scope as `authorize` returned it (absent fields: not narrowed). */
  scope: { tenantId?: string | null; ownerId?: string | null; admin: boolean };
  /** What the tracker's store supports; the page hides what is not there. */
  features: {
    streams: boolean;
    schedules: boolean;
    types: boolean;
    activity: boolean;
    bulkActions: boolean;
    /**
     * May this caller pause and resume types (global to every tenant)? By default only a scope
     * with `admin: true` and no tenant or owner; with `canManageTypes` given, that decides per type.
     */
    typeActions: boolean;
  };
}
