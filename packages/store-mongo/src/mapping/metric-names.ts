/**
 * Metric names are free text (`cost.usd`, `$spent`, even `''`), but in a MongoDB update path a dot
 * means "nested field" and a leading `$` means "operator": `$inc: { 'metrics.cost.usd': 1 }` would
 * create `{ cost: { usd: 1 } }`. So names are stored percent-escaped — `%`, `.`, `$` and NUL (which
 * BSON keys cannot hold) become `%25`, `%2E`, `%24`, `%00` — and the empty name becomes a lone `%`,
 * which no escaped name can be. That keeps `$inc` a plain single-field update on any server.
 */

const ESCAPES: Readonly<Record<string, string>> = { '%': '%25', '.': '%2E', $: '%24', '\u0000': '%00' };
const UNESCAPES: Readonly<Record<string, string>> = { '%25': '%', '%2E': '.', '%24': '$', '%00': '\u0000' };
const EMPTY_NAME = '%';

export function encodeMetricName(name: string): string {
  if (name === '') return EMPTY_NAME;
  return name.replace(/[%.$\u0000]/g, (char) => ESCAPES[char]!);
}

export function decodeMetricName(stored: string): string {
  if (stored === EMPTY_NAME) return '';
  return stored.replace(/%(?:25|2E|24|00)/g, (code) => UNESCAPES[code]!);
}

/** The update path of one metric: `metrics.<encoded name>`. */
export function metricPath(name: string): string {
  return `metrics.${encodeMetricName(name)}`;
}
