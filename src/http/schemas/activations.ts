import { FINGERPRINT_MAX_CHARS, FINGERPRINT_PATTERN_SOURCE } from '../../licensing/fingerprint-format.ts';
import { Type } from 'typebox';
import { activationStates, validationCodes } from '../../domain/activations.ts';
import { registrationFields } from '../../domain/entitlements.ts';
import { Nullable, Strict, StringEnum, Timestamp } from './common.ts';

export const ActivationSchema = Type.Object({
  id: Type.String({ examples: ['act_0193a7c2e4d87b3a9f1c2d3e4f5a6b7c'] }),
  activationId: Type.String({ description: "The line item's activation code." }),
  entitlementId: Type.String(),
  deviceId: Type.String(),
  deviceName: Nullable(Type.String()),
  fingerprint: Type.String(),
  count: Type.Integer(),
  state: StringEnum(activationStates),
  test: Type.Boolean(),
  offline: Type.Boolean(),
  accountId: Type.String({ description: 'The account that owns the device.' }),
  productId: Type.String(),
  issuedAt: Timestamp,
  expiresAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
});

export const LicenseSchema = Type.Object({
  token: Type.String({ description: 'Compact JWS (EdDSA), verifiable with /.well-known/jwks.json.' }),
  file: Type.String({ description: 'The token armoured between BEGIN/END LICENTIA LICENSE lines.' }),
});

export const ActivationAnswer = Type.Object({ activation: ActivationSchema, license: LicenseSchema });

export const DeviceSchema = Type.Object({
  id: Type.String(),
  accountId: Type.String(),
  fingerprint: Type.String(),
  name: Nullable(Type.String()),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  activeActivations: Type.Integer(),
});

export const LeaseSchema = Type.Object({
  id: Type.String(),
  activationId: Type.String(),
  entitlementId: Type.String(),
  fingerprint: Type.String(),
  deviceName: Nullable(Type.String()),
  test: Type.Boolean(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  releasedAt: Nullable(Timestamp),
  token: Type.String({
    description: 'A JWS (typ licentia-lease+jwt) the application may verify offline until expiresAt.',
  }),
});

export const ValidationSchema = Type.Object({
  valid: Type.Boolean(),
  code: StringEnum(validationCodes),
  id: Type.Optional(Type.String({ description: 'The activation, when one was found.' })),
  expiresAt: Type.Optional(Nullable(Timestamp)),
  test: Type.Optional(Type.Boolean()),
});

/** Printable Unicode without leading or trailing space; compared in NFC (`src/licensing/fingerprint-format.ts`). */
export const Fingerprint = Type.String({
  minLength: 1,
  maxLength: FINGERPRINT_MAX_CHARS,
  pattern: FINGERPRINT_PATTERN_SOURCE,
  description:
    'Identifies the device: 1–256 printable characters of any script (the client library computes one), no leading or ' +
    'trailing space; compared in Unicode NFC.',
});
export const Code = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'An activation ID or a web register key, any case, hyphens optional.',
});
export const DeviceName = Type.String({ maxLength: 200 });

const PublicJwk = Strict({
  kty: Type.Literal('OKP'),
  crv: Type.Literal('Ed25519'),
  x: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  kid: Type.Optional(Type.String({ maxLength: 200 })),
  alg: Type.Optional(Type.Literal('EdDSA')),
  use: Type.Optional(Type.Literal('sig')),
});

export const Registration = Strict(
  Object.fromEntries(registrationFields.map((f) => [f, Type.Optional(Type.String({ maxLength: 500 }))])),
);

/** What a device (or the end customer's activation page) sends to activate. */
export const ActivateBody = Strict({
  code: Code,
  fingerprint: Fingerprint,
  deviceName: Type.Optional(DeviceName),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  publicKey: Type.Optional(PublicJwk),
  registration: Type.Optional(Registration),
});
