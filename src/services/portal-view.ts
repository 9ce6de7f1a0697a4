import type { Actor } from '../domain/actors.ts';
import { AppError } from '../domain/errors.ts';
import { isProducer, scopeOf } from './access.ts';

/**
 * Whose portal a signed-in person sees: its menu, its home page and the words its pages speak in
 * ("Customers" to a partner, "Accounts" to the producer). What a person may do on a page is not
 * decided here but asked of the policy beside each service (`mayLoadKeys`, `mayEditCatalog`, …).
 */
export type PortalView = 'producer' | 'partner' | 'customer' | 'end-customer';

export function portalView(actor: Actor): PortalView {
  if (isProducer(actor)) return 'producer';
  if (actor.type !== 'api-key' && actor.type !== 'user')
    throw new AppError('UNAUTHENTICATED', 'This needs an API key or a signed-in user.');
  if (actor.role === 'partner') return 'partner';
  return actor.accountAnonymous ? 'end-customer' : 'customer';
}

/** Whether what this person reads spans several accounts (the producer's all, a partner's own and its customers'). */
export function seesOtherAccounts(actor: Actor): boolean {
  const scope = scopeOf(actor);
  return scope.kind === 'all' || scope.kind === 'partner';
}
