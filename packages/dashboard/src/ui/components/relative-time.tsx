import { formatAbsolute, formatRelative, useNow } from '../lib/time.js';

/**
 * Every time on the page: relative text, the absolute time (user's zone) as its tooltip.
 * `past` (the default) is for what has happened (created, updated, finished): a time slightly
 * ahead of this browser's clock is the server's clock being ahead, and reads "now", never "in 5
 * seconds". `any` is for what may lie ahead (a due time, a schedule's next run).
 */
export function RelativeTime({ iso, empty = '—', tense = 'past' }: { iso: string | null | undefined; empty?: string; tense?: 'past' | 'any' }) {
  // The shared tick re-renders every label together; the text is computed from the clock now, so
  // a label drawn between ticks (new data) is never up to a tick behind.
  useNow();
  if (!iso) return <span className="muted">{empty}</span>;
  const now = Date.now();
  const at = Date.parse(iso);
  return (
    <time dateTime={new Date(iso).toISOString()} title={formatAbsolute(iso)}>
      {formatRelative(tense === 'past' ? Math.min(at, now) : at, now)}
    </time>
  );
}
