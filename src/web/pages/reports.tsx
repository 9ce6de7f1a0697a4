import type { FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import { keysReportCsv, reportCsv } from '../../interface/billing-csv.ts';
import { csvReply } from '../../interface/csv-reply.ts';
import { ReportQuery } from '../../interface/schemas/reports-inputs.ts';
import { type Report, type ReportRow, activationReport } from '../../services/reports/activation-report.ts';
import { type KeysReport, type KeysReportRow, keysReport } from '../../services/reports/keys-report.ts';
import { Chart } from '../components/chart.tsx';
import { SelectField, TextField } from '../components/form.tsx';
import { Facts, Layout, Section } from '../components/layout.tsx';
import { type Column, DataTable, FilterBar } from '../components/table.tsx';
import { type FormState, emptyForm, refusedForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { hrefWith } from '../hrefs.ts';
import { type Web, parseQuery } from '../web.ts';
import { groupName, reportChart } from './report-chart.ts';

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
    return csvReply(reply, csv.filename, { noStore: true }).send(csv.text);
  });

  app.get('/reports.csv', async (request, reply) => {
    const answer = await reportFor(web, request);
    if ('refused' in answer) throw answer.refused;
    const csv = reportCsv(answer.report);
    return csvReply(reply, csv.filename, { noStore: true }).send(csv.text);
  });
}
