import { lineItemUsability } from '../../domain/activations.ts';
import type { EntitlementState } from '../../domain/entitlement-states.ts';
import { AppError } from '../../domain/errors.ts';
import type { EntitlementRef, LineItemRow } from '../../store/entitlements.ts';

/** Refuses a line item that cannot be activated (or leased) now, saying why. */
export function assertUsable(lineItem: LineItemRow, entitlement: Pick<EntitlementRef, 'state'>, now: Date): void {
  const unusable = lineItemUsability(
    {
      state: lineItem.state as EntitlementState,
      startDate: lineItem.start_date,
      expirationDate: lineItem.expiration_date,
    },
    entitlement.state as EntitlementState,
    now,
  );
  if (!unusable) return;
  const detail = {
    'not-active': `This code's entitlement is ${entitlement.state === 'deployed' ? `deployed but the line item is ${lineItem.state}` : entitlement.state}; it cannot be used now.`,
    'not-started': `This code can be used from ${lineItem.start_date}.`,
    expired: `This code expired on ${lineItem.expiration_date}.`,
  }[unusable];
  throw new AppError('INVALID_STATE', detail, { extensions: { reason: unusable } });
}
