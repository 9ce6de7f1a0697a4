import type { Actor } from '../../domain/actors.ts';
import { normalizeCode } from '../../domain/codes.ts';
import { type EntitlementState, isEditable } from '../../domain/entitlement-states.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import type { Db } from '../../store/database.ts';
import {
  type EntitlementRow,
  type LineItemRow,
  findEntitlementRow,
  findEntitlementRowByPk,
  findLineItemRow,
  touchEntitlementIn,
} from '../../store/entitlements.ts';
import { scopeOf } from '../access.ts';

/** The entitlement as the actor may see it; anything outside its scope does not exist. */
export async function findVisibleEntitlement(tx: Db, actor: Actor, id: string): Promise<EntitlementRow> {
  const row = await findEntitlementRow(tx, id, scopeOf(actor));
  if (!row) throw notFound(`Entitlement ${id}`);
  return row;
}

export async function findVisibleLineItem(
  tx: Db,
  actor: Actor,
  activationId: string,
): Promise<{ lineItem: LineItemRow; entitlement: EntitlementRow }> {
  const lineItem = await findLineItemRow(tx, normalizeCode(activationId));
  const entitlement = lineItem && (await findEntitlementRowByPk(tx, lineItem.entitlement_pk));
  if (!lineItem || !entitlement || !(await findEntitlementRow(tx, entitlement.id, scopeOf(actor)))) {
    throw notFound('The line item');
  }
  return { lineItem, entitlement };
}

/** Draft and test entitlements change freely; anything else only through lifecycle operations. */
export async function claimEditable(tx: Db, entitlement: EntitlementRow, at: string, what: string): Promise<void> {
  const editable: EntitlementState[] = ['draft', 'test'];
  if (
    !isEditable(entitlement.state as EntitlementState) ||
    !(await touchEntitlementIn(tx, entitlement.pk, editable, at))
  ) {
    throw new AppError(
      'INVALID_STATE',
      `Entitlement ${entitlement.id} is ${entitlement.state}; ${what} is possible in draft or test only.`,
    );
  }
}
