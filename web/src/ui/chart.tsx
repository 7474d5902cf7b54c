import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlotType from 'uplot';
import { cssVar } from '../theme.js';
import { fmtCompact } from '../lib/format.js';

/** Counts have whole-number ticks: 1, 2, 5, 10, 20, 50… */
const COUNT_INCRS = Array.from({ length: 27 }, (_, i) => [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3));

export interface Series {
  label: string;
  values: (number | null)[];
  /** CSS custom property holding the colour, e.g. --c1 */
  colorVar: string;
}

/**
 * A time-series chart drawn by uPlot (loaded on demand so only the dashboard pays for it).
 * Colours come from the theme's CSS variables; the chart is rebuilt when the theme changes.
 */
export function TimeChart({ title, x, series, summary }: { title: string; x: number[]; series: Series[]; summary: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  const [themeTick, setThemeTick] = useState(0);

  useEffect(() => {
    const on = () => setThemeTick((n) => n + 1);
    window.addEventListener('tresor:theme', on);
    const m = window.matchMedia('(prefers-color-scheme: dark)');
    m.addEventListener('change', on);
    return () => {
      window.removeEventListener('tresor:theme', on);
      m.removeEventListener('change', on);
    };
  }, []);

  useEffect(() => {
    let plot: uPlotType | undefined;
    let ro: ResizeObserver | undefined;
    let cancelled = false;
    (async () => {
      try {
        const [{ default: UPlot }] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]);
        if (cancelled || !box.current) return;
        const axis = cssVar('--muted');
        const grid = cssVar('--border');
        const width = Math.max(box.current.clientWidth, 240);
        const opts: uPlotType.Options = {
          width,
          height: 220,
          legend: { show: true },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [
            { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
            {
              stroke: axis,
              grid: { stroke: grid, width: 1 },
              ticks: { stroke: grid },
              size: 56,
              incrs: COUNT_INCRS,
              values: (_u, ticks) => ticks.map((t) => fmtCompact(t)),
            },
          ],
          series: [
            {},
            ...series.map((s) => {
              const c = cssVar(s.colorVar) || '#888';
              return { label: s.label, stroke: c, width: 2, fill: `${c}22`, points: { show: x.length < 60, size: 5 } };
            }),
          ],
        };
        plot = new UPlot(opts, [x, ...series.map((s) => s.values)] as uPlotType.AlignedData, box.current);
        ro = new ResizeObserver(() => {
          if (box.current && plot) plot.setSize({ width: Math.max(box.current.clientWidth, 240), height: 220 });
        });
        ro.observe(box.current);
      } catch (e) {
        setError(`the chart could not be drawn: ${(e as Error).message}`);
      }
    })();
    return () => {
      cancelled = true;
      ro?.disconnect();
      plot?.destroy();
    };
  }, [x, series, themeTick]);

  return (
    <figure class="chart card">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={`${title}: ${summary}`} />
      {error && <p class="field-error">{error}</p>}
    </figure>
  );
}
