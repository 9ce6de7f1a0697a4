/**
 * What part of the data an actor can see (DESIGN.md §2 rule 4). Services compute the scope from
 * the actor (src/services/access.ts); the store turns it into SQL, so a list, a count and a lookup
 * by ID can never disagree about what exists for the caller.
 */
export type Scope =
  | { kind: 'all' }
  /** The partner's own account, its child accounts, and entitlements it owns or is channel partner on. */
  | { kind: 'partner'; accountId: string }
  /** The customer's own account and what it owns. */
  | { kind: 'customer'; accountId: string }
  /** An anonymous end customer: its account, its devices and activations, but no entitlements. */
  | { kind: 'anonymous'; accountId: string };
