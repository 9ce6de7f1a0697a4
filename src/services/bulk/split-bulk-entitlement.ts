import { counted } from '../../domain/words.ts';
import { type Actor, actorLabel } from '../../domain/actors.ts';
import { generateEntitlementId, normalizeCode } from '../../domain/codes.ts';
import type { ChannelPartner, Entitlement } from '../../domain/entitlements.ts';
import { AppError, unknownReference } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { findAccount } from '../../store/accounts.ts';
import { insertEntitlement, loadEntitlementByPk, touchEntitlementIn } from '../../store/entitlements.ts';
import {
  adjustKeyCounters,
  insertKeyLoad,
  moveFirstUnredeemedKeys,
  moveKeys,
  setKeySeq,
} from '../../store/web-register-keys.ts';
import { isProducer, ownAccountId, requireRole } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { unlessDuplicate } from '../duplicates.ts';
import { findVisibleBulkEntitlement } from './find-bulk-entitlement.ts';
import { partnersOf } from './redeem-web-register-key.ts';

export interface SplitStockInput {
  /** The tier-2 partner (a reseller) that receives the stock. */
  partnerAccountId: string;
  /** Move this many unredeemed keys, the oldest first… */
  count?: number | undefined;
  /** …or exactly these keys. */
  keys?: readonly string[] | undefined;
  id?: string | undefined;
  description?: string | null | undefined;
}

/** The producer splits any stock; a partner only stock it holds as tier 1 (a tier-2 reseller does not split further). */
export function maySplitStock(actor: Actor, partners: readonly ChannelPartner[]): boolean {
  return isProducer(actor) || partners.some((p) => p.tier === 'tier1' && p.accountId === ownAccountId(actor));
}

/**
 * Moves unredeemed keys from a bulk entitlement into a new bulk entitlement for a tier-2 partner.
 * The tier-1 partner stays on the new one (it sold the stock, and is billed for it); the reseller
 * becomes its tier-2 partner and may redeem its keys. The new entitlement records where it came from.
 */
export async function splitBulkEntitlement(
  ctx: ServiceContext,
  actor: Actor,
  entitlementId: string,
  input: SplitStockInput,
): Promise<Entitlement> {
  requireRole(actor, ['admin', 'operator', 'partner']);
  if ((input.count === undefined) === (input.keys === undefined)) {
    throw new AppError('VALIDATION_FAILED', 'Say what to move: either count or keys.', {
      fields: [{ field: '/count', message: 'give count or keys, not both' }],
    });
  }
  return inTransaction(ctx, async (tx, at) => {
    const source = await findVisibleBulkEntitlement(tx, actor, entitlementId);
    const partners = await partnersOf(tx, source);
    const tier1 = partners.find((p) => p.tier === 'tier1')?.accountId;
    if (!maySplitStock(actor, partners)) {
      throw new AppError('FORBIDDEN', 'Only the tier-1 partner of this stock, or the producer, splits it.');
    }
    const target = await findAccount(tx, input.partnerAccountId);
    const reachable = target && (isProducer(actor) || target.parentAccountId === ownAccountId(actor));
    if (!target || !reachable) throw unknownReference('/partnerAccountId', `Account ${input.partnerAccountId}`);
    if (target.type !== 'partner' || target.id === tier1) {
      throw new AppError('UNPROCESSABLE', 'Stock is split to another partner account.', {
        fields: [{ field: '/partnerAccountId', message: 'must be a partner other than the tier-1 partner' }],
      });
    }
    if (!(await touchEntitlementIn(tx, source.pk, ['draft', 'test', 'deployed'], at))) {
      throw new AppError(
        'INVALID_STATE',
        `Entitlement ${entitlementId} is ${source.state}; its stock cannot be split.`,
      );
    }

    const pk = newId('entitlement');
    const id = input.id ?? generateEntitlementId();
    await unlessDuplicate(
      insertEntitlement(
        tx,
        {
          ...source,
          pk,
          id,
          idGenerated: input.id === undefined,
          // Only what the reseller may read: the tier-1 partner's shipping details, contact and
          // internal description stay on the source; the producer or tier 1 may write a new description.
          description: input.description ?? null,
          shipToEmail: null,
          shipToAddress: null,
          parentEntitlementPk: source.pk,
          at,
        },
        [
          ...partners.filter((p) => p.tier !== 'tier2').map((p) => ({ ...p, contactId: null })),
          { accountId: target.id, tier: 'tier2', contactId: null },
        ],
      ),
      `Entitlement ${id} already exists.`,
      '/id',
    );
    let moved: number;
    if (input.count !== undefined) {
      moved = await moveFirstUnredeemedKeys(tx, source.pk, pk, input.count);
      if (moved !== input.count) {
        throw new AppError(
          'UNPROCESSABLE',
          `Entitlement ${entitlementId} has ${moved} unredeemed keys, not ${input.count}.`,
          {
            fields: [{ field: '/count', message: `at most ${moved}` }],
          },
        );
      }
    } else {
      const wanted = new Map((input.keys ?? []).map((k) => [normalizeCode(k), k]));
      const done = new Set(await moveKeys(tx, source.pk, pk, [...wanted.keys()]));
      const refused = [...wanted]
        .filter(([code]) => !done.has(code))
        .map(([, key]) => ({ key, reason: 'not an unredeemed key of this entitlement' }));
      if (refused.length > 0) {
        throw new AppError('UNPROCESSABLE', `${counted(refused.length, 'key')} cannot be moved, so none was.`, {
          extensions: { rejected: refused },
        });
      }
      moved = done.size;
    }
    await setKeySeq(tx, pk, source.keySeq);
    await adjustKeyCounters(tx, source.pk, { total: -moved, unredeemed: -moved }, at);
    await adjustKeyCounters(tx, pk, { total: moved, unredeemed: moved }, at);
    // Recorded as the new stock's load: the keys report counts it as split in here, split onward there.
    await insertKeyLoad(tx, {
      id: newId('keyLoad'),
      entitlementPk: pk,
      actor: actorLabel(actor),
      source: 'split',
      added: moved,
      rejected: 0,
      firstSeq: null,
      lastSeq: null,
      at,
    });
    const created = await loadEntitlementByPk(tx, pk);
    await audit(tx, actor, at, {
      action: 'entitlement.created',
      subjectType: 'entitlement',
      subjectId: pk,
      after: created,
    });
    await audit(tx, actor, at, {
      action: 'web-register-keys.split',
      subjectType: 'entitlement',
      subjectId: source.pk,
      after: { to: id, partnerAccountId: target.id, moved },
    });
    return created;
  });
}
