/** The part of a Chart.js configuration the portal uses; it travels as JSON, so no functions. */
export interface ChartConfig {
  type: 'bar' | 'line' | 'doughnut';
  data: {
    labels: string[];
    datasets: {
      label: string;
      data: number[];
      backgroundColor?: string | string[];
      borderColor?: string | string[];
      stack?: string;
    }[];
  };
  options?: Record<string, unknown>;
}

/** Colours that stay apart for most eyes (Okabe–Ito, then a few more). */
export const chartColours = [
  '#2453b8',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#0072b2',
  '#8a93a3',
  '#6b4fb8',
  '#b8860b',
];

/**
 * A chart drawn by portal.js with the bundled Chart.js (the page's Layout needs `charts`). The
 * figures are always in a table beside it too, for readers and screen readers alike.
 */
export function Chart({ config, label, tall }: { config: ChartConfig; label: string; tall?: boolean }) {
  return (
    <div class={tall ? 'chart chart-tall' : 'chart'}>
      <canvas data-chart={JSON.stringify(config)} role="img" aria-label={label}>
        {label}
      </canvas>
    </div>
  );
}
