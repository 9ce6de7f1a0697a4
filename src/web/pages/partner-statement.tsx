import type { ComponentChildren } from 'preact';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { statementCsv } from '../../interface/billing-csv.ts';
import { StatementQuery } from '../../interface/schemas/reports-inputs.ts';
import { type Statement, type StatementEntry, partnerStatement } from '../../services/reports/partner-statement.ts';
import { TextField } from '../components/form.tsx';
import { Code, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { OffsetPager } from '../components/offset-pager.tsx';
import { DataTable, FilterBar } from '../components/table.tsx';
import { signedIn } from '../session.ts';
import { hrefWith } from '../hrefs.ts';
import { type Web, parseQuery } from '../web.ts';
import { csvReply } from '../../interface/csv-reply.ts';

const StatementPageQuery = Type.Object({
  period: StatementQuery.properties.period,
  a: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  r: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  v: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});

const LINES_PER_PAGE = 100;

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

/** A partner's statement for a period: the page, a page of each kind of line at a time, and its CSV. */
export async function statementPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

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
    return csvReply(reply, csv.filename, { noStore: true }).send(Readable.from(csv.chunks));
  });
}
