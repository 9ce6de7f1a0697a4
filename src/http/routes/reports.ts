import { Readable } from 'node:stream';
import { type Static, type TInteger, Type } from 'typebox';
import { periodKinds } from '../../domain/periods.ts';
import type { ServiceContext } from '../../services/context.ts';
import { activationReport } from '../../services/reports/activation-report.ts';
import { partnerStatement } from '../../services/reports/partner-statement.ts';
import { type KeyEvent, keyEvents, keyReportGroups, reportGroups } from '../../domain/reports.ts';
import type { App } from '../../interface/app.ts';
import { keysReportCsv, keysStatementCsv, reportCsv, statementCsv } from '../../interface/billing-csv.ts';
import { projectingSerializer } from '../../interface/projecting-serializer.ts';
import { DateOnly, IdParams, Nullable, StringEnum, problemResponses } from '../../interface/schemas/common.ts';
import { KeysReportQuery, ReportQuery, StatementQuery } from '../../interface/schemas/reports-inputs.ts';
import { keysReport } from '../../services/reports/keys-report.ts';
import { partnerKeysStatement } from '../../services/reports/keys-statement.ts';

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
  returns: Type.Integer({ description: 'Given back by the customer; credited.' }),
  revocations: Type.Integer({ description: 'Revoked by the producer (e.g. fraud); shown, not credited.' }),
  net: Type.Integer({ description: 'activations − returns' }),
});

const KeysRow = Type.Object({
  partnerAccountId: Type.Optional(Nullable(Type.String())),
  partnerName: Type.Optional(Type.String()),
  productId: Type.Optional(Type.String()),
  productName: Type.Optional(Type.String()),
  period: Type.String({ examples: ['2026-11', '2026-Q4'] }),
  loaded: Type.Integer({ description: 'Keys loaded into this stock from a list or a file.' }),
  generated: Type.Integer({ description: 'Keys generated into this stock.' }),
  splitIn: Type.Integer({ description: "Keys split into this stock from a tier-1 partner's." }),
  redeemed: Type.Integer({ description: 'Keys of this stock redeemed (or activated directly).' }),
  voided: Type.Integer({ description: 'Keys of this stock voided.' }),
  splitOnward: Type.Integer({ description: 'Keys split from this stock onward to a reseller.' }),
});

const Entry = Type.Object({
  at: Type.String(),
  entitlementId: Type.String(),
  activationId: Type.String(),
  product: Type.String(),
  device: Type.String({ description: 'A hash of the device fingerprint.' }),
});

const ReportSchema = Type.Object({
  groupBy: StringEnum(reportGroups),
  period: StringEnum(periodKinds),
  from: DateOnly,
  to: DateOnly,
  items: Type.Array(Row),
});
export type ReportBody = Static<typeof ReportSchema>;

const KeysReportSchema = Type.Object({
  groupBy: StringEnum(keyReportGroups),
  period: StringEnum(periodKinds),
  from: DateOnly,
  to: DateOnly,
  items: Type.Array(KeysRow),
});
export type KeysReportBody = Static<typeof KeysReportSchema>;

