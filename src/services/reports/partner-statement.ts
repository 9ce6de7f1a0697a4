import { createHash } from 'node:crypto';
import type { Actor } from '../../domain/actors.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { periodRange } from '../../domain/periods.ts';
import { findAccount } from '../../store/accounts.ts';
import { type StatementLine, monthlyCounts, statementLines } from '../../store/reports.ts';
import { isProducer, ownAccountId, requireRole } from '../access.ts';
import type { ServiceContext } from '../context.ts';

export interface StatementEntry {
  at: string;
  entitlementId: string;
  activationId: string;
  product: string;
  /** The device, as a hash: enough to tell devices apart, nothing about whose they are. */
  device: string;
}

export interface Statement {
  partner: { id: string; name: string };
  period: string;
  from: string;
  to: string;
  totals: { activations: number; returns: number; revocations: number; net: number };
  activations: StatementEntry[];
  returns: StatementEntry[];
  /** Revoked by the producer: listed, not credited. */
  revocations: StatementEntry[];
  /** True when the lists were cut at `MAX_LINES`; the CSV has them all. */
  truncated: boolean;
}

export const MAX_LINES = 10_000;

/**
 * A partner's billing statement for a month or a quarter: every activation, return and revocation
 * behind its report row, and the same totals (computed by the same queries). A partner's rows are
 * those of stock it holds as tier 1 (its resellers' included) or as tier 2. No end customer's data: devices
 * are hashed, accounts are not named.
 */
export async function partnerStatement(
  ctx: ServiceContext,
  actor: Actor,
  partnerId: string,
  period: string,
): Promise<Statement> {
  const { partner, range } = await statementScope(ctx, actor, partnerId, period);
  const db = ctx.store.db;
  const options = {
    groupBy: 'partner' as const,
    from: range.from,
    to: range.to,
    partnerId: partner.id,
    now: ctx.now().toISOString(),
  };
  const { issued, returned, revoked } = await monthlyCounts(db, options);
  const sum = (counts: { count: number }[]) => counts.reduce((n, c) => n + c.count, 0);
  const activations = sum(issued);
  const returns = sum(returned);
  const revocations = sum(revoked);
  const lists = {
    activations: [] as StatementEntry[],
    returns: [] as StatementEntry[],
    revocations: [] as StatementEntry[],
  };
  let truncated = false;
  for (const [what, list] of [
    ['issued', lists.activations],
    ['returned', lists.returns],
    ['revoked', lists.revocations],
  ] as const) {
    for await (const batch of statementLines(db, what, { partnerId: partner.id, from: range.from, to: range.to })) {
      for (const line of batch) {
        if (list.length >= MAX_LINES) {
          truncated = true;
          break;
        }
        list.push(entry(line));
      }
      if (list.length >= MAX_LINES) break;
    }
  }
  return {
    partner: { id: partner.id, name: partner.name },
    period,
    from: range.from,
    to: range.to,
    totals: { activations, returns, revocations, net: activations - returns },
    ...lists,
    truncated,
  };
}

/** Every line of a statement, in batches, for a CSV export of any size. */
export async function* partnerStatementLines(
  ctx: ServiceContext,
  actor: Actor,
  partnerId: string,
  period: string,
): AsyncGenerator<{ kind: 'activation' | 'return' | 'revocation'; entry: StatementEntry }[]> {
  const { partner, range } = await statementScope(ctx, actor, partnerId, period);
  for (const [what, kind] of [
    ['issued', 'activation'],
    ['returned', 'return'],
    ['revoked', 'revocation'],
  ] as const) {
    for await (const batch of statementLines(ctx.store.db, what, {
      partnerId: partner.id,
      from: range.from,
      to: range.to,
    })) {
      yield batch.map((line) => ({ kind, entry: entry(line) }));
    }
  }
}

export async function statementScope(ctx: ServiceContext, actor: Actor, partnerId: string, period: string) {
  requireRole(actor, ['admin', 'operator', 'partner']);
  const range = periodRange(period);
  if (!isProducer(actor) && partnerId !== ownAccountId(actor)) throw notFound(`Partner ${partnerId}`);
  const partner = await findAccount(ctx.store.db, partnerId);
  if (!partner) throw notFound(`Partner ${partnerId}`);
  if (partner.type !== 'partner') throw new AppError('UNPROCESSABLE', `Account ${partnerId} is not a partner.`);
  return { partner, range };
}

function entry(line: StatementLine): StatementEntry {
  return {
    at: line.at,
    entitlementId: line.entitlementId,
    activationId: line.activationId,
    product: `${line.productName} ${line.productVersion}`,
    device: createHash('sha256').update(line.fingerprint).digest('hex').slice(0, 16),
  };
}
