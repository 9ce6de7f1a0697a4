import type { Actor } from '../../domain/actors.ts';
import { type EntitlementState, isEditable } from '../../domain/entitlement-states.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import type { Db } from '../../store/database.ts';
import {
  type EntitlementRecord,
  type LineItemRecord,
  findEntitlementRecord,
  findEntitlementRecordByPk,
  findLineItemRecord,
  touchEntitlementIn,
} from '../../store/entitlements.ts';
import { scopeOf } from '../access.ts';

/** The entitlement as the actor may see it; anything outside its scope does not exist. */
export async function findVisibleEntitlement(tx: Db, actor: Actor, id: string): Promise<EntitlementRecord> {
  const entitlement = await findEntitlementRecord(tx, id, scopeOf(actor));
  if (!entitlement) throw notFound(`Entitlement ${id}`);
  return entitlement;
}

export async function findVisibleLineItem(
  tx: Db,
  actor: Actor,
  activationId: string,
): Promise<{ lineItem: LineItemRecord; entitlement: EntitlementRecord }> {
  const lineItem = await findLineItemRecord(tx, activationId);
  const entitlement = lineItem && (await findEntitlementRecordByPk(tx, lineItem.entitlementPk));
  if (!lineItem || !entitlement || !(await findEntitlementRecord(tx, entitlement.id, scopeOf(actor)))) {
    throw notFound('The line item');
  }
  return { lineItem, entitlement };
}

/** Draft and test entitlements change freely; anything else only through lifecycle operations. */
export async function claimEditable(tx: Db, entitlement: EntitlementRecord, at: string, what: string): Promise<void> {
  const editable: EntitlementState[] = ['draft', 'test'];
  if (!isEditable(entitlement.state) || !(await touchEntitlementIn(tx, entitlement.pk, editable, at))) {
    throw new AppError(
      'INVALID_STATE',
      `Entitlement ${entitlement.id} is ${entitlement.state}; ${what} is possible in draft or test only.`,
    );
  }
}
