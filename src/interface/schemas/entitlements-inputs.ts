import { Type } from 'typebox';
import { initialStates, entitlementStates } from '../../domain/entitlement-states.ts';
import {
  MAX_QUANTITY,
  entitlementKinds,
  partnerTiers,
  registrationFields,
  registrationPolicies,
} from '../../domain/entitlements.ts';
import { DateOnly, Email, LongText, Nullable, PageQuery, ResourceId, Strict, StringEnum } from './common.ts';

/** What a caller sends to the entitlements routes: the API validates requests with these, the portal its forms. */
const EntitlementId = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'Leave out to have one generated. 1–64 of A-Z a-z 0-9 . _ -',
});
const ActivationId = Type.String({
  pattern: '^[A-Za-z0-9._-]{4,64}$',
  description: 'Leave out to have one generated (100 random bits, grouped for reading).',
});

export const ChannelPartnerInput = Strict({
  accountId: ResourceId,
  tier: StringEnum(partnerTiers),
  contactId: Type.Optional(Nullable(ResourceId)),
});

export const LineItemInput = Strict({
  activationId: Type.Optional(ActivationId),
  productId: ResourceId,
  quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY }),
  startDate: Type.Optional(Nullable(DateOnly)),
  expirationDate: Type.Optional(Nullable(DateOnly)),
});

const AddressPart = Type.String({ maxLength: 200 });

/** A ship-to postal address in fields; one free text (as before there were fields) is read as its lines. */
export const PostalAddressInput = Type.Union([
  Strict({
    lines: Type.Optional(Type.Array(AddressPart, { maxItems: 6, description: 'Street, building, department.' })),
    city: Type.Optional(Nullable(AddressPart)),
    postalCode: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    region: Type.Optional(Nullable(AddressPart)),
    country: Type.Optional(
      Nullable(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. `DE`.' })),
    ),
  }),
  LongText,
]);

const ShipTo = {
  description: Type.Optional(Nullable(LongText)),
  shipToEmail: Type.Optional(Nullable(Email)),
  shipToAddress: Type.Optional(Nullable(PostalAddressInput)),
  emailLicenses: Type.Optional(
    Type.Boolean({
      description:
        'Mail every new licence of this entitlement (of a bulk one: of its redeemed keys) to the ship-to address.',
    }),
  ),
};

export const SimpleEntitlementInput = Strict(
  {
    kind: Type.Literal('simple'),
    id: Type.Optional(EntitlementId),
    state: Type.Optional(StringEnum(initialStates)),
    soldTo: ResourceId,
    ...ShipTo,
    channelPartners: Type.Optional(Type.Array(ChannelPartnerInput, { maxItems: 3 })),
    lineItems: Type.Array(LineItemInput, { maxItems: 1000 }),
  },
  { description: 'A simple entitlement: what an account bought, in line items with their activation IDs.' },
);

export const RegistrationInput = Strict({
  policy: StringEnum(registrationPolicies, { description: '`none` stores no personal data at all.' }),
  fields: Type.Array(StringEnum(registrationFields), {
    maxItems: registrationFields.length,
    description: 'What a redemption asks for.',
  }),
});

const BulkFields = {
  quantityPerKey: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Quantity of the line item each redeemed key makes (default 1).',
    }),
  ),
  entitlementIdPattern: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: "ID of each redeemed key's entitlement; placeholders {key}, {bulk}, {seq}. Default {key}ENT.",
    }),
  ),
  registration: Type.Optional(RegistrationInput),
  keyPrefix: Type.Optional(
    Nullable(Type.String({ pattern: '^[A-Z0-9]{1,16}$', description: 'Prefix of generated keys.' })),
  ),
};

export const BulkEntitlementInput = Strict(
  {
    kind: Type.Literal('bulk'),
    id: Type.Optional(EntitlementId),
    state: Type.Optional(StringEnum(initialStates)),
    productId: ResourceId,
    ...BulkFields,
    ...ShipTo,
    channelPartners: Type.Array(ChannelPartnerInput, { minItems: 1, maxItems: 3 }),
  },
  { description: 'A bulk entitlement: stock of one product for a tier-1 partner, sold as web register keys.' },
);

export const EntitlementListQuery = Strict({
  state: Type.Optional(StringEnum(entitlementStates)),
  kind: Type.Optional(StringEnum(entitlementKinds)),
  account: Type.Optional(ResourceId),
  productId: Type.Optional(ResourceId),
  ...PageQuery,
});

export const EntitlementUpdateInput = Strict({
  soldTo: Type.Optional(ResourceId),
  ...ShipTo,
  channelPartners: Type.Optional(Type.Array(ChannelPartnerInput, { maxItems: 3 })),
  productId: Type.Optional(ResourceId),
  ...BulkFields,
});

export const EntitlementStateInput = Strict({ state: StringEnum(entitlementStates) });
