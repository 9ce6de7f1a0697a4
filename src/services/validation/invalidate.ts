import type { Db } from '../../store/database.ts';
import { type ServiceContext, onCommit } from '../context.ts';

/**
 * Whatever changes what a validation would answer calls this inside its transaction: this
 * process forgets the cached status once the change commits, other processes when they hear of it.
 */
export async function invalidateValidations(
  ctx: ServiceContext,
  tx: Db,
  what: { activationId: string } | 'all',
): Promise<void> {
  const payload = what === 'all' ? '*' : what.activationId;
  await ctx.store.announceChange(tx, payload);
  onCommit(tx, () => forget(ctx, payload));
}

export function forget(ctx: ServiceContext, payload: string): void {
  if (payload === '*') ctx.validationCache.forgetAll();
  else ctx.validationCache.forgetActivation(payload);
}
