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

/** The user or API key an actor label names (the reverse of `actorLabel`); undefined for `public`, `system` and anything else. */
export function labelledActor(label: string): { type: 'user' | 'api-key'; id: string } | undefined {
  const colon = label.indexOf(':');
  if (colon < 0) return undefined;
  const type = label.slice(0, colon);
  return type === 'user' || type === 'api-key' ? { type, id: label.slice(colon + 1) } : undefined;
}

export const systemActor: Actor = { type: 'system' };
export const publicActor: Actor = { type: 'public' };

/** How another party's actor reads to an account's reader: as the kind of party, not its ID. */
export const producerActorLabel = 'producer';
export const otherAccountActorLabel = 'another-account';

/**
 * An actor label (`user:usr_…`, `api-key:key_…`, `system`, `public`) as `reader` may see it. The
 * producer's staff see every label as the audit log records it. A partner or customer sees its own
 * account's people and keys as they are, and anyone else only as the kind of party: `producer` for
 * the producer's staff and the command line, `another-account` for another account's: an ID of a
 * user or key it cannot look up tells it nothing it may know. Devices are `public` to everyone.
 * `actorAccountId` is the account of the user or key the label names (null: the producer's).
 */
export function actorSeenBy(reader: Actor, label: string, actorAccountId: string | null | undefined): string {
  if (reader.type === 'system' || reader.type === 'public') return label;
  if (!isAccountRole(reader.role)) return label;
  if (label === 'public') return label;
  if (label === 'system' || actorAccountId === null || actorAccountId === undefined) return producerActorLabel;
  return actorAccountId === reader.accountId ? label : otherAccountActorLabel;
}
