import type { EntitlementState } from './entitlement-states.ts';

/** The lifecycle operations that change a deployed line item's terms, each leaving a version. */
export const lineItemOperations = ['renew', 'upsell', 'upgrade', 'split', 'transfer'] as const;
export type LineItemOperation = (typeof lineItemOperations)[number];

/** What a line item's version holds: the terms it was sold on at the time. */
export interface LineItemTerms {
  productId: string;
  quantity: number;
  startDate: string | null;
  expirationDate: string | null;
  /** Licence lifetime from activation (the product's license model then); null: permanent. */
  durationDays: number | null;
  state: EntitlementState;
}

export const termFields = [
  'productId',
  'quantity',
  'startDate',
  'expirationDate',
  'durationDays',
  'state',
] as const satisfies readonly (keyof LineItemTerms)[];

export interface TermChange {
  field: (typeof termFields)[number];
  from: string | number | null;
  to: string | number | null;
}

/** What differs from one version's terms to the next, field by field, in a fixed order. */
export function termChanges(before: LineItemTerms, after: LineItemTerms): TermChange[] {
  return termFields
    .filter((f) => before[f] !== after[f])
    .map((field) => ({ field, from: before[field], to: after[field] }));
}

/** One earlier version of a line item: its terms, and the operation that replaced them. */
export interface LineItemVersion extends LineItemTerms {
  version: number;
  operation: LineItemOperation;
  /** When the operation replaced these terms. */
  at: string;
  /** Who did it, as the audit log records it (`user:usr_…`, `api-key:key_…`), or as `actorSeenBy` shows it. */
  actor: string;
  /** The audit event of the operation. */
  eventId: string;
  /** After a split or transfer, the line item that took over, when the reader may see it. */
  successorActivationId: string | null;
  /** From these terms to the next version's (or the current ones). */
  changes: TermChange[];
}
