import { lineItemUsability } from '../../domain/activations.ts';
import { AppError } from '../../domain/errors.ts';
import type { EntitlementRef, LineItemRecord } from '../../store/entitlements.ts';

/** Refuses a line item that cannot be activated (or leased) now, saying why. */
export function assertUsable(lineItem: LineItemRecord, entitlement: Pick<EntitlementRef, 'state'>, now: Date): void {
  const unusable = lineItemUsability(lineItem, entitlement.state, now);
  if (!unusable) return;
  const detail = {
    'not-active': `This code's entitlement is ${entitlement.state === 'deployed' ? `deployed but the line item is ${lineItem.state}` : entitlement.state}; it cannot be used now.`,
    'not-started': `This code can be used from ${lineItem.startDate}.`,
    expired: `This code expired on ${lineItem.expirationDate}.`,
  }[unusable];
  throw new AppError('INVALID_STATE', detail, { extensions: { reason: unusable } });
}
