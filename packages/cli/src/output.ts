import Table from 'cli-table3';

/** Where the CLI writes: `process.stdout`/`process.stderr`, or collectors in tests. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * The one result of a command: with `--json` a single JSON document on stdout, else text for
 * people. Messages that are not the result (notes, errors) go to stderr either way, so a script
 * can parse stdout as it is.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: TextSink,
    private readonly stderr: TextSink,
  ) {}

  /** Writes `value` as JSON, or what `human()` renders. */
  result(value: unknown, human: () => string): void {
    this.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
  }

  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }
}

/** No colours (the output is often piped or logged) and no rule between rows. */
const STYLE = { head: [], border: [], compact: true };

/** A table with a header row. */
export function table(head: string[], rows: string[][]): string {
  const rendered = new Table({ head, style: STYLE });
  rendered.push(...rows);
  return rendered.toString();
}

/** Label/value rows, for one record. */
export function recordTable(rows: [string, string][]): string {
  const rendered = new Table({ style: STYLE });
  rendered.push(...rows.map(([label, value]) => ({ [label]: value })));
  return rendered.toString();
}

/** An instant as `2026-11-30T06:00:00Z` (seconds are enough to read; `--json` has the ms). */
export function formatDate(value: Date | null | undefined): string {
  return value ? value.toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

/** `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** Any field value in one cell, cut at `max` characters. */
export function formatValue(value: unknown, max = 120): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (value instanceof Date) text = formatDate(value);
  else if (typeof value === 'string') text = value;
  else text = JSON.stringify(value) ?? String(value);
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** `5m`, `1h`, `1d 2h`: for intervals shown to people. */
export function formatMs(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`);
  return parts.join(' ');
}
