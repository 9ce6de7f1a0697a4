import type { Actor } from '../../domain/actors.ts';
import { type Product, compareVersions, upgradeAllowed } from '../../domain/catalog.ts';
import { checkDate, startOfDate, today } from '../../domain/dates.ts';
import { type LineItem, MAX_QUANTITY } from '../../domain/entitlements.ts';
import { AppError, invalidField, unknownReference } from '../../domain/errors.ts';
import { findProduct, upgradeCandidates } from '../../store/catalog.ts';
import { addQuantity, setExpiration, setProduct } from '../../store/lifecycle.ts';
import { isProducer, requireProducer } from '../access.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { findVisibleLineItem } from '../entitlements/find-entitlement.ts';
import { invalidateValidations } from '../validation/invalidate.ts';
import { auditLifecycle, deployedLineItem, lineItemNow } from './lifecycle-parts.ts';

/**
 * Renew, upsell and upgrade change a deployed line item where it stands: its activation ID stays,
 * so no device needs a new code; the terms before are kept as the line item's version
 * (`auditLifecycle`), and the change is in the audit log (before and after).
 */

/** Whether to offer this person renewals, upsells and upgrades: they are the producer's. */
export function mayChangeLineItems(actor: Actor): boolean {
  return isProducer(actor);
}

/** A later expiration date. Licences issued from now on carry it; a device gets one by activating again. */
export async function renewLineItem(
  ctx: ServiceContext,
  actor: Actor,
  activationId: string,
  expirationDate: string,
): Promise<LineItem> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const { lineItem } = await deployedLineItem(tx, actor, activationId, 'A renewal');
    if (lineItem.expirationDate === null)
      throw new AppError('UNPROCESSABLE', 'The line item is permanent; there is nothing to renew.');
    checkDate(expirationDate, '/expirationDate');
    if (expirationDate <= lineItem.expirationDate)
      throw invalidField('/expirationDate', `must be after the current ${lineItem.expirationDate}`);
    if (startOfDate(expirationDate) < startOfDate(today(new Date(at))))
      throw invalidField('/expirationDate', 'must not be in the past');
    const before = await lineItemNow(tx, lineItem.id);
    if (!(await setExpiration(tx, lineItem.id, expirationDate, at)))
      throw new AppError('INVALID_STATE', 'The line item changed meanwhile; read it again.');
    await invalidateValidations(ctx, tx, 'all');
    const after = await lineItemNow(tx, lineItem.id);
    await auditLifecycle(tx, actor, at, 'renew', { id: lineItem.id, before, after });
    return after;
  });
}

/** More quantity on the same activation ID. */
export async function upsellLineItem(
  ctx: ServiceContext,
  actor: Actor,
  activationId: string,
  quantity: number,
): Promise<LineItem> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const { lineItem } = await deployedLineItem(tx, actor, activationId, 'An upsell');
    // The line item is locked, so its quantity cannot move between this check and the update.
    if (lineItem.quantity + quantity > MAX_QUANTITY) {
      const most = MAX_QUANTITY - lineItem.quantity;
      throw new AppError(
        'UNPROCESSABLE',
        `A line item holds at most ${MAX_QUANTITY}; this one can take ${most} more.`,
        {
          fields: [{ field: '/quantity', message: `at most ${most}` }],
        },
      );
    }
    const before = await lineItemNow(tx, lineItem.id);
    if (!(await addQuantity(tx, lineItem.id, quantity, at)))
      throw new AppError('INVALID_STATE', 'The line item changed meanwhile; read it again.');
    const after = await lineItemNow(tx, lineItem.id);
    await auditLifecycle(tx, actor, at, 'upsell', { id: lineItem.id, before, after }, undefined, { added: quantity });
    return after;
  });
}

/**
 * Another product the catalogue allows a line item of its product to go to (`upgradeAllowed`: a
 * newer version of the same name, or a product whose `upgradesFrom` names it). Activations made
 * before keep the product they were licensed for until they are returned; new activations get the
 * new one.
 */
export async function upgradeLineItem(
  ctx: ServiceContext,
  actor: Actor,
  activationId: string,
  productId: string,
): Promise<LineItem> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const { lineItem } = await deployedLineItem(tx, actor, activationId, 'An upgrade');
    const [current, next] = await Promise.all([findProduct(tx, lineItem.productId), findProduct(tx, productId)]);
    if (!next) throw unknownReference('/productId', `Product ${productId}`);
    if (!current) throw new Error(`the product of line item ${lineItem.id} vanished`);
    if (!upgradeAllowed(current, next)) {
      throw new AppError(
        'UPGRADE_NOT_ALLOWED',
        `${current.name} ${current.version} cannot be upgraded to ${next.name} ${next.version}: an upgrade goes to a newer version of ${current.name}, or to a product whose upgradesFrom lists ${current.name} ${current.version}.`,
        {
          fields: [
            {
              field: '/productId',
              message: 'must be a newer version of the same product, or a product whose upgradesFrom lists this one',
            },
          ],
        },
      );
    }
    const before = await lineItemNow(tx, lineItem.id);
    if (!(await setProduct(tx, lineItem.id, productId, at)))
      throw new AppError('INVALID_STATE', 'The line item changed meanwhile; read it again.');
    const after = await lineItemNow(tx, lineItem.id);
    await auditLifecycle(tx, actor, at, 'upgrade', { id: lineItem.id, before, after }, undefined, {
      fromProductId: current.id,
    });
    return after;
  });
}

/**
 * The products a line item may be upgraded to now, as `upgradeLineItem` decides: same name first
 * by version, then the others by name. For the producer, who upgrades; nobody else is offered any.
 */
export async function upgradeTargets(ctx: ServiceContext, actor: Actor, activationId: string): Promise<Product[]> {
  requireProducer(actor);
  const { lineItem } = await findVisibleLineItem(ctx.store.db, actor, activationId);
  const current = await findProduct(ctx.store.db, lineItem.productId);
  if (!current) return [];
  const targets = (await upgradeCandidates(ctx.store.db, current)).filter((p) => upgradeAllowed(current, p));
  const rank = (p: Product) => (p.name === current.name ? 0 : 1);
  return targets.sort(
    (a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || compareVersions(a.version, b.version),
  );
}