// A report by account answers tens of thousands of rows: see projecting-serializer.ts for why not
// the schema serializer.
const reportJson = projectingSerializer(ReportSchema);
const keysReportJson = projectingSerializer(KeysReportSchema);

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
          'Test activations are left out; returns count activations the customer gave back, by the day they ended, and are ' +
          'credited; revocations (by the producer) have their own column and are not: `net` is activations − returns. ' +
          '`groupBy=partner` groups by the tier-1 partner billed, `holder` by the partner that held the stock (the tier-2 ' +
          'reseller it was split to, else the tier-1 partner). A partner sees the rows of stock it holds, as tier 1 (its ' +
          "resellers' included) or tier 2. JSON, or CSV with `Accept: text/csv`.",
        querystring: ReportQuery,
        response: {
          200: {
            content: {
              'application/json': {
                schema: ReportSchema,
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
      if (!wantsCsv(request.headers.accept))
        return reply.type('application/json; charset=utf-8').serializer(reportJson).send(report);
      const csv = reportCsv(report);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csv.filename}"`)
        .send(csv.text as never);
    },
  );

  app.get(
    '/reports/keys',
    {
      schema: {
        operationId: 'keysReport',
        tags,
        summary:
          'Prepaid stock: keys put in stock, redeemed, voided and split onward, per partner or product, per period',
        description:
          'For billing partners on prepaid web register keys, beside the activations report. Per period of when it happened: ' +
          'keys loaded, generated or split in to a stock, redeemed, voided, and split onward to a reseller. `groupBy=partner` ' +
          'groups by the partner that holds the stock (a tier-2 reseller, else the tier-1 partner). Test stock is left out. ' +
          "A partner sees the stock it holds, as tier 1 (its resellers' included) or tier 2. JSON, or CSV with `Accept: text/csv`.",
        querystring: KeysReportQuery,
        response: {
          200: {
            content: {
              'application/json': {
                schema: KeysReportSchema,
              },
              'text/csv': { schema: Type.String() },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const report = await keysReport(ctx, request.actor, request.query);
      if (!wantsCsv(request.headers.accept))
        return reply.type('application/json; charset=utf-8').serializer(keysReportJson).send(report);
      const csv = keysReportCsv(report);
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
          'Every activation, return and revocation behind the report row, with the same totals (revocations are not credited).' +
          " For a tier-1 partner its resellers' rows are included; a tier-2 partner gets its own. Devices are hashed; no end customer is named. " +
          'JSON lists at most 10,000 lines each (`truncated`); the CSV (`Accept: text/csv`) has them all. ' +
          "With `kind=keys`, the prepaid stock statement instead: the keys report's totals for the partner's stock and the " +
          'keys redeemed and voided (JSON or CSV, lists of at most 10,000 keys each).',
        params: IdParams,
        querystring: StatementQuery,
        response: {
          200: {
            content: {
              'application/json': {
                schema: Type.Union([ActivationsStatement, KeysStatementSchema]),
              },
              'text/csv': { schema: Type.String() },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { period } = request.query;
      if (request.query.kind === 'keys') {
        const statement = await partnerKeysStatement(ctx, request.actor, id, period);
        if (!wantsCsv(request.headers.accept)) return statement;
        const csv = keysStatementCsv(statement);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${csv.filename}"`)
          .send(csv.text as never);
      }
      if (!wantsCsv(request.headers.accept)) return partnerStatement(ctx, request.actor, id, period);
      const csv = await statementCsv(ctx, request.actor, id, period);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csv.filename}"`)
        .send(Readable.from(csv.chunks) as never);
    },
  );
}

const ActivationsStatement = Type.Object({
  partner: Type.Object({ id: Type.String(), name: Type.String() }),
  period: Type.String(),
  from: Type.String(),
  to: Type.String(),
  totals: Type.Object({
    activations: Type.Integer(),
    returns: Type.Integer(),
    revocations: Type.Integer(),
    net: Type.Integer(),
  }),
  activations: Type.Array(Entry),
  returns: Type.Array(Entry),
  revocations: Type.Array(Entry),
  truncated: Type.Boolean(),
});

const KeyLine = Type.Object({
  key: Type.String(),
  at: Type.String(),
  stockId: Type.String({ description: 'The bulk entitlement the key was in.' }),
  entitlementId: Nullable(Type.String({ description: 'For a redeemed key: the entitlement it became.' })),
});

const KeysStatementSchema = Type.Object({
  kind: Type.Literal('keys'),
  partner: Type.Object({ id: Type.String(), name: Type.String() }),
  period: Type.String(),
  from: Type.String(),
  to: Type.String(),
  totals: Type.Object(Object.fromEntries(keyEvents.map((e) => [e, Type.Integer()])) as Record<KeyEvent, TInteger>),
  redeemed: Type.Array(KeyLine),
  voided: Type.Array(KeyLine),
  truncated: Type.Boolean(),
});
export type StatementBody = Static<typeof ActivationsStatement>;
export type KeysStatementBody = Static<typeof KeysStatementSchema>;
