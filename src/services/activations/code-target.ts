import type { Actor } from '../../domain/actors.ts';
import type { RegistrationData } from '../../domain/bulk.ts';
import { normalizeCode } from '../../domain/codes.ts';
import { AppError } from '../../domain/errors.ts';
import type { Db } from '../../store/database.ts';
import { type LineItemTarget, findFirstLineItemTarget, findLineItemTarget } from '../../store/entitlements.ts';
import { type KeyRecord, findKeyRecord } from '../../store/web-register-keys.ts';
import { bulkOf, redeemKey } from '../bulk/redeem-web-register-key.ts';

/** The line item a code stands for, with its entitlement. */
export type CodeTarget = LineItemTarget;

/**
 * What a code stands for now, changing nothing: a line item's activation ID is that line item; a
 * redeemed web register key is the line item it became. Anything else (unknown, void, unredeemed,
 * a bulk entitlement's own ID) is undefined: to a guesser, every wrong code looks the same.
 */
export async function findCodeTarget(db: Db, code: string): Promise<CodeTarget | undefined> {
  const normalized = normalizeCode(code);
  const target = await findLineItemTarget(db, normalized);
  if (target) return target;
  const key = await findKeyRecord(db, normalized);
  return key?.state === 'redeemed' ? redeemedTarget(db, key) : undefined;
}

/**
 * Like `findCodeTarget`, but an unredeemed web register key is redeemed on the spot (a write, in
 * the caller's transaction) for a new anonymous end customer of the partner that holds the stock,
 * so a device can be activated with a key straight from the box.
 */
export async function findOrRedeemCodeTarget(
  tx: Db,
  actor: Actor,
  at: string,
  code: string,
  registration: RegistrationData | undefined,
): Promise<CodeTarget | undefined> {
  const normalized = normalizeCode(code);
  const target = await findLineItemTarget(tx, normalized);
  if (target) return target;
  const key = await findKeyRecord(tx, normalized);
  if (!key || key.state === 'void') return undefined;
  if (key.state === 'redeemed') return redeemedTarget(tx, key);
  const bulk = await bulkOf(tx, key);
  let entitlementPk: string | null;
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
      registration,
    });
  } catch (error) {
    // Another device redeemed it a moment ago: activate on what it became, like any redeemed key.
    if (!(error instanceof AppError) || error.code !== 'ALREADY_REDEEMED') throw error;
    entitlementPk = (await findKeyRecord(tx, normalized))?.redeemedEntitlementPk ?? null;
  }
  return entitlementPk === null ? undefined : findFirstLineItemTarget(tx, entitlementPk);
}

function redeemedTarget(db: Db, key: KeyRecord): Promise<CodeTarget | undefined> {
  return key.redeemedEntitlementPk === null
    ? Promise.resolve(undefined)
    : findFirstLineItemTarget(db, key.redeemedEntitlementPk);
}
