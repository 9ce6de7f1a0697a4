import { type PeriodKind, periodOf } from '../../domain/periods.ts';
import type { Report, ReportRow } from '../../services/reports/activation-report.ts';
import { type ChartConfig, chartColours } from '../components/chart.tsx';

/** Beyond this many groups, the rest share one colour in the chart (the table has them all). */
const CHARTED_GROUPS = 8;

export function groupKey(report: Pick<Report, 'groupBy'>, row: ReportRow): string {
  if (report.groupBy === 'partner' || report.groupBy === 'holder') return row.partnerAccountId ?? '';
  return (report.groupBy === 'account' ? row.accountId : row.productId) ?? '';
}

export function groupName(row: ReportRow): string {
  return row.partnerName ?? row.accountName ?? row.productName ?? '';
}

/** Every period from `from` to `to`, so that a month without activations still shows, as zero. */
export function periodsBetween(from: string, to: string, kind: PeriodKind): string[] {
  const labels: string[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  const last = to.slice(0, 7);
  for (let guard = 0; guard < 1200; guard++) {
    const current = `${year}-${String(month).padStart(2, '0')}`;
    if (current > last) break;
    const label = periodOf(current, kind);
    if (labels.at(-1) !== label) labels.push(label);
    month += 1;
    if (month > 12) [year, month] = [year + 1, 1];
  }
  return labels;
}

/** Net activations per period, one stacked series per partner (or account, or product). */
export function reportChart(report: Report, title: string): ChartConfig {
  const periods = periodsBetween(report.from, report.to, report.period);
  const groups = new Map<string, { name: string; activations: number; net: Map<string, number> }>();
  for (const row of report.items) {
    const key = groupKey(report, row);
    const group = groups.get(key) ?? { name: groupName(row), activations: 0, net: new Map() };
    group.activations += row.activations;
    group.net.set(row.period, (group.net.get(row.period) ?? 0) + row.net);
    groups.set(key, group);
  }
  const ranked = [...groups.values()].sort((a, b) => b.activations - a.activations || a.name.localeCompare(b.name));
  const shown = ranked.length > CHARTED_GROUPS + 1 ? ranked.slice(0, CHARTED_GROUPS) : ranked;
  const others = ranked.slice(shown.length);
  const datasets = shown.map((g, i) => ({
    label: g.name,
    data: periods.map((p) => g.net.get(p) ?? 0),
    backgroundColor: chartColours[i % chartColours.length] ?? '#2453b8',
    stack: 'net',
  }));
  if (others.length > 0) {
    datasets.push({
      label: `${others.length} others`,
      data: periods.map((p) => others.reduce((n, g) => n + (g.net.get(p) ?? 0), 0)),
      backgroundColor: '#c3cad5',
      stack: 'net',
    });
  }
  return {
    type: 'bar',
    data: { labels: periods, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  };
}
