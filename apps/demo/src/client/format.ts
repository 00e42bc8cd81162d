import { WORKFLOWS } from '../shared/workflows.js';

const TYPE_LABELS: Record<string, string> = {
  ...Object.fromEntries(WORKFLOWS.map((workflow) => [workflow.type, workflow.label])),
  'leads.scoreClient': 'Lead scoring (client)',
  'demo.heartbeat': 'Heartbeat',
};

export function typeLabel(type: string): string {
  return TYPE_LABELS[type] ?? type;
}

export function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** "3.2 s", "1 min 4 s" */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1_000)} s`;
}

/** "in 3 s", "now" (also when overdue): when something scheduled happens next. */
export function dueIn(iso: string, now: number): string {
  const delta = Date.parse(iso) - now;
  return delta < 1_000 ? 'now' : relative(iso, now);
}

/** "in 3 s", "12 s ago", "just now" */
export function relative(iso: string, now: number): string {
  const delta = Date.parse(iso) - now;
  const abs = Math.abs(delta);
  if (abs < 1_000) return delta >= 0 ? 'now' : 'just now';
  const text = abs < 60_000 ? `${Math.round(abs / 1_000)} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : `${Math.round(abs / 3_600_000)} h`;
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function shortId(id: string): string {
  return id.slice(-8);
}

export function number(value: number): string {
  return value.toLocaleString('en-US');
}

/**
 * The trace id in `job.trace`: a bare W3C traceparent, or the `traceparent` of the JSON object
 * @jobtrail/otel stores when the propagator also wrote tracestate or baggage; null otherwise.
 */
export function traceIdOf(trace: string): string | null {
  let traceparent: unknown = trace;
  if (trace.trimStart().startsWith('{')) {
    try {
      traceparent = (JSON.parse(trace) as Record<string, unknown>)['traceparent'];
    } catch {
      return null;
    }
  }
  const match = typeof traceparent === 'string' ? /^[0-9a-f]{2}-([0-9a-f]{32})-/.exec(traceparent) : null;
  return match ? match[1]! : null;
}

/** "every 30 s", "every 2 h", "cron * * * * * · America/New_York": when a schedule's ticks fall. */
export function scheduleTiming(schedule: { every: number | null; cron: string | null; timezone: string | null }): string {
  if (schedule.every === null) return `cron ${schedule.cron ?? '?'}${schedule.timezone ? ` · ${schedule.timezone}` : ''}`;
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  const [size, unit] = units.find(([ms]) => schedule.every! % ms === 0) ?? [1, 'ms'];
  return `every ${schedule.every / size} ${unit}`;
}
