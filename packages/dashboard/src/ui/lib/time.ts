import { useSyncExternalStore } from 'react';

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

// One clock for every <RelativeTime>: all labels tick together, with a single timer.
const TICK_MS = 10_000;
let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const notify of listeners) notify();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The shared "now", refreshed every 10 s. */
export function useNow(): number {
  return useSyncExternalStore(
    subscribe,
    () => now,
    () => now,
  );
}
