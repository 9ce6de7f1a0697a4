import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyEntitlementIdPattern, checkRegistrationData } from '../../src/domain/bulk.ts';
import { ENTITLEMENT_ID_PATTERN } from '../../src/domain/codes.ts';
import { type Registration, registrationFields } from '../../src/domain/entitlements.ts';
import { AppError } from '../../src/domain/errors.ts';

/** The error a call throws, or a failure if it does not throw an AppError. */
function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  assert.fail('expected a refusal');
}

describe('entitlement ID patterns', () => {
  it('fill in the key, the bulk entitlement ID and the position', () => {
    const values = { key: 'ABCD-1234', bulk: 'STOCK-7', seq: 42 };
    assert.equal(applyEntitlementIdPattern('{key}ENT', values), 'ABCD-1234ENT');
    assert.equal(applyEntitlementIdPattern('{bulk}.{seq}', values), 'STOCK-7.42');
    assert.equal(applyEntitlementIdPattern('{key}-{key}', values), 'ABCD-1234-ABCD-1234');
  });

  it('make no ID when the result is too long or holds characters an ID may not', () => {
    assert.equal(applyEntitlementIdPattern('{key}ENT', { key: 'K'.repeat(62), bulk: 'B', seq: 0 }), undefined);
    assert.equal(applyEntitlementIdPattern('{key}', { key: 'K'.repeat(64), bulk: 'B', seq: 0 }), 'K'.repeat(64));
    assert.equal(applyEntitlementIdPattern('{bulk}/{seq}', { key: 'K', bulk: 'B', seq: 1 }), undefined);
  });

  it('answer a valid entitlement ID or nothing, and different keys give different IDs under {key}', () => {
    const idText = fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/);
    fc.assert(
      fc.property(idText, idText, idText, idText, fc.nat(1_000_000), (prefix, key, other, bulk, seq) => {
        const pattern = `${prefix}{key}`;
        const id = applyEntitlementIdPattern(pattern, { key, bulk, seq });
        if (id !== undefined && !ENTITLEMENT_ID_PATTERN.test(id)) return false;
        if (prefix.length + key.length <= 64 !== (id !== undefined)) return false;
        const otherId = applyEntitlementIdPattern(pattern, { key: other, bulk, seq });
        return id === undefined || otherId === undefined || (id === otherId) === (key === other);
      }),
    );
  });
});

describe('registration data of a redemption', () => {
  const none: Registration = { policy: 'none', fields: [] };
  const optional: Registration = { policy: 'optional', fields: ['name', 'email'] };
  const required: Registration = { policy: 'required', fields: ['name', 'country'] };

  it('stores nothing when nothing is asked and nothing is sent', () => {
    assert.equal(checkRegistrationData(none, undefined), null);
    assert.equal(checkRegistrationData(none, {}), null);
    assert.equal(checkRegistrationData(none, { name: '  ' }), null);
  });

  it('refuses data sent to a bulk entitlement that collects none, naming each field', () => {
    const error = refusal(() => checkRegistrationData(none, { name: 'Ada', email: 'ada@example.com' }));
    assert.equal(error.code, 'REGISTRATION_NOT_ALLOWED');
    assert.deepEqual(
      error.fields?.map((f) => f.field),
      ['/registration/name', '/registration/email'],
    );
  });

  it('takes the asked fields when optional, trimmed, and refuses fields not asked for', () => {
    assert.deepEqual(checkRegistrationData(optional, { name: ' Ada ' }), { name: 'Ada' });
    assert.equal(checkRegistrationData(optional, undefined), null);
    const error = refusal(() => checkRegistrationData(optional, { name: 'Ada', phone: '123' }));
    assert.equal(error.code, 'REGISTRATION_NOT_ALLOWED');
    assert.deepEqual(
      error.fields?.map((f) => f.field),
      ['/registration/phone'],
    );
  });

  it('requires every asked field when required, naming those missing', () => {
    assert.deepEqual(checkRegistrationData(required, { name: 'Ada', country: 'UK' }), { name: 'Ada', country: 'UK' });
    const error = refusal(() => checkRegistrationData(required, { name: 'Ada', country: ' ' }));
    assert.equal(error.code, 'REGISTRATION_REQUIRED');
    assert.deepEqual(
      error.fields?.map((f) => f.field),
      ['/registration/country'],
    );
  });

  it('either refuses or keeps exactly the non-blank asked fields, trimmed', () => {
    const field = fc.constantFrom(...registrationFields);
    const policy = fc.record({
      policy: fc.constantFrom('none', 'optional', 'required' as const),
      fields: fc.uniqueArray(field, { maxLength: registrationFields.length }),
    });
    const data = fc.dictionary(field, fc.oneof(fc.constant(' '), fc.string({ maxLength: 8 })), {
      maxKeys: registrationFields.length,
    });
    fc.assert(
      fc.property(policy, data, (registration, sent) => {
        const asked: readonly string[] = registration.policy === 'none' ? [] : registration.fields;
        const given = Object.entries(sent).filter(([, v]) => v.trim() !== '');
        let kept: ReturnType<typeof checkRegistrationData>;
        try {
          kept = checkRegistrationData(registration, sent);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          const unasked = given.some(([k]) => !asked.includes(k));
          const missing = registration.policy === 'required' && asked.some((k) => !given.some(([g]) => g === k));
          return (
            error.code === (unasked ? 'REGISTRATION_NOT_ALLOWED' : 'REGISTRATION_REQUIRED') && (unasked || missing)
          );
        }
        const expected = Object.fromEntries(given.map(([k, v]) => [k, v.trim()]));
        return (
          given.every(([k]) => asked.includes(k)) &&
          (given.length === 0 ? kept === null : JSON.stringify(kept) === JSON.stringify(expected))
        );
      }),
    );
  });
});
