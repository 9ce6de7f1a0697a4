import type { Actor } from '../../domain/actors.ts';
import { type KeyEvent, keyEvents } from '../../domain/reports.ts';
import { type KeyStatementLine, keyMonthlyCounts, keyStatementLines } from '../../store/key-reports.ts';
import type { ServiceContext } from '../context.ts';
import { MAX_LINES, statementScope } from './partner-statement.ts';

export interface KeysStatement {
  kind: 'keys';
  partner: { id: string; name: string };
  period: string;
  from: string;
  to: string;
  /** The same counts as the keys report, summed over the partner's stock (its resellers' included). */
  totals: Record<KeyEvent, number>;
  redeemed: KeyStatementLine[];
  voided: KeyStatementLine[];
  /** True when a list was cut at `MAX_LINES`. */
  truncated: boolean;
}

/** A partner's prepaid stock statement for a month or a quarter: the keys report's totals and the keys behind them. */
export async function partnerKeysStatement(
  ctx: ServiceContext,
  actor: Actor,
  partnerId: string,
  period: string,
): Promise<KeysStatement> {
  const { partner, range } = await statementScope(ctx, actor, partnerId, period);
  const db = ctx.store.db;
  const options = { partnerId: partner.id, from: range.from, to: range.to };
  const [counts, redeemed, voided] = await Promise.all([
    keyMonthlyCounts(db, { groupBy: 'partner', ...options }),
    keyStatementLines(db, 'redeemed', options, MAX_LINES + 1),
    keyStatementLines(db, 'voided', options, MAX_LINES + 1),
  ]);
  const totals = Object.fromEntries(keyEvents.map((e) => [e, 0])) as Record<KeyEvent, number>;
  for (const c of counts) totals[c.event] += c.count;
  return {
    kind: 'keys',
    partner: { id: partner.id, name: partner.name },
    period,
    from: range.from,
    to: range.to,
    totals,
    redeemed: redeemed.slice(0, MAX_LINES),
    voided: voided.slice(0, MAX_LINES),
    truncated: redeemed.length > MAX_LINES || voided.length > MAX_LINES,
  };
}
