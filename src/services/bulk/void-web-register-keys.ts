import { counted } from '../../domain/words.ts';
import type { Actor } from '../../domain/actors.ts';
import type { WebRegisterKey } from '../../domain/bulk.ts';
import { normalizeCode } from '../../domain/codes.ts';
import { AppError } from '../../domain/errors.ts';
import {
  adjustKeyCounters,
  findKeyRecord,
  keyNamesFrom,
  toWebRegisterKey,
  voidFirstUnredeemedKeys,
  voidKeys,
} from '../../store/web-register-keys.ts';
import { isProducer, requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { findVisibleBulkEntitlement } from './find-bulk-entitlement.ts';
import { findVisibleKey } from './read-web-register-keys.ts';

export interface VoidResult {
  voided: number;
  rejected: { key: string; reason: 'not-found' | 'redeemed' | 'void' }[];
}

/** Whether to offer this person voiding keys: the producer's. */
export function mayVoidKeys(actor: Actor): boolean {
  return isProducer(actor);
}

/**
 * Takes unredeemed keys out of circulation (lost or stolen stock). A redeemed key stays redeemed:
 * what it became is an entitlement of its own now. All or nothing unless `partial`.
 */
export async function voidWebRegisterKeys(
  ctx: ServiceContext,
  actor: Actor,
  entitlementId: string,
  keys: readonly string[],
  options: { partial: boolean },
): Promise<VoidResult> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const bulk = await findVisibleBulkEntitlement(tx, actor, entitlementId);
    const shownAs = new Map(keys.map((k) => [normalizeCode(k), k]));
    const voided = new Set(await voidKeys(tx, bulk.pk, [...shownAs.keys()], at));
    const rejected: VoidResult['rejected'] = [];
    for (const [code, key] of shownAs) {
      if (voided.has(code)) continue;
      const found = await findKeyRecord(tx, code);
      rejected.push({
        key,
        reason: !found || found.entitlementPk !== bulk.pk ? 'not-found' : found.state === 'void' ? 'void' : 'redeemed',
      });
    }
    if (rejected.length > 0 && !options.partial) {
      throw new AppError(
        'INVALID_STATE',
        `${counted(rejected.length, 'key')} cannot be voided, so none was (use ?partial=true to void the others).`,
        {
          extensions: { voided: 0, rejected },
        },
      );
    }
    if (voided.size > 0) {
      await adjustKeyCounters(tx, bulk.pk, { unredeemed: -voided.size, void: voided.size }, at);
      await audit(tx, actor, at, {
        action: 'web-register-keys.voided',
        subjectType: 'entitlement',
        subjectId: bulk.pk,
        after: { voided: voided.size, keys: [...voided] },
      });
    }
    return { voided: voided.size, rejected };
  });
}

export const MAX_VOIDED_AT_ONCE = 1_000_000;

/**
 * Voids `count` unredeemed keys, the oldest first (stock that will not be sold): all of them, or
 * none when the bulk entitlement has fewer.
 */
export async function voidUnredeemedKeys(
  ctx: ServiceContext,
  actor: Actor,
  entitlementId: string,
  count: number,
): Promise<{ voided: number }> {
  requireProducer(actor);
  if (!Number.isInteger(count) || count < 1 || count > MAX_VOIDED_AT_ONCE) {
    throw new AppError('VALIDATION_FAILED', `Void between 1 and ${MAX_VOIDED_AT_ONCE} keys at a time.`, {
      fields: [{ field: '/count', message: `must be 1 to ${MAX_VOIDED_AT_ONCE}` }],
    });
  }
  return inTransaction(ctx, async (tx, at) => {
    const bulk = await findVisibleBulkEntitlement(tx, actor, entitlementId);
    const voided = await voidFirstUnredeemedKeys(tx, bulk.pk, count, at);
    if (voided !== count) {
      throw new AppError(
        'UNPROCESSABLE',
        `Entitlement ${bulk.id} has ${voided} unredeemed keys, not ${count}; none was voided.`,
        {
          fields: [{ field: '/count', message: `at most ${voided}` }],
        },
      );
    }
    await adjustKeyCounters(tx, bulk.pk, { unredeemed: -voided, void: voided }, at);
    await audit(tx, actor, at, {
      action: 'web-register-keys.voided',
      subjectType: 'entitlement',
      subjectId: bulk.pk,
      after: { voided, oldestFirst: true },
    });
    return { voided };
  });
}

export async function voidWebRegisterKey(ctx: ServiceContext, actor: Actor, rawKey: string): Promise<WebRegisterKey> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const key = await findVisibleKey(tx, actor, rawKey);
    if (key.state !== 'unredeemed' || (await voidKeys(tx, key.entitlementPk, [key.code], at)).length !== 1) {
      throw new AppError(
        'INVALID_STATE',
        key.state === 'void' ? 'The key is already void.' : 'A redeemed key cannot be voided.',
      );
    }
    await adjustKeyCounters(tx, key.entitlementPk, { unredeemed: -1, void: 1 }, at);
    const after = toWebRegisterKey({ ...key, state: 'void', voidedAt: at }, await keyNamesFrom(tx)([key]));
    await audit(tx, actor, at, {
      action: 'web-register-key.voided',
      subjectType: 'web-register-key',
      subjectId: key.code,
      before: { state: key.state },
      after,
    });
    return after;
  });
}
