import { table } from '../lib/report.js';

/** One measured figure per system; `higher` says which direction is better. */
export interface MetricRow {
  workload: string;
  metric: string;
  better: 'higher' | 'lower';
  values: Record<string, number | string | undefined>;
}

function format(value: number | string | undefined): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 10 ? 1 : 2);
}

/** Two decimals, or two significant digits below 0.1 (pg-boss' 2 s poll makes tiny ratios). */
function ratio(value: number): string {
  return value >= 0.1 ? value.toFixed(2) : value.toPrecision(2);
}

/** jobtrail / peer for every peer; > 1 is better for jobs/s, < 1 is better for latencies. */
export function comparisonTable(rows: readonly MetricRow[], systems: readonly string[]): string {
  const peers = systems.filter((name) => !name.startsWith('jobtrail'));
  return table(
    rows.map((row) => {
      const out: Record<string, string> = { workload: row.workload, metric: row.metric };
      for (const name of systems) out[name] = format(row.values[name]);
      const mine = row.values['jobtrail'];
      for (const peer of peers) {
        const theirs = row.values[peer];
        out[`jobtrail/${peer}`] =
          typeof mine === 'number' && typeof theirs === 'number' && theirs > 0 && Number.isFinite(mine)
            ? `${ratio(mine / theirs)}x`
            : '—';
      }
      out['better'] = row.better === 'higher' ? 'higher' : 'lower';
      return out;
    }),
  );
}
