import type { Actor } from '../../domain/actors.ts';
import type { RegistrationData } from '../../domain/bulk.ts';
import { normalizeCode } from '../../domain/codes.ts';
import { AppError } from '../../domain/errors.ts';
import type { Db } from '../../store/database.ts';
import { type LineItemTarget, findFirstLineItemTarget, findLineItemTarget } from '../../store/entitlements.ts';
import { findKeyRecord } from '../../store/web-register-keys.ts';
import { bulkOf, redeemKey } from '../bulk/redeem-web-register-key.ts';

export type ResolvedCode = LineItemTarget;

/**
 * What an activation code stands for. A line item's activation ID is itself; a redeemed web register
 * key is the line item it became; an unredeemed key, when `redeem` is allowed, is redeemed on the
 * spot for a new anonymous end customer of the partner that holds the stock. Anything else (unknown,
 * void, a bulk entitlement's own ID) is undefined: to a guesser, every wrong code looks the same.
 */
export async function resolveActivationCode(
  tx: Db,
  actor: Actor,
  at: string,
  code: string,
  redeem: { registration?: RegistrationData | undefined } | false,
): Promise<ResolvedCode | undefined> {
  const normalized = normalizeCode(code);
  const target = await findLineItemTarget(tx, normalized);
  if (target) return target;
  const key = await findKeyRecord(tx, normalized);
  if (!key || key.state === 'void') return undefined;
  let entitlementPk = key.redeemedEntitlementPk;
  if (key.state === 'unredeemed') {
    if (redeem === false) return undefined;
    const bulk = await bulkOf(tx, key);
    try {
      entitlementPk = await redeemKey(tx, actor, at, {
        key,
        bulk,
        owner: {
          newAnonymous: {
            name: `Anonymous end customer (key …${key.key.slice(-5)})`,
            parentAccountId: bulk.soldTo ?? '',
          },
        },
        registration: redeem.registration,
      });
    } catch (error) {
      // Another device redeemed it a moment ago: activate on what it became, like any redeemed key.
      if (!(error instanceof AppError) || error.code !== 'ALREADY_REDEEMED') throw error;
      entitlementPk = (await findKeyRecord(tx, normalized))?.redeemedEntitlementPk ?? null;
    }
  }
  if (entitlementPk === null) return undefined;
  return findFirstLineItemTarget(tx, entitlementPk);
}
