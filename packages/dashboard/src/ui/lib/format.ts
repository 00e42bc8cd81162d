/** Number formats shared by every view (one locale: the user's). */
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatCount(value: number): string {
  return integer.format(value);
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** "850 ms", "3.2 s", "4 min 5 s", "2 h 3 min": a span of time a person reads at a glance. */
export function formatDuration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1_000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1_000).toFixed(1)} s`;
  if (value < 3_600_000) return pair(Math.floor(value / 60_000), 'min', Math.round((value % 60_000) / 1_000), 's');
  if (value < 86_400_000) return pair(Math.floor(value / 3_600_000), 'h', Math.round((value % 3_600_000) / 60_000), 'min');
  return pair(Math.floor(value / 86_400_000), 'd', Math.round((value % 86_400_000) / 3_600_000), 'h');
}

/** "4 min 5 s", or "1 min" when the smaller unit is zero. */
function pair(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

/** "every 30 s", "every 2 h": an interval schedule's period. */
export function formatEvery(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  const [size, unit] = units.find(([unitMs]) => ms % unitMs === 0) ?? [1, 'ms'];
  return `every ${ms / size} ${unit}`;
}

export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
