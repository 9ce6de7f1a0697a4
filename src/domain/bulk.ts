import type { LicenseModelKind } from './catalog.ts';
import { ENTITLEMENT_ID_PATTERN } from './codes.ts';
import type { Registration, RegistrationField } from './entitlements.ts';
import { AppError, invalidField } from './errors.ts';

export const DEFAULT_ENTITLEMENT_ID_PATTERN = '{key}ENT';

/**
 * The license models a web register key can be activated with: a key activates one device (or
 * nothing is counted). A floating seat is checked out with an activation ID through the lease API,
 * which a key's end customer does not have, so stock of a floating product could never be used.
 */
export const STOCK_LICENSE_MODEL_KINDS: readonly LicenseModelKind[] = ['node-locked', 'uncounted'];

export function checkStockLicenseModel(model: { kind: LicenseModelKind }, productName: string, field: string): void {
  if (!STOCK_LICENSE_MODEL_KINDS.includes(model.kind)) {
    throw new AppError(
      'UNPROCESSABLE',
      `${productName} is licensed ${model.kind}: web register keys activate node-locked or uncounted products only. Sell a ${model.kind} product as a simple entitlement.`,
      { fields: [{ field, message: `is ${model.kind}; stock needs a node-locked or uncounted product` }] },
    );
  }
}
export const PATTERN_PLACEHOLDERS = ['{key}', '{bulk}', '{seq}'] as const;

/**
 * An entitlement ID pattern must make a different ID for every key, so it carries `{key}` or
 * `{seq}`; the text around the placeholders is made of entitlement ID characters.
 */
export function checkEntitlementIdPattern(pattern: string, field = '/entitlementIdPattern'): void {
  if (!pattern.includes('{key}') && !pattern.includes('{seq}')) {
    throw invalidField(field, 'must contain {key} or {seq}, so that every key makes its own entitlement ID');
  }
  const literal = pattern.replaceAll('{key}', '').replaceAll('{bulk}', '').replaceAll('{seq}', '');
  if (literal.length > 0 && !/^[A-Za-z0-9._-]+$/.test(literal)) {
    throw invalidField(field, 'may hold {key}, {bulk}, {seq} and the characters A-Z a-z 0-9 . _ -');
  }
}

/** The ID a redeemed key's entitlement gets; undefined when the result is not a valid entitlement ID. */
export function applyEntitlementIdPattern(
  pattern: string,
  values: { key: string; bulk: string; seq: number },
): string | undefined {
  const id = pattern
    .replaceAll('{key}', values.key)
    .replaceAll('{bulk}', values.bulk)
    .replaceAll('{seq}', String(values.seq));
  return ENTITLEMENT_ID_PATTERN.test(id) ? id : undefined;
}

export const noRegistration: Registration = { policy: 'none', fields: [] };

export function checkRegistrationPolicy(registration: Registration): void {
  if (registration.policy === 'none' && registration.fields.length > 0) {
    throw invalidField('/registration/fields', 'a policy of none asks for no fields');
  }
  if (registration.policy !== 'none' && registration.fields.length === 0) {
    throw invalidField('/registration/fields', `a policy of ${registration.policy} names the fields it asks for`);
  }
  if (new Set(registration.fields).size !== registration.fields.length) {
    throw invalidField('/registration/fields', 'lists a field twice');
  }
}

export type RegistrationData = Partial<Record<RegistrationField, string>>;

/**
 * What a redemption may store about the person behind it. With `none`, nothing: data sent anyway
 * is refused, not silently dropped, so the partner learns its agreement holds. With `required`,
 * every listed field must be there; with `optional`, only listed fields may be.
 */
export function checkRegistrationData(
  policy: Registration,
  data: RegistrationData | undefined,
): RegistrationData | null {
  const given = Object.entries(data ?? {}).filter(([, value]) => value !== undefined && value.trim() !== '');
  if (policy.policy === 'none') {
    if (given.length > 0) {
      throw new AppError(
        'REGISTRATION_NOT_ALLOWED',
        'This bulk entitlement collects no registration data; send none.',
        {
          fields: given.map(([field]) => ({ field: `/registration/${field}`, message: 'not collected' })),
        },
      );
    }
    return null;
  }
  const asked = new Set<string>(policy.fields);
  const unasked = given.filter(([field]) => !asked.has(field));
  if (unasked.length > 0) {
    throw new AppError(
      'REGISTRATION_NOT_ALLOWED',
      'Only the registration fields this bulk entitlement asks for may be sent.',
      {
        fields: unasked.map(([field]) => ({ field: `/registration/${field}`, message: 'not asked for' })),
      },
    );
  }
  if (policy.policy === 'required') {
    const present = new Set(given.map(([field]) => field));
    const missing = policy.fields.filter((field) => !present.has(field));
    if (missing.length > 0) {
      throw new AppError('REGISTRATION_REQUIRED', 'This bulk entitlement requires registration.', {
        fields: missing.map((field) => ({ field: `/registration/${field}`, message: 'required' })),
      });
    }
  }
  return given.length > 0 ? (Object.fromEntries(given.map(([k, v]) => [k, v.trim()])) as RegistrationData) : null;
}

export const keyStates = ['unredeemed', 'redeemed', 'void'] as const;
export type KeyState = (typeof keyStates)[number];

export interface WebRegisterKey {
  key: string;
  state: KeyState;
  /** The bulk entitlement that holds it. */
  entitlementId: string;
  redeemedEntitlementId: string | null;
  redeemedAt: string | null;
  voidedAt: string | null;
  loadId: string;
  loadedAt: string;
}

export const keyRejectionReasons = ['invalid', 'duplicate-in-load', 'already-exists', 'entitlement-id-taken'] as const;
export type KeyRejectionReason = (typeof keyRejectionReasons)[number];

export interface RejectedKey {
  key: string;
  reason: KeyRejectionReason;
  /** For `entitlement-id-taken`: the existing entitlement whose ID this key's redemption would get. */
  entitlementId?: string;
}

/**
 * One line of a key file: surrounding spaces trimmed; blank lines and `#` comments carry no key.
 */
export function keyFromLine(line: string): string | undefined {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#') ? undefined : trimmed;
}
