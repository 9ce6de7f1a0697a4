import { type Static, Type } from 'typebox';
import { activationStates, validationCodes } from '../../domain/activations.ts';
import { Nullable, StringEnum, Timestamp } from '../../interface/schemas/common.ts';

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
  file: Type.String({
    description: 'The token armoured between BEGIN/END LICENTIA LICENSE lines.',
    examples: [
      '-----BEGIN LICENTIA LICENSE-----\neyJhbGciOiJFZERTQSIsImtpZCI6ImtfMDEifQ.eyJsaWQiOiJBQ1QtOUdYNEsifQ.c2lnbmF0dXJl\n-----END LICENTIA LICENSE-----\n',
    ],
  }),
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

/** Response bodies as clients (and the tests) read them. */
export type ActivationBody = Static<typeof ActivationSchema>;
export type LicenseBody = Static<typeof LicenseSchema>;
export type ActivationAnswerBody = Static<typeof ActivationAnswer>;
export type DeviceBody = Static<typeof DeviceSchema>;
export type LeaseBody = Static<typeof LeaseSchema>;
export type ValidationBody = Static<typeof ValidationSchema>;
