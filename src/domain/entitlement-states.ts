/**
 * The life of an entitlement and its line items (DESIGN.md §1). Every rule about what a state
 * allows is here, so services and pages ask these functions instead of comparing strings.
 */
export const entitlementStates = ['draft', 'test', 'deployed', 'inactive', 'obsolete'] as const;
export type EntitlementState = (typeof entitlementStates)[number];

/** States an entitlement may be created in. */
export const initialStates = ['draft', 'test'] as const satisfies readonly EntitlementState[];

const allowedMoves: Record<EntitlementState, readonly EntitlementState[]> = {
  draft: ['test', 'deployed', 'obsolete'],
  test: ['deployed', 'obsolete'],
  deployed: ['inactive', 'obsolete'],
  inactive: ['deployed', 'obsolete'],
  obsolete: [],
};

export function canMove(from: EntitlementState, to: EntitlementState): boolean {
  return allowedMoves[from].includes(to);
}

export function movesFrom(state: EntitlementState): readonly EntitlementState[] {
  return allowedMoves[state];
}

/** Draft and test entitlements may be edited, deleted, given line items and new IDs. */
export function isEditable(state: EntitlementState): boolean {
  return state === 'draft' || state === 'test';
}

export function allowsActivation(state: EntitlementState): boolean {
  return state === 'deployed' || state === 'test';
}

export function isTest(state: EntitlementState): boolean {
  return state === 'test';
}

/** Lifecycle operations (transfer, split, renew, upsell, upgrade) work on deployed line items only. */
export function allowsLifecycle(state: EntitlementState): boolean {
  return state === 'deployed';
}
