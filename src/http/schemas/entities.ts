import { type Static, Type } from 'typebox';
import { accountTypes } from '../../domain/accounts.ts';
import { roles } from '../../domain/actors.ts';
import { licenseModelKinds } from '../../domain/catalog.ts';
import { entitlementStates } from '../../domain/entitlement-states.ts';
import { entitlementKinds, partnerTiers, registrationFields, registrationPolicies } from '../../domain/entitlements.ts';
import { lineItemOperations, termFields } from '../../domain/lineage.ts';
import { DateOnly, Nullable, StringEnum, Timestamp } from '../../interface/schemas/common.ts';

/** Response shapes. Field names follow DESIGN.md §3 "Shapes"; more fields are welcome, none renamed. */

export const ApiKeySchema = Type.Object({
  id: Type.String({ examples: ['key_0193a7c2e4d87b3a9f1c2d3e4f5a6b7c'] }),
  name: Type.String(),
  role: StringEnum(roles),
  accountId: Nullable(Type.String()),
  prefix: Type.String({ description: 'The first characters of the secret, to tell keys apart.' }),
  createdAt: Timestamp,
  revokedAt: Nullable(Timestamp),
});

export const UserSchema = Type.Object({
  id: Type.String({ examples: ['usr_0193a7c2e4d87b3a9f1c2d3e4f5a6b7c'] }),
  email: Type.String(),
  name: Type.String(),
  role: StringEnum(roles),
  accountId: Nullable(Type.String()),
  hasPassword: Type.Boolean({
    description: 'False until a password is set; such a user signs in with a sign-in link.',
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  disabledAt: Nullable(Timestamp),
});

export const AccountSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: StringEnum(accountTypes),
  parentAccountId: Nullable(Type.String()),
  anonymous: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const ContactSchema = Type.Object({
  id: Type.String(),
  accountId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  phone: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

/** An account just handed over, with the contact the end customer agreed to give (if any). */
export const HandedOverAccountSchema = Type.Object({
  ...AccountSchema.properties,
  contact: Nullable(ContactSchema),
});

export const LicenseModelSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: StringEnum(licenseModelKinds),
  durationDays: Nullable(Type.Integer()),
  overdraft: Type.Integer(),
  maxRehosts: Nullable(Type.Integer()),
  allowOffline: Type.Boolean(),
  leaseSeconds: Nullable(Type.Integer()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const FeatureSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.String(),
  description: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const ProductSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.String(),
  description: Nullable(Type.String()),
  licenseModelId: Type.String(),
  features: Type.Array(
    Type.Object({ featureId: Type.String(), name: Type.String(), version: Type.String(), count: Type.Integer() }),
  ),
  upgradesFrom: Type.Array(Type.String(), {
    description:
      'Products this one may be upgraded from, besides older versions of the same name (a newer version of the same name may always be upgraded to).',
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const ChannelPartnerSchema = Type.Object({
  accountId: Type.String(),
  tier: StringEnum(partnerTiers),
  contactId: Nullable(Type.String()),
});

export const LineItemSchema = Type.Object({
  activationId: Type.String({ description: 'The activation code; accepted in any case, with or without the hyphens.' }),
  entitlementId: Type.String(),
  productId: Type.String(),
  quantity: Type.Integer(),
  activatedCount: Type.Integer({ description: 'Count taken by active activations.' }),
  state: StringEnum(entitlementStates),
  startDate: Nullable(DateOnly),
  expirationDate: Nullable(DateOnly),
  parentActivationId: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const termsProperties = {
  productId: Type.String(),
  quantity: Type.Integer(),
  startDate: Nullable(DateOnly),
  expirationDate: Nullable(DateOnly),
  durationDays: Nullable(
    Type.Integer({
      description: "Licence lifetime from activation, from the product's license model; null: permanent.",
    }),
  ),
  state: StringEnum(entitlementStates),
};

export const LineItemTermsSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'The number of these terms; 1 until the first change.' }),
    ...termsProperties,
    since: Timestamp,
  },
  { description: "A line item's current terms." },
);

export const LineItemVersionSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    ...termsProperties,
    operation: StringEnum(lineItemOperations, { description: 'The operation that replaced these terms.' }),
    at: Timestamp,
    actor: Type.String({
      description:
        "Who made the operation: to the producer's staff as the audit log records it; to a partner or customer, its own " +
        "account's users and keys as recorded, the producer's staff (and the command line) as `producer`, another " +
        "account's as `another-account`.",
      examples: ['user:usr_0193…', 'api-key:key_0193…', 'producer', 'another-account'],
    }),
    eventId: Type.String({ description: 'The audit event of the operation.' }),
    successorActivationId: Nullable(
      Type.String({
        description: 'After a split or transfer: the line item that took over, when the caller may see it.',
      }),
    ),
    changes: Type.Array(
      Type.Object({
        field: StringEnum(termFields),
        from: Nullable(Type.Union([Type.String(), Type.Integer()])),
        to: Nullable(Type.Union([Type.String(), Type.Integer()])),
      }),
      { description: "From these terms to the next version's (or the current ones)." },
    ),
  },
  { description: 'Terms a line item had before a lifecycle operation changed them.' },
);

export const LineItemHistorySchema = Type.Object({
  lineItem: LineItemSchema,
  current: LineItemTermsSchema,
  items: Type.Array(LineItemVersionSchema, { description: 'Earlier versions, newest first.' }),
  nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page.' })),
});

export const RegistrationSchema = Type.Object({
  policy: StringEnum(registrationPolicies),
  fields: Type.Array(StringEnum(registrationFields)),
});

export const EntitlementSchema = Type.Object({
  id: Type.String(),
  kind: StringEnum(entitlementKinds),
  state: StringEnum(entitlementStates),
  soldTo: Nullable(Type.String()),
  description: Nullable(Type.String()),
  shipToEmail: Nullable(Type.String()),
  shipToAddress: Nullable(
    Type.Object(
      {
        lines: Type.Array(Type.String()),
        city: Nullable(Type.String()),
        postalCode: Nullable(Type.String()),
        region: Nullable(Type.String()),
        country: Nullable(Type.String()),
      },
      {
        description: 'The ship-to postal address in fields (an address stored as free text before shows as its lines).',
      },
    ),
  ),
  emailLicenses: Type.Boolean({ description: 'Every new licence is mailed to the ship-to address.' }),
  channelPartners: Type.Array(ChannelPartnerSchema),
  lineItems: Type.Array(LineItemSchema),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  productId: Type.Optional(Type.String({ description: 'Bulk entitlements: the one product its keys give.' })),
  quantityPerKey: Type.Optional(Type.Integer()),
  entitlementIdPattern: Type.Optional(Type.String()),
  registration: Type.Optional(RegistrationSchema),
  keyPrefix: Type.Optional(Nullable(Type.String())),
  webRegisterKeys: Type.Optional(
    Type.Object({ total: Type.Integer(), unredeemed: Type.Integer(), redeemed: Type.Integer(), void: Type.Integer() }),
  ),
  parentEntitlementId: Type.Optional(Nullable(Type.String())),
  webRegisterKey: Type.Optional(Type.String({ description: 'Entitlements made by redemption: the key redeemed.' })),
  bulkEntitlementId: Type.Optional(Type.String()),
  registrationData: Type.Optional(Type.Record(Type.String(), Type.String())),
});

export const EventSchema = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actor: Type.String({ examples: ['api-key:key_0193…', 'user:usr_0193…', 'public', 'system'] }),
  action: Type.String({ examples: ['entitlement.state-changed'] }),
  subjectType: Type.String(),
  subjectId: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
});

/** Response bodies as clients (and the tests) read them. */
export type ApiKeyBody = Static<typeof ApiKeySchema>;
export type UserBody = Static<typeof UserSchema>;
export type AccountBody = Static<typeof AccountSchema>;
export type ContactBody = Static<typeof ContactSchema>;
export type HandedOverAccountBody = Static<typeof HandedOverAccountSchema>;
export type LicenseModelBody = Static<typeof LicenseModelSchema>;
export type FeatureBody = Static<typeof FeatureSchema>;
export type ProductBody = Static<typeof ProductSchema>;
export type LineItemBody = Static<typeof LineItemSchema>;
export type LineItemHistoryBody = Static<typeof LineItemHistorySchema>;
export type EntitlementBody = Static<typeof EntitlementSchema>;
export type EventBody = Static<typeof EventSchema>;
