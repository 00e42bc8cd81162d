/**
 * The probe the flow-control worker processes count their running handlers in (see
 * `flow-worker-process.ts`): one row per key, its current count and its peak.
 */

/** The probe table in `schema`. */
export function probeTable(schema: string): string {
  return `"${schema}".flow_probe`;
}

export function createProbeTableSql(schema: string): string {
  return `CREATE TABLE ${probeTable(schema)} (key text PRIMARY KEY, running integer NOT NULL, peak integer NOT NULL)`;
}

/** The probe's key of a job: its type, with its group for `probe: 'group'`, and a phase from its payload when it has one. */
export function probeKey(job: { type: string; group: string | null; payload: unknown }, probe: 'type' | 'group'): string {
  const phase = (job.payload as { phase?: unknown } | null)?.phase;
  const base = probe === 'group' ? `${job.type}/${job.group ?? ''}` : job.type;
  return phase === undefined ? base : `${base}#${String(phase)}`;
}

