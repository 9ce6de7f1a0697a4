import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { periodKinds } from '../../domain/periods.ts';
import type { ServiceContext } from '../../services/context.ts';
import { activationReport } from '../../services/reports/activation-report.ts';
import { partnerStatement } from '../../services/reports/partner-statement.ts';
import { reportGroups } from '../../domain/reports.ts';
import type { App } from '../../interface/app.ts';
import { reportCsv, statementCsv } from '../../interface/billing-csv.ts';
import { DateOnly, IdParams, Nullable, StringEnum, problemResponses } from '../../interface/schemas/common.ts';
import { ReportQuery, StatementQuery } from '../../interface/schemas/reports-inputs.ts';

const tags = ['Partner billing'];

const Row = Type.Object({
  partnerAccountId: Type.Optional(Nullable(Type.String())),
  partnerName: Type.Optional(Type.String()),
  accountId: Type.Optional(Type.String()),
  accountName: Type.Optional(Type.String()),
  productId: Type.Optional(Type.String()),
  productName: Type.Optional(Type.String()),
  period: Type.String({ examples: ['2026-11', '2026-Q4'] }),
  activations: Type.Integer(),
  returns: Type.Integer(),
  net: Type.Integer(),
});

const Entry = Type.Object({
  at: Type.String(),
  entitlementId: Type.String(),
  activationId: Type.String(),
  product: Type.String(),
  device: Type.String({ description: 'A hash of the device fingerprint.' }),
});

const wantsCsv = (accept: string | undefined) => (accept ?? '').includes('text/csv');

export async function reportRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/reports/activations',
    {
      schema: {
        operationId: 'activationReport',
        tags,
        summary: 'New activations, returns and net per partner, account or product, per month or quarter',
        description:
          'Test activations are left out; returns count returned and revoked activations by the day they ended. A partner sees ' +
          'its own rows. JSON, or CSV with `Accept: text/csv`.',
        querystring: ReportQuery,
        response: {
          200: {
            content: {
              'application/json': {
                schema: Type.Object({
                  groupBy: StringEnum(reportGroups),
                  period: StringEnum(periodKinds),
                  from: DateOnly,
                  to: DateOnly,
                  items: Type.Array(Row),
                }),
              },
              'text/csv': { schema: Type.String() },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const report = await activationReport(ctx, request.actor, request.query);
      if (!wantsCsv(request.headers.accept)) return report;
      const csv = reportCsv(report);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csv.filename}"`)
        .send(csv.text as never);
    },
  );

  app.get(
    '/reports/partners/:id/statement',
    {
      schema: {
        operationId: 'partnerStatement',
        tags,
        summary: "A partner's billing statement for a month or a quarter",
        description:
          'Every activation and return behind the report row, with the same totals. Devices are hashed; no end customer is named. ' +
          'JSON lists at most 10,000 lines each (`truncated`); the CSV (`Accept: text/csv`) has them all.',
        params: IdParams,
        querystring: StatementQuery,
        response: {
          200: {
            content: {
              'application/json': {
                schema: Type.Object({
                  partner: Type.Object({ id: Type.String(), name: Type.String() }),
                  period: Type.String(),
                  from: Type.String(),
                  to: Type.String(),
                  totals: Type.Object({ activations: Type.Integer(), returns: Type.Integer(), net: Type.Integer() }),
                  activations: Type.Array(Entry),
                  returns: Type.Array(Entry),
                  truncated: Type.Boolean(),
                }),
              },
              'text/csv': { schema: Type.String() },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      if (!wantsCsv(request.headers.accept))
        return partnerStatement(ctx, request.actor, request.params.id, request.query.period);
      const csv = await statementCsv(ctx, request.actor, request.params.id, request.query.period);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csv.filename}"`)
        .send(Readable.from(csv.chunks) as never);
    },
  );
}
