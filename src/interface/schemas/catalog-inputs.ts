import { Type } from 'typebox';
import { licenseModelKinds } from '../../domain/catalog.ts';
import { LongText, Name, Nullable, ResourceId, Strict, StringEnum } from './common.ts';

/** What a caller sends to the catalog routes: the API validates requests with these, the portal its forms. */
const Version = Type.String({ minLength: 1, maxLength: 50, pattern: '\\S', examples: ['2.1'] });
const ProductFeatureInput = Strict({
  name: Name,
  version: Type.Optional(Version),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
});

export const LicenseModelInput = Strict({
  name: Name,
  kind: StringEnum(licenseModelKinds),
  durationDays: Type.Optional(
    Nullable(
      Type.Integer({
        minimum: 1,
        maximum: 36_500,
        description: 'Licence lifetime from activation; null for permanent.',
      }),
    ),
  ),
  overdraft: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Activations allowed beyond the quantity.' }),
  ),
  maxRehosts: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'null: no limit.' }))),
  allowOffline: Type.Optional(Type.Boolean()),
  leaseSeconds: Type.Optional(
    Nullable(
      Type.Integer({
        minimum: 30,
        maximum: 604_800,
        description: 'Floating only: lease lifetime without a heartbeat.',
      }),
    ),
  ),
});

export const FeatureInput = Strict({
  name: Name,
  version: Type.Optional(Version),
  description: Type.Optional(Nullable(LongText)),
});

const UpgradesFrom = Type.Array(ResourceId, {
  maxItems: 100,
  description:
    'Products this one may be upgraded from (product IDs), besides older versions of the same name: a line item of one of them may be upgraded to this product. Not the product itself; no circle of upgrades.',
});

export const ProductInput = Strict({
  name: Name,
  version: Version,
  description: Type.Optional(Nullable(LongText)),
  licenseModelId: ResourceId,
  features: Type.Optional(Type.Array(ProductFeatureInput, { maxItems: 500 })),
  upgradesFrom: Type.Optional(UpgradesFrom),
});

export const ProductChanges = Strict({
  name: Type.Optional(Name),
  version: Type.Optional(Version),
  description: Type.Optional(Nullable(LongText)),
  licenseModelId: Type.Optional(ResourceId),
  features: Type.Optional(Type.Array(ProductFeatureInput, { maxItems: 500 })),
  upgradesFrom: Type.Optional(UpgradesFrom),
});
