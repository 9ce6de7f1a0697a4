/**
 * Who is calling. Every service call takes an Actor; permissions and scoping are decided from it
 * (src/services/access.ts), and the audit log records it.
 */
export const roles = ['admin', 'operator', 'partner', 'customer'] as const;
export type Role = (typeof roles)[number];

/** Roles that act for the producer and see everything. */
export const producerRoles = ['admin', 'operator'] as const satisfies readonly Role[];

/** Roles bound to one account, whose view is scoped to it. */
export const accountRoles = ['partner', 'customer'] as const satisfies readonly Role[];

export function isAccountRole(role: Role): role is (typeof accountRoles)[number] {
  return role === 'partner' || role === 'customer';
}

export type Actor =
  | { type: 'api-key' | 'user'; id: string; role: Role; accountId: string | null; accountAnonymous: boolean }
  /** A device or an end customer without an account: activation, validation, leases. */
  | { type: 'public' }
  /** The `licentia` command run by whoever operates the server. */
  | { type: 'system' };

export type AuthenticatedActor = Extract<Actor, { type: 'api-key' | 'user' }>;

export function actorLabel(actor: Actor): string {
  switch (actor.type) {
    case 'api-key':
    case 'user':
      return `${actor.type}:${actor.id}`;
    case 'public':
      return 'public';
    case 'system':
      return 'system';
  }
}

export const systemActor: Actor = { type: 'system' };
export const publicActor: Actor = { type: 'public' };
