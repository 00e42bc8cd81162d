/** The jobs view's filters as they live in the hash query (`#/jobs?status=failed&type=…`). */
export const FILTER_FIELDS = [
  { key: 'status', label: 'Status' },
  { key: 'type', label: 'Type' },
  { key: 'tenantId', label: 'Tenant' },
  { key: 'errorCode', label: 'Error code' },
  { key: 'key', label: 'Key' },
  { key: 'group', label: 'Group' },
  { key: 'scheduleName', label: 'Schedule' },
] as const;

export type FilterKey = (typeof FILTER_FIELDS)[number]['key'];
export type JobFilters = Partial<Record<FilterKey, string>>;

export function filtersFromQuery(query: URLSearchParams): JobFilters {
  const filters: JobFilters = {};
  for (const { key } of FILTER_FIELDS) {
    const value = query.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

export function hasFilter(filters: JobFilters): boolean {
  return Object.values(filters).some(Boolean);
}

/** Stable text of a filter: the list's pages restart when it changes. */
export function filterKeyOf(filters: JobFilters): string {
  return FILTER_FIELDS.map(({ key }) => `${key}=${filters[key] ?? ''}`).join('&');
}
