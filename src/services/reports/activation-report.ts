import type { Actor } from '../../domain/actors.ts';
import { checkDate, endOfDate, startOfDate, today } from '../../domain/dates.ts';
import { invalidField } from '../../domain/errors.ts';
import type { PeriodKind } from '../../domain/periods.ts';
import type { ReportGroup } from '../../domain/reports.ts';
import { monthlyCounts } from '../../store/reports.ts';
import { isProducer, ownAccountId, requireRole } from '../access.ts';
import type { ServiceContext } from '../context.ts';
import { foldCounts } from './fold.ts';

export interface ReportRequest {
  groupBy?: ReportGroup | undefined;
  period?: PeriodKind | undefined;
  /** First day, inclusive (YYYY-MM-DD); default: the first day of the month eleven months ago. */
  from?: string | undefined;
  /** Last day, inclusive; default: today. */
  to?: string | undefined;
}

export interface ReportRow {
  /**
   * By `groupBy`: the tier-1 partner (`partner`) or the partner that held the stock (`holder`;
   * null: sold directly), or the account, or the product.
   */
  partnerAccountId?: string | null;
  partnerName?: string;
  accountId?: string;
  accountName?: string;
  productId?: string;
  productName?: string;
  period: string;
  activations: number;
  /** Given back by the customer: credited. */
  returns: number;
  /** Revoked by the producer (fraud, a refund it decided): shown, not credited. */
  revocations: number;
  net: number;
}

export interface Report {
  groupBy: ReportGroup;
  period: PeriodKind;
  from: string;
  to: string;
  items: ReportRow[];
}

/**
 * New activations, returns, revocations and net per partner (or account, or product) per month or
 * quarter, test activations excluded: what a producer bills its partners on. Net is activations
 * less returns: a revocation is the producer's decision and credits nobody. A partner sees the rows
 * of the stock it holds, as tier 1 (its resellers' included) or tier 2.
 */
export async function activationReport(ctx: ServiceContext, actor: Actor, request: ReportRequest): Promise<Report> {
  requireRole(actor, ['admin', 'operator', 'partner']);
  const groupBy = request.groupBy ?? 'partner';
  const period = request.period ?? 'month';
  const range = dateRange(ctx.now(), request.from, request.to);
  const partnerId = isProducer(actor) ? undefined : (ownAccountId(actor) ?? '');
  const db = ctx.store.db;
  const options = { groupBy, from: range.fromInstant, to: range.toInstant, partnerId, now: ctx.now().toISOString() };
  const { issued, returned, revoked } = await monthlyCounts(db, options);
  const folded = await foldCounts(
    db,
    {
      groupBy,
      period,
      events: ['activations', 'returns', 'revocations'],
      shownName: (key, name) =>
        key === null && (groupBy === 'partner' || groupBy === 'holder') ? '(sold directly)' : name,
    },
    [
      ['activations', issued],
      ['returns', returned],
      ['revocations', revoked],
    ],
  );
  const items = folded.map((r) => labelled(groupBy, r.key, r.name, { period: r.period, ...r.numbers }));
  return { groupBy, period, from: range.from, to: range.to, items };
}

interface Numbers {
  activations: number;
  returns: number;
  revocations: number;
}
type Tally = Numbers & { period: string };

function labelled(groupBy: ReportGroup, key: string | null, name: string, r: Tally): ReportRow {
  const numbers = {
    period: r.period,
    activations: r.activations,
    returns: r.returns,
    revocations: r.revocations,
    net: r.activations - r.returns,
  };
  if (groupBy === 'partner' || groupBy === 'holder') return { partnerAccountId: key, partnerName: name, ...numbers };
  if (groupBy === 'account') return { accountId: key ?? '', accountName: name, ...numbers };
  return { productId: key ?? '', productName: name, ...numbers };
}

export function dateRange(now: Date, from: string | undefined, to: string | undefined) {
  const last = to ?? today(now);
  const first =
    from ?? `${new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)).toISOString().slice(0, 10)}`;
  checkDate(from ?? null, '/from');
  checkDate(last, '/to');
  if (first > last) throw invalidField('/from', 'must not be after to');
  return {
    from: first,
    to: last,
    fromInstant: startOfDate(first).toISOString(),
    toInstant: endOfDate(last).toISOString(),
  };
}
