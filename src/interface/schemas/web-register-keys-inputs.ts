import { Type } from 'typebox';
import { registrationFields } from '../../domain/entitlements.ts';
import { Name, Nullable, ResourceId, Strict } from './common.ts';

/** What a caller sends to the web-register-keys routes: the API validates requests with these, the portal its forms. */
const KeyString = Type.String({ maxLength: 200 });

export const KeyLoadJsonBody = Strict({
  keys: Type.Optional(Type.Array(KeyString, { maxItems: 1_000_000 })),
  key: Type.Optional(KeyString),
  generate: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  prefix: Type.Optional(Type.String({ maxLength: 16 })),
});

export const VoidKeysInput = Strict({ keys: Type.Array(KeyString, { minItems: 1, maxItems: 10_000 }) });

export const SplitStockInput = Strict({
  partnerAccountId: ResourceId,
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  keys: Type.Optional(Type.Array(KeyString, { minItems: 1, maxItems: 10_000 })),
  id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
});

export const RedeemKeyInput = Strict({
  accountId: Type.Optional(ResourceId),
  accountName: Type.Optional(Name),
  registration: Type.Optional(
    Strict(Object.fromEntries(registrationFields.map((f) => [f, Type.Optional(Type.String({ maxLength: 500 }))]))),
  ),
});
