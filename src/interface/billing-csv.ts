import { csvText } from '../domain/csv.ts';
import type { Actor } from '../domain/actors.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Report, ReportRow } from '../services/reports/activation-report.ts';
import type { KeysReport, KeysReportRow } from '../services/reports/keys-report.ts';
import type { KeysStatement } from '../services/reports/keys-statement.ts';
import { partnerStatementLines } from '../services/reports/partner-statement.ts';
import { keyEvents } from '../domain/reports.ts';

/**
 * The billing report and statement as CSV, shared by the API and the portal's download links so a
 * producer gets the same file whichever it uses.
 */
export function reportCsv(report: Report): { filename: string; text: string } {
  const key =
    report.groupBy === 'partner' || report.groupBy === 'holder'
      ? ['partnerAccountId', 'partnerName']
      : report.groupBy === 'account'
        ? ['accountId', 'accountName']
        : ['productId', 'productName'];
  const columns = [...key, 'period', 'activations', 'returns', 'revocations', 'net'] as (keyof ReportRow)[];
  return {
    filename: `activations-${report.from}-${report.to}.csv`,
    text: csvText([columns, ...report.items.map((r) => columns.map((c) => r[c]))]),
  };
}

/** The prepaid stock (keys) report as CSV, the same from the API and the portal. */
export function keysReportCsv(report: KeysReport): { filename: string; text: string } {
  const key = report.groupBy === 'partner' ? ['partnerAccountId', 'partnerName'] : ['productId', 'productName'];
  const columns = [...key, 'period', ...keyEvents] as (keyof KeysReportRow)[];
  return {
    filename: `keys-${report.from}-${report.to}.csv`,
    text: csvText([columns, ...report.items.map((r) => columns.map((c) => r[c] ?? ''))]),
  };
}

/** A prepaid stock statement's keys as CSV: one line per key redeemed or voided. */
export function keysStatementCsv(statement: KeysStatement): { filename: string; text: string } {
  const lines = [
    ...statement.redeemed.map((l) => ['redeemed', l.at, l.key, l.stockId, l.entitlementId ?? '']),
    ...statement.voided.map((l) => ['voided', l.at, l.key, l.stockId, '']),
  ];
  return {
    filename: `keys-statement-${statement.partner.id}-${statement.period}.csv`,
    text: csvText([['kind', 'at', 'key', 'stockId', 'entitlementId'], ...lines]),
  };
}

/**
 * Every line of a statement as CSV chunks. The first batch is read before this answers, so that a
 * refusal (not found, not a partner) is an error response, not a broken file.
 */
export async function statementCsv(
  ctx: ServiceContext,
  actor: Actor,
  partnerId: string,
  period: string,
): Promise<{ filename: string; chunks: AsyncGenerator<string> }> {
  const batches = partnerStatementLines(ctx, actor, partnerId, period);
  const first = await batches.next();
  async function* chunks() {
    yield csvText([['kind', 'at', 'entitlementId', 'activationId', 'product', 'device']]);
    let next = first;
    while (!next.done) {
      yield csvText(
        next.value.map(({ kind, entry }) => [
          kind,
          entry.at,
          entry.entitlementId,
          entry.activationId,
          entry.product,
          entry.device,
        ]),
      );
      next = await batches.next();
    }
  }
  return { filename: `statement-${partnerId}-${period}.csv`, chunks: chunks() };
}
