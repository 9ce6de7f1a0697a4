import { Type } from 'typebox';
import { registrationFields } from '../../domain/entitlements.ts';
import { Strict } from './common.ts';

/** Printable ASCII without leading or trailing space, as the client library computes it. */
export const Fingerprint = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: '^[\\x21-\\x7e](?:[\\x20-\\x7e]{0,254}[\\x21-\\x7e])?$',
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
