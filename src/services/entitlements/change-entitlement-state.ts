import type { Actor } from '../../domain/actors.ts';
import { type EntitlementState, canMove, movesFrom } from '../../domain/entitlement-states.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import { AppError } from '../../domain/errors.ts';
import { loadEntitlement, loadEntitlementByPk, moveEntitlementState } from '../../store/entitlements.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { invalidateValidations } from '../validation/invalidate.ts';
import { mailDeployedEntitlement } from '../mail/entitlement-mail.ts';
import { findVisibleEntitlement } from './find-entitlement.ts';

export async function changeEntitlementState(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  to: EntitlementState,
): Promise<Entitlement> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const row = await findVisibleEntitlement(tx, actor, id);
    const from = row.state as EntitlementState;
    if (!canMove(from, to)) {
      const allowed = movesFrom(from);
      throw new AppError(
        'INVALID_STATE',
        `Entitlement ${id} is ${from}; it can move to ${allowed.length ? allowed.join(', ') : 'no other state'}, not ${to}.`,
        { extensions: { state: from, allowed } },
      );
    }
    const before = await loadEntitlement(tx, row);
    if (!(await moveEntitlementState(tx, row.pk, from, to, at))) {
      throw new AppError('INVALID_STATE', `Entitlement ${id} changed state meanwhile; read it again.`);
    }
    await invalidateValidations(ctx, tx, 'all');
    const after = await loadEntitlementByPk(tx, row.pk);
    await audit(tx, actor, at, {
      action: 'entitlement.state-changed',
      subjectType: 'entitlement',
      subjectId: row.pk,
      before,
      after,
    });
    // Its first deployment, not a return from suspension, is when the customer hears of it.
    if (to === 'deployed' && from !== 'inactive') await mailDeployedEntitlement(ctx, tx, at, after);
    return after;
  });
}
