import { useCallback, useSyncExternalStore } from 'react';

/**
 * The one time format of the dashboard: relative text ("3 min ago") via Intl.RelativeTimeFormat,
 * absolute text in the user's time zone via Intl.DateTimeFormat (shown as the tooltip).
 */
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const absoluteFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', timeZone });
const axisFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone });
const axisDayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'long' });

export function formatAbsolute(iso: string | number): string {
  return absoluteFormat.format(new Date(iso));
}

export function formatAxisTime(ms: number, withDay: boolean): string {
  return withDay ? axisDayFormat.format(new Date(ms)) : axisFormat.format(new Date(ms));
}

const STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 1_000],
  ['minute', 60_000],
  ['hour', 3_600_000],
  ['day', 86_400_000],
  ['week', 604_800_000],
  ['month', 2_629_800_000],
  ['year', 31_557_600_000],
];

export function formatRelative(iso: string | number, now: number): string {
  const delta = new Date(iso).getTime() - now;
  const abs = Math.abs(delta);
  if (abs < 5_000) return relativeFormat.format(0, 'second');
  let unit: Intl.RelativeTimeFormatUnit = 'second';
  let size = 1_000;
  for (const [name, ms] of STEPS) {
    if (abs >= ms) {
      unit = name;
      size = ms;
    }
  }
  // Toward zero, so "59 s ago" never reads as "1 min ago" before it is one.
  const value = Math.trunc(delta / size);
  return relativeFormat.format(value, unit);
}

// One clock per tick for every label: all labels of a tick change together, with a single timer.
const DEFAULT_TICK_MS = 10_000;

interface Ticker {
  now: number;
  listeners: Set<() => void>;
  timer: ReturnType<typeof setInterval> | undefined;
}

const tickers = new Map<number, Ticker>();

function tickerOf(tickMs: number): Ticker {
  let ticker = tickers.get(tickMs);
  if (!ticker) {
    ticker = { now: Date.now(), listeners: new Set(), timer: undefined };
    tickers.set(tickMs, ticker);
  }
  return ticker;
}

function subscribeTo(tickMs: number, listener: () => void): () => void {
  const ticker = tickerOf(tickMs);
  ticker.listeners.add(listener);
  if (!ticker.timer) {
    ticker.now = Date.now();
    ticker.timer = setInterval(() => {
      ticker.now = Date.now();
      for (const notify of ticker.listeners) notify();
    }, tickMs);
  }
  return () => {
    ticker.listeners.delete(listener);
    if (ticker.listeners.size === 0 && ticker.timer) {
      clearInterval(ticker.timer);
      ticker.timer = undefined;
    }
  };
}

/**
 * The shared "now", refreshed every `tickMs` (default 10 s: relative labels such as "3 min ago");
 * 1 s for what counts up in front of the user, such as a running job's duration.
 */
export function useNow(tickMs: number = DEFAULT_TICK_MS): number {
  const subscribe = useCallback((listener: () => void) => subscribeTo(tickMs, listener), [tickMs]);
  const read = () => tickerOf(tickMs).now;
  return useSyncExternalStore(subscribe, read, read);
}
