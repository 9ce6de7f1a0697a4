import type { LicenseModel } from './catalog.ts';
import { endOfDate, startOfDate } from './dates.ts';
import { type EntitlementState, allowsActivation } from './entitlement-states.ts';

export const activationStates = ['active', 'returned', 'revoked'] as const;
export type ActivationState = (typeof activationStates)[number];

export interface Activation {
  id: string;
  /** The line item's activation code. */
  activationId: string;
  entitlementId: string;
  deviceId: string;
  deviceName: string | null;
  fingerprint: string;
  count: number;
  state: ActivationState;
  test: boolean;
  offline: boolean;
  accountId: string;
  productId: string;
  issuedAt: string;
  expiresAt: string | null;
  endedAt: string | null;
}

export interface Device {
  id: string;
  accountId: string;
  fingerprint: string;
  name: string | null;
  createdAt: string;
  lastSeenAt: string;
  activeActivations: number;
}

export interface Lease {
  id: string;
  activationId: string;
  entitlementId: string;
  fingerprint: string;
  deviceName: string | null;
  test: boolean;
  createdAt: string;
  expiresAt: string;
  releasedAt: string | null;
}

/** Answers of `POST /licenses/validate` (DESIGN.md §3). */
export const validationCodes = [
  'VALID',
  'EXPIRED',
  'NOT_YET_VALID',
  'SUSPENDED',
  'RETURNED',
  'REVOKED',
  'FINGERPRINT_MISMATCH',
  'BAD_SIGNATURE',
  'NOT_FOUND',
] as const;
export type ValidationCode = (typeof validationCodes)[number];

/** Why a line item cannot be activated right now, if it cannot. */
export type Unusable = 'not-active' | 'not-started' | 'expired';

export function lineItemUsability(
  item: { state: EntitlementState; startDate: string | null; expirationDate: string | null },
  entitlementState: EntitlementState,
  now: Date,
): Unusable | undefined {
  if (!allowsActivation(item.state) || !allowsActivation(entitlementState)) return 'not-active';
  if (item.startDate !== null && now < startOfDate(item.startDate)) return 'not-started';
  if (item.expirationDate !== null && now >= endOfDate(item.expirationDate)) return 'expired';
  return undefined;
}

/**
 * When a licence issued now stops: the end of the line item's expiration date, or `durationDays`
 * after activation for a time-limited model, whichever comes first; null when both are open.
 */
export function licenseExpiry(
  expirationDate: string | null,
  model: Pick<LicenseModel, 'durationDays'>,
  issuedAt: Date,
): Date | null {
  const candidates: Date[] = [];
  if (expirationDate !== null) candidates.push(endOfDate(expirationDate));
  if (model.durationDays !== null) candidates.push(new Date(issuedAt.getTime() + model.durationDays * 86_400_000));
  if (candidates.length === 0) return null;
  return new Date(Math.min(...candidates.map((d) => d.getTime())));
}

/** How many units a line item may have active at once; null means no limit (uncounted models). */
export function countLimit(quantity: number, model: Pick<LicenseModel, 'kind' | 'overdraft'>): number | null {
  const overdraft = allowedOverdraft(model);
  return overdraft === null ? null : quantity + overdraft;
}

/** How far a line item's active count may go beyond its quantity; null when nothing is counted. */
export function allowedOverdraft(model: Pick<LicenseModel, 'kind' | 'overdraft'>): number | null {
  return model.kind === 'uncounted' ? null : model.overdraft;
}

/** What a validation says about an activation whose signature is good. */
export function validationOutcome(
  status: {
    activationState: ActivationState;
    lineItemState: EntitlementState;
    entitlementState: EntitlementState;
    fingerprint: string;
    notBefore: Date;
    expiresAt: Date | null;
  },
  request: { fingerprint?: string | undefined },
  now: Date,
): ValidationCode {
  if (status.activationState === 'returned') return 'RETURNED';
  if (status.activationState === 'revoked') return 'REVOKED';
  if (status.entitlementState === 'obsolete' || status.lineItemState === 'obsolete') return 'REVOKED';
  if (status.entitlementState === 'inactive' || status.lineItemState === 'inactive') return 'SUSPENDED';
  if (request.fingerprint !== undefined && request.fingerprint !== status.fingerprint) return 'FINGERPRINT_MISMATCH';
  if (now < status.notBefore) return 'NOT_YET_VALID';
  if (status.expiresAt !== null && now >= status.expiresAt) return 'EXPIRED';
  return 'VALID';
}
