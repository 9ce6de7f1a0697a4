import type { Actor } from '../../domain/actors.ts';
import type { PeriodKind } from '../../domain/periods.ts';
import { type KeyEvent, type KeyReportGroup, keyEvents } from '../../domain/reports.ts';
import { keyMonthlyCounts } from '../../store/key-reports.ts';
import { isProducer, ownAccountId, requireRole } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import { dateRange } from './activation-report.ts';
import { foldCounts } from './fold.ts';

export interface KeysReportRequest {
  groupBy?: KeyReportGroup | undefined;
  period?: PeriodKind | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export type KeysReportRow = {
  /** `groupBy=partner`: the partner that holds the stock (a tier-2 reseller, else the tier-1 partner). */
  partnerAccountId?: string | null;
  partnerName?: string;
  productId?: string;
  productName?: string;
  period: string;
} & Record<KeyEvent, number>;

export interface KeysReport {
  groupBy: KeyReportGroup;
  period: PeriodKind;
  from: string;
  to: string;
  items: KeysReportRow[];
}

/**
 * Prepaid stock billing, beside the activations report: per stock holder (or product) per month or
 * quarter, the keys put in its stock (loaded, generated, split in), redeemed, voided and split
 * onward to a reseller. A partner sees the stock it holds as tier 1 (its resellers' included) or tier 2.
 */
export async function keysReport(ctx: ServiceContext, actor: Actor, request: KeysReportRequest): Promise<KeysReport> {
  requireRole(actor, ['admin', 'operator', 'partner']);
  const groupBy = request.groupBy ?? 'partner';
  const period = request.period ?? 'month';
  const range = dateRange(ctx.now(), request.from, request.to);
  const partnerId = isProducer(actor) ? undefined : (ownAccountId(actor) ?? '');
  const db = ctx.store.db;
  const counts = await keyMonthlyCounts(db, { groupBy, from: range.fromInstant, to: range.toInstant, partnerId });
  const folded = await foldCounts(
    db,
    { groupBy, period, events: keyEvents },
    keyEvents.map((event) => [event, counts.filter((c) => c.event === event)] as const),
  );
  const items = folded.map(
    (r): KeysReportRow =>
      groupBy === 'partner'
        ? { partnerAccountId: r.key, partnerName: r.name, period: r.period, ...r.numbers }
        : { productId: r.key ?? '', productName: r.name, period: r.period, ...r.numbers },
  );
  return { groupBy, period, from: range.from, to: range.to, items };
}
