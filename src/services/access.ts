import { type Actor, type Role, producerRoles } from '../domain/actors.ts';
import { AppError } from '../domain/errors.ts';
import type { Scope } from '../domain/scope.ts';

/**
 * Who may do what. Services call these before anything else; the answer depends only on the
 * actor, never on the HTTP route, so the portal and the API enforce the same rules.
 */
export function requireRole(
  actor: Actor,
  allowed: readonly Role[],
): asserts actor is Exclude<Actor, { type: 'public' }> {
  if (actor.type === 'system') return;
  if (actor.type === 'public') throw new AppError('UNAUTHENTICATED', 'This needs an API key or a signed-in user.');
  if (!allowed.includes(actor.role)) {
    throw new AppError('FORBIDDEN', `The ${actor.role} role may not do this.`);
  }
}

/** What `requireRole` checks, as an answer: for pages deciding what to offer. */
export function hasRole(actor: Actor, allowed: readonly Role[]): boolean {
  if (actor.type === 'system') return true;
  if (actor.type === 'public') return false;
  return allowed.includes(actor.role);
}

export function requireProducer(actor: Actor): void {
  requireRole(actor, producerRoles);
}

export function requireAdmin(actor: Actor): void {
  requireRole(actor, ['admin']);
}

export function isProducer(actor: Actor): boolean {
  return (
    actor.type === 'system' ||
    ((actor.type === 'api-key' || actor.type === 'user') && (actor.role === 'admin' || actor.role === 'operator'))
  );
}

/**
 * The part of the data an actor sees. `anonymous` marks an end customer account the partner
 * created: it may activate and return, never browse entitlements.
 */
export function scopeOf(actor: Actor): Scope {
  if (actor.type === 'system') return { kind: 'all' };
  if (actor.type === 'public') throw new AppError('UNAUTHENTICATED', 'This needs an API key or a signed-in user.');
  if (actor.role === 'admin' || actor.role === 'operator') return { kind: 'all' };
  if (actor.accountId === null)
    throw new AppError('FORBIDDEN', `A ${actor.role} credential must belong to an account.`);
  if (actor.role === 'partner') return { kind: 'partner', accountId: actor.accountId };
  return actor.accountAnonymous
    ? { kind: 'anonymous', accountId: actor.accountId }
    : { kind: 'customer', accountId: actor.accountId };
}

/** The account a partner or customer credential acts for; null for the producer. */
export function ownAccountId(actor: Actor): string | null {
  return actor.type === 'api-key' || actor.type === 'user' ? actor.accountId : null;
}
