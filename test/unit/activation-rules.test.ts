import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type ActivationState,
  activationStates,
  licenseExpiry,
  validationOutcome,
} from '../../src/domain/activations.ts';
import { endOfDate } from '../../src/domain/dates.ts';
import { type EntitlementState, entitlementStates } from '../../src/domain/entitlement-states.ts';

const DAY = 86_400_000;
const issuedAt = new Date('2026-03-10T12:00:00.000Z');

/** An activation as validation sees it: good unless a test changes something. */
function status(
  changes: Partial<Parameters<typeof validationOutcome>[0]> = {},
): Parameters<typeof validationOutcome>[0] {
  return {
    activationState: 'active',
    lineItemState: 'deployed',
    entitlementState: 'deployed',
    fingerprint: 'fp-1',
    notBefore: issuedAt,
    expiresAt: new Date(issuedAt.getTime() + 30 * DAY),
    ...changes,
  };
}

const later = new Date(issuedAt.getTime() + DAY);

describe('licence expiry', () => {
  it('is open when neither the line item nor the model limits it', () => {
    assert.equal(licenseExpiry(null, { durationDays: null }, issuedAt), null);
  });

  it('ends with the whole expiration date of the line item (UTC)', () => {
    assert.equal(
      licenseExpiry('2026-06-30', { durationDays: null }, issuedAt)?.toISOString(),
      '2026-07-01T00:00:00.000Z',
    );
  });

  it('runs durationDays from the activation for a time-limited model', () => {
    assert.equal(licenseExpiry(null, { durationDays: 14 }, issuedAt)?.toISOString(), '2026-03-24T12:00:00.000Z');
  });

  it('takes whichever of the two comes first', () => {
    assert.equal(
      licenseExpiry('2026-03-15', { durationDays: 30 }, issuedAt)?.toISOString(),
      '2026-03-16T00:00:00.000Z',
    );
    assert.equal(
      licenseExpiry('2026-12-31', { durationDays: 30 }, issuedAt)?.toISOString(),
      '2026-04-09T12:00:00.000Z',
    );
  });

  it('is never later than either limit, and is one of them', () => {
    const date = fc
      .integer({ min: 0, max: 3650 })
      .map((days) => new Date(Date.UTC(2024, 0, 1) + days * DAY).toISOString().slice(0, 10));
    fc.assert(
      fc.property(
        fc.option(date, { nil: null }),
        fc.option(fc.integer({ min: 1, max: 3650 }), { nil: null }),
        fc.integer({ min: 0, max: 3650 * DAY }),
        (expirationDate, durationDays, offset) => {
          const at = new Date(Date.UTC(2024, 0, 1) + offset);
          const expiry = licenseExpiry(expirationDate, { durationDays }, at);
          const limits = [
            ...(expirationDate === null ? [] : [endOfDate(expirationDate).getTime()]),
            ...(durationDays === null ? [] : [at.getTime() + durationDays * DAY]),
          ];
          if (limits.length === 0) return expiry === null;
          return expiry !== null && limits.includes(expiry.getTime()) && limits.every((l) => expiry.getTime() <= l);
        },
      ),
    );
  });
});

describe('what a validation answers', () => {
  it('is VALID for an active activation of a deployed line item, on its device, within its dates', () => {
    assert.equal(validationOutcome(status(), { fingerprint: 'fp-1' }, later), 'VALID');
    assert.equal(validationOutcome(status(), {}, later), 'VALID');
    assert.equal(validationOutcome(status({ expiresAt: null }), {}, new Date('2099-01-01')), 'VALID');
  });

  it('says RETURNED and REVOKED for activations that ended', () => {
    assert.equal(validationOutcome(status({ activationState: 'returned' }), {}, later), 'RETURNED');
    assert.equal(validationOutcome(status({ activationState: 'revoked' }), {}, later), 'REVOKED');
  });

  it('treats an obsolete line item or entitlement as revoked, an inactive one as suspended', () => {
    assert.equal(validationOutcome(status({ lineItemState: 'obsolete' }), {}, later), 'REVOKED');
    assert.equal(validationOutcome(status({ entitlementState: 'obsolete' }), {}, later), 'REVOKED');
    assert.equal(validationOutcome(status({ lineItemState: 'inactive' }), {}, later), 'SUSPENDED');
    assert.equal(validationOutcome(status({ entitlementState: 'inactive' }), {}, later), 'SUSPENDED');
  });

  it('says FINGERPRINT_MISMATCH when another device asks', () => {
    assert.equal(validationOutcome(status(), { fingerprint: 'fp-2' }, later), 'FINGERPRINT_MISMATCH');
  });

  it('says NOT_YET_VALID before the licence starts and EXPIRED from its expiry on', () => {
    assert.equal(validationOutcome(status(), {}, new Date(issuedAt.getTime() - 1)), 'NOT_YET_VALID');
    assert.equal(validationOutcome(status(), {}, issuedAt), 'VALID');
    const expiresAt = status().expiresAt ?? issuedAt;
    assert.equal(validationOutcome(status(), {}, new Date(expiresAt.getTime() - 1)), 'VALID');
    assert.equal(validationOutcome(status(), {}, expiresAt), 'EXPIRED');
  });

  it('puts an ended activation before every other reason, then the states, then the device, then the dates', () => {
    const state = <T extends string>(values: readonly T[]) => fc.constantFrom(...values);
    fc.assert(
      fc.property(
        state<ActivationState>(activationStates),
        state<EntitlementState>(entitlementStates),
        state<EntitlementState>(entitlementStates),
        fc.boolean(),
        fc.integer({ min: -60, max: 60 }),
        (activationState, lineItemState, entitlementState, sameDevice, day) => {
          const s = status({ activationState, lineItemState, entitlementState });
          const now = new Date(issuedAt.getTime() + day * DAY);
          const answer = validationOutcome(s, { fingerprint: sameDevice ? 'fp-1' : 'fp-2' }, now);
          const states = [lineItemState, entitlementState];
          if (activationState === 'returned') return answer === 'RETURNED';
          if (activationState === 'revoked' || states.includes('obsolete')) return answer === 'REVOKED';
          if (states.includes('inactive')) return answer === 'SUSPENDED';
          if (!sameDevice) return answer === 'FINGERPRINT_MISMATCH';
          if (day < 0) return answer === 'NOT_YET_VALID';
          return answer === (day >= 30 ? 'EXPIRED' : 'VALID');
        },
      ),
    );
  });
});
