import type { Actor } from '../../domain/actors.ts';
import { deleteEntitlement as deleteRows, loadEntitlement } from '../../store/entitlements.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { claimEditable, findVisibleEntitlement } from './find-entitlement.ts';

export async function deleteEntitlement(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  requireProducer(actor);
  await inTransaction(ctx, async (tx, at) => {
    const row = await findVisibleEntitlement(tx, actor, id);
    const before = await loadEntitlement(tx, row);
    await claimEditable(tx, row, at, 'deleting');
    await deleteRows(tx, row.pk);
    await audit(tx, actor, at, { action: 'entitlement.deleted', subjectType: 'entitlement', subjectId: row.pk, before });
  });
}
