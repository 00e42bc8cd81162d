import { formatAbsolute, formatRelative, useNow } from '../lib/time.js';

/** Every time on the page: relative text, the absolute time (user's zone) as its tooltip. */
export function RelativeTime({ iso, empty = '—' }: { iso: string | null | undefined; empty?: string }) {
  const now = useNow();
  if (!iso) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={new Date(iso).toISOString()} title={formatAbsolute(iso)}>
      {formatRelative(iso, now)}
    </time>
  );
}
