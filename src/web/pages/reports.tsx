import type { ComponentChildren } from 'preact';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import { type PeriodKind, periodOf } from '../../domain/periods.ts';
import { keysReportCsv, reportCsv, statementCsv } from '../../interface/billing-csv.ts';
import { ReportQuery, StatementQuery } from '../../interface/schemas/reports-inputs.ts';
import { type Report, type ReportRow, activationReport } from '../../services/reports/activation-report.ts';
import { type KeysReport, type KeysReportRow, keysReport } from '../../services/reports/keys-report.ts';
import { type Statement, type StatementEntry, partnerStatement } from '../../services/reports/partner-statement.ts';
import { Chart, type ChartConfig, chartColours } from '../components/chart.tsx';
import { SelectField, TextField } from '../components/form.tsx';
import { Code, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { OffsetPager } from '../components/offset-pager.tsx';
import { type Column, DataTable, FilterBar } from '../components/table.tsx';
import { type FormState, emptyForm, refusedForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { hrefWith } from '../hrefs.ts';
import { type Web, parseQuery } from '../web.ts';

const StatementPageQuery = Type.Object({
  period: StatementQuery.properties.period,
  a: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  r: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  v: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});

const LINES_PER_PAGE = 100;
/** Beyond this many groups, the rest share one colour in the chart (the table has them all). */
const CHARTED_GROUPS = 8;

const groupOptions = [
  { value: 'partner', label: 'Partner' },
  { value: 'holder', label: 'Stock holder' },
  { value: 'account', label: 'Account' },
  { value: 'product', label: 'Product' },
];
const periodOptions = [
  { value: 'month', label: 'Month' },
  { value: 'quarter', label: 'Quarter' },
];

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

function statementHref(partnerId: string, period: string): string {
  return `/portal/reports/partners/${encodeURIComponent(partnerId)}/statement?period=${encodeURIComponent(period)}`;
}

function ReportFilters({ state, values }: { state: FormState; values: Record<string, string | undefined> }) {
  return (
    <FilterBar action="/portal/reports">
      <SelectField name="groupBy" label="Group by" options={groupOptions} state={state} value={values.groupBy} />
      <SelectField name="period" label="Per" options={periodOptions} state={state} value={values.period} />
      <TextField name="from" label="From" type="date" state={state} value={values.from} />
      <TextField name="to" label="To" type="date" state={state} value={values.to} />
    </FilterBar>
  );
}

/** The keys report that goes beside an activations report: by product when that one is, else by stock holder. */
function keysQuery(report: Report) {
  return {
    groupBy: report.groupBy === 'product' ? ('product' as const) : ('partner' as const),
    period: report.period,
    from: report.from,
    to: report.to,
  };
}

function KeysSection({ keys, values }: { keys: KeysReport; values: Record<string, string | undefined> }) {
  const columns: Column<KeysReportRow>[] = [
    {
      label: keys.groupBy === 'product' ? 'Product' : 'Stock holder',
      cell: (r) => r.partnerName ?? r.productName ?? '',
    },
    { label: 'Period', cell: (r) => r.period },
    { label: 'Loaded', numeric: true, cell: (r) => r.loaded },
    { label: 'Generated', numeric: true, cell: (r) => r.generated },
    { label: 'Split in', numeric: true, cell: (r) => r.splitIn },
    { label: 'Redeemed', numeric: true, cell: (r) => r.redeemed },
    { label: 'Voided', numeric: true, cell: (r) => r.voided },
    { label: 'Split onward', numeric: true, cell: (r) => r.splitOnward },
  ];
  return (
    <Section
      title="Prepaid stock (keys)"
      actions={
        <a class="button" href={hrefWith('/portal/reports/keys.csv', values)} download>
          Download keys CSV
        </a>
      }
    >
      <p class="muted">
        For partners who pre-pay for web register keys: keys put in each stock (loaded, generated, or split in from a
        tier-1 partner), redeemed, voided and split onward to a reseller, per period. Test stock is not counted.
      </p>
      <DataTable
        caption="Prepaid stock (keys)"
        rows={keys.items}
        columns={columns}
        empty={{ title: `No key was put in stock, redeemed or voided between ${keys.from} and ${keys.to}.` }}
      />
    </Section>
  );
}

function ReportPage({
  report,
  keys,
  state,
  values,
}: {
  report: Report | undefined;
  keys?: KeysReport | undefined;
  state: FormState;
  values: Record<string, string | undefined>;
}) {
  const groupLabel = groupOptions.find((o) => o.value === (report?.groupBy ?? 'partner'))?.label ?? 'Partner';
  const totals = (report?.items ?? []).reduce(
    (t, r) => ({
      activations: t.activations + r.activations,
      returns: t.returns + r.returns,
      revocations: t.revocations + r.revocations,
      net: t.net + r.net,
    }),
    { activations: 0, returns: 0, revocations: 0, net: 0 },
  );
  const columns: Column<ReportRow>[] = [
    { label: groupLabel, cell: (r) => groupName(r) },
    { label: 'Period', cell: (r) => r.period },
    { label: 'Activations', numeric: true, cell: (r) => r.activations },
    { label: 'Returns', numeric: true, cell: (r) => r.returns },
    { label: 'Revocations', numeric: true, cell: (r) => r.revocations },
    { label: 'Net', numeric: true, cell: (r) => <strong>{r.net}</strong> },
  ];
  if (report?.groupBy === 'partner' || report?.groupBy === 'holder') {
    columns.push({
      label: 'Statement',
      cell: (r) =>
        r.partnerAccountId ? (
          <a href={statementHref(r.partnerAccountId, r.period)}>Statement {r.period}</a>
        ) : (
          <span class="muted">—</span>
        ),
    });
  }
  return (
    <Layout
      title="Billing report"
      lead="New activations, returns and net per period: what partners are billed on. Test activations are never counted; a return counts in the period it happened and is credited; a revocation by the producer is shown apart and is not."
      charts
      actions={
        report && (
          <a class="button" href={hrefWith('/portal/reports.csv', values)} download>
            Download CSV
          </a>
        )
      }
    >
      <Section title="Range">
        <ReportFilters state={state} values={values} />
        {report && (
          <Facts
            items={[
              ['From', report.from],
              ['To', report.to],
              ['Activations', totals.activations],
              ['Returns', totals.returns],
              ['Revocations', totals.revocations],
              ['Net', <strong>{totals.net}</strong>],
            ]}
          />
        )}
      </Section>
      {report && (
        <>
          {report.items.length > 0 && (
            <Section title={`Net activations per ${report.period}`}>
              <Chart
                config={reportChart(report, `Net activations per ${groupLabel.toLowerCase()} and ${report.period}`)}
                label={`Chart of net activations per ${groupLabel.toLowerCase()} and ${report.period}; the table below has the same figures.`}
                tall
              />
            </Section>
          )}
          <Section title="Figures">
            <DataTable
              caption="Billing report"
              rows={report.items}
              columns={columns}
              empty={{
                title: `No billable activation between ${report.from} and ${report.to}.`,
                body: (
                  <p>
                    Test activations are never billed. Choose a longer range, or check that the entitlements are
                    deployed.
                  </p>
                ),
              }}
            />
          </Section>
          {keys && <KeysSection keys={keys} values={values} />}
        </>
      )}
    </Layout>
  );
}

function lastDayBefore(instant: string): string {
  return new Date(Date.parse(instant) - 86_400_000).toISOString().slice(0, 10);
}

/** One kind of statement line (activations, returns, revocations), a page of it at a time. */
function EntrySection({
  title,
  entries,
  param,
  offset,
  path,
  query,
  empty,
  children,
}: {
  title: string;
  entries: StatementEntry[];
  param: string;
  offset: number;
  path: string;
  query: Record<string, string | undefined>;
  empty: string;
  children?: ComponentChildren;
}) {
  return (
    <Section title={title}>
      {children}
      <EntryTable entries={entries.slice(offset, offset + LINES_PER_PAGE)} caption={title} empty={empty} />
      <OffsetPager
        path={path}
        query={query}
        param={param}
        offset={offset}
        size={LINES_PER_PAGE}
        total={entries.length}
        label={`Pages of ${title.toLowerCase()}`}
      />
    </Section>
  );
}

function EntryTable({ entries, caption, empty }: { entries: StatementEntry[]; caption: string; empty: string }) {
  return (
    <DataTable
      caption={caption}
      rows={entries}
      empty={{ title: empty }}
      columns={[
        { label: 'When', cell: (e) => <span class="nowrap">{formatDate(e.at)}</span> },
        {
          label: 'Entitlement',
          cell: (e) => (
            <span class="nowrap">
              <Code>{e.entitlementId}</Code>
            </span>
          ),
        },
        {
          label: 'Activation code',
          cell: (e) => (
            <span class="nowrap">
              <Code>{e.activationId}</Code>
            </span>
          ),
        },
        { label: 'Product', cell: (e) => e.product },
        { label: 'Device (hashed)', cell: (e) => <Code>{e.device}</Code> },
      ]}
    />
  );
}

function StatementPage({ statement, offsets }: { statement: Statement; offsets: { a: number; r: number; v: number } }) {
  const path = `/portal/reports/partners/${encodeURIComponent(statement.partner.id)}/statement`;
  const query = {
    period: statement.period,
    a: offsets.a ? String(offsets.a) : undefined,
    r: offsets.r ? String(offsets.r) : undefined,
    v: offsets.v ? String(offsets.v) : undefined,
  };
  const kind = statement.period.includes('Q') ? 'quarter' : 'month';
  const back = hrefWith('/portal/reports', {
    groupBy: 'partner',
    period: kind,
    from: statement.from.slice(0, 10),
    to: lastDayBefore(statement.to),
  });
  return (
    <Layout
      title={`Statement ${statement.period} · ${statement.partner.name}`}
      lead="Every billable activation and return behind the report's row for this partner and period. Devices are hashed, and no end customer is named."
      actions={
        <>
          <a class="button" href={back}>
            Back to the report
          </a>
          <a class="button button-primary" href={`${path}.csv?period=${encodeURIComponent(statement.period)}`} download>
            Download CSV
          </a>
        </>
      }
    >
      <Section title="Totals">
        <FilterBar action={path}>
          <TextField name="period" label="Period" value={statement.period} placeholder="2026-11 or 2026-Q4" />
        </FilterBar>
        <Facts
          items={[
            ['Partner', statement.partner.name],
            ['Period', `${statement.period} (${statement.from.slice(0, 10)} to ${lastDayBefore(statement.to)})`],
            ['Activations', statement.totals.activations],
            ['Returns', statement.totals.returns],
            ['Revocations (not credited)', statement.totals.revocations],
            ['Net', <strong>{statement.totals.net}</strong>],
          ]}
        />
        {statement.truncated && (
          <p class="notice notice-warn">
            These lists stop at 10,000 lines each; the CSV has every line. The totals count them all.
          </p>
        )}
      </Section>
      <EntrySection
        title="Activations"
        entries={statement.activations}
        param="a"
        offset={offsets.a}
        path={path}
        query={query}
        empty="No billable activation in this period."
      />
      <EntrySection
        title="Returns"
        entries={statement.returns}
        param="r"
        offset={offsets.r}
        path={path}
        query={query}
        empty="No return in this period."
      />
      <EntrySection
        title="Revocations"
        entries={statement.revocations}
        param="v"
        offset={offsets.v}
        path={path}
        query={query}
        empty="No revocation in this period."
      >
        <p class="muted">Revoked by the producer (for example for fraud): listed here, not credited.</p>
      </EntrySection>
    </Layout>
  );
}

function textValues(request: FastifyRequest): Record<string, string | undefined> {
  const raw = (request.query ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
  return { groupBy: text('groupBy'), period: text('period'), from: text('from'), to: text('to') };
}

/** The report for the query, or the refusal to show beside the fields (a bad or reversed date range). */
async function reportFor(
  web: Web,
  request: FastifyRequest,
): Promise<{ report: Report; values: Record<string, string | undefined> } | { refused: AppError }> {
  const { actor } = signedIn(request);
  try {
    const query: Static<typeof ReportQuery> = parseQuery(ReportQuery, request);
    const report = await activationReport(web.ctx, actor, query);
    return { report, values: { groupBy: report.groupBy, period: report.period, from: report.from, to: report.to } };
  } catch (error) {
    if (error instanceof AppError && error.code === 'VALIDATION_FAILED') return { refused: error };
    throw error;
  }
}

export async function reportPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/reports', async (request, reply) => {
    const answer = await reportFor(web, request);
    if ('refused' in answer) {
      const values = textValues(request);
      return render.page(
        request,
        reply,
        <ReportPage report={undefined} state={refusedForm(values, answer.refused)} values={values} />,
        { status: 400 },
      );
    }
    const keys = await keysReport(ctx, signedIn(request).actor, keysQuery(answer.report));
    return render.page(
      request,
      reply,
      <ReportPage report={answer.report} keys={keys} state={emptyForm} values={answer.values} />,
    );
  });

  app.get('/reports/keys.csv', async (request, reply) => {
    const answer = await reportFor(web, request);
    if ('refused' in answer) throw answer.refused;
    const csv = keysReportCsv(await keysReport(ctx, signedIn(request).actor, keysQuery(answer.report)));
    return csvReply(reply, csv.filename).send(csv.text);
  });

  app.get('/reports.csv', async (request, reply) => {
    const answer = await reportFor(web, request);
    if ('refused' in answer) throw answer.refused;
    const csv = reportCsv(answer.report);
    return csvReply(reply, csv.filename).send(csv.text);
  });

  app.get('/reports/partners/:id/statement', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    const query = parseQuery(StatementPageQuery, request);
    const statement = await partnerStatement(ctx, actor, id, query.period);
    return render.page(
      request,
      reply,
      <StatementPage statement={statement} offsets={{ a: query.a ?? 0, r: query.r ?? 0, v: query.v ?? 0 }} />,
    );
  });

  app.get('/reports/partners/:id/statement.csv', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    const query = parseQuery(StatementQuery, request);
    const csv = await statementCsv(ctx, actor, id, query.period);
    return csvReply(reply, csv.filename).send(Readable.from(csv.chunks));
  });
}

function csvReply(reply: FastifyReply, filename: string): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store');
}
