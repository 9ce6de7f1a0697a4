import type { Actor } from '../../domain/actors.ts';
import { generateCode, generateEntitlementId } from '../../domain/codes.ts';
import type { LineItem } from '../../domain/entitlements.ts';
import { AppError, unknownReference } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { findAccount } from '../../store/accounts.ts';
import { upsertDevice } from '../../store/activations.ts';
import type { Db } from '../../store/database.ts';
import {
  type EntitlementRecord,
  type LineItemRecord,
  type NewLineItem,
  insertEntitlement,
  insertLineItems,
  loadEntitlementByPk,
  partnersOfEntitlement,
} from '../../store/entitlements.ts';
import {
  activeActivationsOf,
  closeTransferred,
  moveActivation,
  moveLiveLeases,
  setUsedCount,
} from '../../store/lifecycle.ts';
import { hasRole, isProducer, ownAccountId, requireRole } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { unlessDuplicate } from '../duplicates.ts';
import { invalidateValidations } from '../validation/invalidate.ts';
import { auditLifecycle, deployedLineItem, lineItemNow } from './lifecycle-parts.ts';

export interface TransferInput {
  accountId: string;
  /**
   * What happens to the line item's active activations: `move` them with it (their devices now
   * belong to the new owner and their licences keep working), or `require-returned` (refuse while
   * any is active).
   */
  activations: 'move' | 'require-returned';
  entitlementId?: string | undefined;
}

/** A transfer or split: the line item operated on, and the one that took over (part of) it. */
export interface LifecycleResult {
  lineItem: LineItem;
  newLineItem: LineItem;
  /** The entitlement of the new line item. */
  entitlementId: string;
}

/** Who may transfer line items: the producer, and partners (their customers' and their own). */
const transferRoles = ['admin', 'operator', 'partner'] as const;

/** Whether to offer this person transfers; the line item's scope and state decide the rest. */
export function mayTransferLineItems(actor: Actor): boolean {
  return hasRole(actor, transferRoles);
}

/**
 * Hands a deployed line item to another account, as a partner hands stock to its end customer:
 * the whole quantity moves to a new line item of a new entitlement of that account, and the old one
 * is closed (obsolete) in the same transaction, so no count can ever be used on both.
 */
export async function transferLineItem(
  ctx: ServiceContext,
  actor: Actor,
  activationId: string,
  input: TransferInput,
): Promise<LifecycleResult> {
  requireRole(actor, transferRoles);
  return inTransaction(ctx, async (tx, at) => {
    const { lineItem, entitlement } = await deployedLineItem(tx, actor, activationId, 'A transfer');
    const target = await targetAccount(tx, actor, input.accountId, '/accountId');
    if (target === entitlement.soldTo)
      throw new AppError('UNPROCESSABLE', 'The line item already belongs to that account.');
    const active = await activeActivationsOf(tx, lineItem.id);
    if (input.activations === 'require-returned' && lineItem.usedCount > 0) {
      throw new AppError(
        'INVALID_STATE',
        `${lineItem.usedCount} of its count is activated; return those activations first, or transfer with activations: "move".`,
      );
    }
    const before = await lineItemNow(tx, lineItem.id);
    const { pk, successor } = await successorElsewhere(
      tx,
      at,
      entitlement,
      lineItem,
      target,
      lineItem.quantity,
      input.entitlementId,
    );
    if (!(await closeTransferred(tx, lineItem.id, lineItem.usedCount, at)))
      throw new AppError('INVALID_STATE', 'The line item changed meanwhile; read it again.');
    for (const activation of active) {
      const device = await upsertDevice(tx, {
        id: newId('device'),
        accountId: target,
        fingerprint: activation.fingerprint,
        name: null,
        at,
      });
      await moveActivation(tx, activation.id, {
        lineItemId: successor.id,
        entitlementPk: pk,
        accountId: target,
        deviceId: device.id,
      });
    }
    await setUsedCount(tx, successor.id, lineItem.usedCount);
    await moveLiveLeases(tx, lineItem.id, successor.id, at);
    await invalidateValidations(ctx, tx, 'all');
    const after = await lineItemNow(tx, lineItem.id);
    const created = await lineItemNow(tx, successor.id);
    await audit(tx, actor, at, {
      action: 'entitlement.created',
      subjectType: 'entitlement',
      subjectId: pk,
      after: await loadEntitlementByPk(tx, pk),
    });
    await auditLifecycle(
      tx,
      actor,
      at,
      'transfer',
      { id: lineItem.id, before, after },
      { id: successor.id, after: created },
      {
        toAccountId: target,
        movedActivations: active.length,
      },
    );
    return { lineItem: after, newLineItem: created, entitlementId: created.entitlementId };
  });
}

/**
 * The accounts `targetAccount` accepts, as a filter for a page to offer them: any for the producer,
 * for a partner its own customers.
 */
export function targetAccountFilter(actor: Actor): { parentAccountId?: string } {
  const own = ownAccountId(actor);
  return isProducer(actor) || own === null ? {} : { parentAccountId: own };
}

/**
 * The account a line item (or part of it) may go to: any for the producer; for a partner its own
 * customers only. An account the caller may not see does not exist for it.
 */
export async function targetAccount(tx: Db, actor: Actor, accountId: string, field: string): Promise<string> {
  const account = await findAccount(tx, accountId);
  const reachable = account && (isProducer(actor) || account.parentAccountId === ownAccountId(actor));
  if (!account || !reachable) throw unknownReference(field, `Account ${accountId}`);
  return account.id;
}

/**
 * A new line item taking over from `from` in a new deployed entitlement of `owner`: same product,
 * dates and channel partners, the new owner as end customer, lineage to the old line item.
 */
export async function successorElsewhere(
  tx: Db,
  at: string,
  entitlement: EntitlementRecord,
  from: LineItemRecord,
  owner: string,
  quantity: number,
  entitlementId: string | undefined,
): Promise<{ pk: string; successor: { id: string } }> {
  const pk = newId('entitlement');
  const id = entitlementId ?? generateEntitlementId();
  const partners = (await partnersOfEntitlement(tx, entitlement.pk)).filter((p) => p.tier !== 'endCustomer');
  await unlessDuplicate(
    insertEntitlement(
      tx,
      {
        ...entitlement,
        pk,
        id,
        idGenerated: entitlementId === undefined,
        state: 'deployed',
        soldTo: owner,
        shipToEmail: null,
        shipToAddress: null,
        registrationData: null,
        // Only the entitlement a key was redeemed into records that key; this one came from it.
        webRegisterKey: null,
        bulkEntitlementPk: null,
        parentEntitlementPk: entitlement.pk,
        at,
      },
      [...partners, { accountId: owner, tier: 'endCustomer', contactId: null }],
    ),
    `Entitlement ${id} already exists.`,
    '/entitlementId',
  );
  const successor = successorLineItem(pk, 0, from, quantity, at);
  await insertLineItems(tx, [successor]);
  return { pk, successor };
}

/** A new deployed line item taking over `quantity` of `from`: same product and dates, a new code. */
export function successorLineItem(
  entitlementPk: string,
  position: number,
  from: LineItemRecord,
  quantity: number,
  at: string,
): NewLineItem {
  return {
    id: newId('lineItem'),
    entitlementPk,
    position,
    activationId: generateCode(),
    activationIdGenerated: true,
    productId: from.productId,
    quantity,
    startDate: from.startDate,
    expirationDate: from.expirationDate,
    state: 'deployed',
    parentLineItemId: from.id,
    at,
  };
}
