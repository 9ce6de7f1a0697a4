import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowsActivation, canMove, entitlementStates, isEditable } from '../../src/domain/entitlement-states.ts';

describe('entitlement states', () => {
  it('allow exactly the moves of DESIGN.md §1', () => {
    const allowed = new Set([
      'draft>test',
      'draft>deployed',
      'test>deployed',
      'deployed>inactive',
      'inactive>deployed',
      'draft>obsolete',
      'test>obsolete',
      'deployed>obsolete',
      'inactive>obsolete',
    ]);
    for (const from of entitlementStates) {
      for (const to of entitlementStates) {
        assert.equal(canMove(from, to), allowed.has(`${from}>${to}`), `${from} → ${to}`);
      }
    }
  });

  it('make obsolete terminal', () => {
    for (const to of entitlementStates) assert.equal(canMove('obsolete', to), false);
  });

  it('allow editing in draft and test only, activation in test and deployed only', () => {
    assert.deepEqual(entitlementStates.filter(isEditable), ['draft', 'test']);
    assert.deepEqual(entitlementStates.filter(allowsActivation), ['test', 'deployed']);
  });
});
