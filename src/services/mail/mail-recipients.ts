import type { Entitlement } from '../../domain/entitlements.ts';
import { findAccount } from '../../store/accounts.ts';
import type { Db } from '../../store/database.ts';

/** Whose business mail about an entitlement is, and whether its owner is an anonymous end customer. */
export interface EntitlementAudience {
  /** The tier-1 channel partner, else the partner that bought it (the same rule as billing). */
  partnerAccountId: string | null;
  anonymousOwner: boolean;
}

export async function audienceOf(db: Db, entitlement: Entitlement): Promise<EntitlementAudience> {
  const tier1 = entitlement.channelPartners.find((p) => p.tier === 'tier1')?.accountId ?? null;
  const owner = entitlement.soldTo ? await findAccount(db, entitlement.soldTo) : undefined;
  const partnerAccountId = tier1 ?? (owner?.type === 'partner' ? owner.id : null);
  return { partnerAccountId, anonymousOwner: owner?.anonymous ?? false };
}
