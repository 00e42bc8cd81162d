import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatAxisTime } from '../lib/time.js';

export interface ChartSeries {
  label: string;
  /** A CSS custom property of the theme, e.g. `--completed`. */
  colorVar: string;
  kind: 'bars' | 'line';
  values: Array<number | null>;
  format: (value: number) => string;
}

interface TimeChartProps {
  /** Bucket starts, ms since the epoch. */
  times: number[];
  series: ChartSeries[];
  /** Shown to screen readers: the chart itself is a canvas. */
  summary: string;
  height?: number;
  spanMs: number;
  /** Counts: y ticks at whole numbers only. */
  integer?: boolean;
}

/** Tick steps for counts: never a fraction of a job. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];

const DARK = window.matchMedia('(prefers-color-scheme: dark)');

/** The theme's colours as uPlot needs them (it draws on a canvas, so CSS variables are read here). */
function themeColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function useColorScheme(): boolean {
  const [dark, setDark] = useState(DARK.matches);
  useEffect(() => {
    const onChange = () => setDark(DARK.matches);
    DARK.addEventListener('change', onChange);
    return () => DARK.removeEventListener('change', onChange);
  }, []);
  return dark;
}

/**
 * A uPlot time chart of fixed height (no layout shift while data streams in), as wide as its
 * container. uPlot sets sizes through CSSOM, which the page's strict CSP allows.
 */
export function TimeChart({ times, series, summary, height = 180, spanMs, integer = false }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const dark = useColorScheme();
  const shape = series.map((item) => `${item.label}:${item.kind}:${item.colorVar}`).join('|');

  // biome-ignore lint/correctness/useExhaustiveDependencies: the plot is rebuilt when its shape or theme changes; data goes through setData below
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const axisColor = themeColor('--muted');
    const gridColor = themeColor('--grid');
    const withDay = spanMs > 2 * 86_400_000;
    const axis: uPlot.Axis = {
      stroke: axisColor,
      grid: { stroke: gridColor, width: 1 },
      ticks: { stroke: gridColor, width: 1 },
      font: '11px system-ui, sans-serif',
    };
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height,
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      legend: { show: true, live: true },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [
        { ...axis, values: (_u, splits) => splits.map((split) => formatAxisTime(split * 1000, withDay)), space: 60 },
        {
          ...axis,
          size: 56,
          ...(integer ? { incrs: INTEGER_STEPS } : {}),
          values: (_u, splits) => splits.map((split) => series[0]?.format(split) ?? String(split)),
        },
      ],
      series: [
        { value: (_u, value, _series, index) => (index == null || value == null ? '' : formatAxisTime(value * 1000, withDay)) },
        ...series.map((item): uPlot.Series => {
          const color = themeColor(item.colorVar);
          return {
            label: item.label,
            stroke: color,
            width: item.kind === 'line' ? 2 : 0,
            fill: item.kind === 'bars' ? color : undefined,
            // Waits exist only in buckets where jobs started: a lone value between gaps is a dot.
            points: item.kind === 'line' ? { show: true, size: 5, fill: color } : { show: false },
            spanGaps: false,
            // Values show while the pointer is over the chart; otherwise the legend is just the key.
            value: (_u, value, _series, index) => (index == null ? '' : value == null ? '—' : item.format(value)),
            ...(item.kind === 'bars' ? { paths: uPlot.paths.bars!({ size: [0.7, 24], align: 1 }) } : {}),
          };
        }),
      ],
    };
    const created = new uPlot(options, [[], ...series.map(() => [])], element);
    plot.current = created;
    const observer = new ResizeObserver(() => {
      const width = Math.max(200, element.clientWidth);
      if (width !== created.width) created.setSize({ width, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      created.destroy();
      plot.current = null;
    };
  }, [shape, dark, height, spanMs, integer]);

  useEffect(() => {
    plot.current?.setData([times.map((time) => time / 1000), ...series.map((item) => item.values)] as uPlot.AlignedData);
  });

  return (
    <figure className="chart" aria-label={summary}>
      <div ref={container} className="chart-canvas" />
      <figcaption className="visually-hidden">{summary}</figcaption>
    </figure>
  );
}
