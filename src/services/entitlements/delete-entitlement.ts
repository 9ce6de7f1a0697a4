import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { deleteEntitlement as deleteRows, hasSplitChildren, loadEntitlement } from '../../store/entitlements.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { invalidateValidations } from '../validation/invalidate.ts';
import { claimEditable, findVisibleEntitlement } from './find-entitlement.ts';

/**
 * Draft and test entitlements may be deleted, with their line items and unredeemed keys. What a
 * redemption made stays: a key is redeemed once, ever, so neither the entitlement it became nor
 * the bulk entitlement it came from can disappear; they can be made obsolete.
 */
export async function deleteEntitlement(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  requireProducer(actor);
  await inTransaction(ctx, async (tx, at) => {
    const row = await findVisibleEntitlement(tx, actor, id);
    const before = await loadEntitlement(tx, row);
    await claimEditable(tx, row, at, 'deleting');
    if (row.webRegisterKey !== null || row.keys.redeemed > 0) {
      throw new AppError(
        'INVALID_STATE',
        `Entitlement ${id} records a redeemed web register key; make it obsolete instead of deleting it.`,
      );
    }
    if (await hasSplitChildren(tx, row.pk)) {
      throw new AppError(
        'INVALID_STATE',
        `Stock of entitlement ${id} was split to other bulk entitlements; make it obsolete instead.`,
      );
    }
    await invalidateValidations(ctx, tx, 'all');
    await deleteRows(tx, row.pk);
    await audit(tx, actor, at, {
      action: 'entitlement.deleted',
      subjectType: 'entitlement',
      subjectId: row.pk,
      before,
    });
  });
}
