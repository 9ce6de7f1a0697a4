import { Type } from 'typebox';
import { licenseModelKinds } from '../../domain/catalog.ts';
import { createFeature } from '../../services/catalog/create-feature.ts';
import { createLicenseModel } from '../../services/catalog/create-license-model.ts';
import { createProduct } from '../../services/catalog/create-product.ts';
import {
  getFeature,
  getLicenseModel,
  getProduct,
  listFeatures,
  listLicenseModels,
  listProducts,
} from '../../services/catalog/read-catalog.ts';
import { updateProduct } from '../../services/catalog/update-product.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { App } from '../app.ts';
import {
  IdParams,
  LongText,
  Name,
  Nullable,
  PageOf,
  PageQuery,
  ResourceId,
  ShortText,
  Strict,
  StringEnum,
  problemResponses,
} from '../schemas/common.ts';
import { FeatureSchema, LicenseModelSchema, ProductSchema } from '../schemas/entities.ts';

const tags = ['Catalogue'];
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

export const ProductInput = Strict({
  name: Name,
  version: Version,
  description: Type.Optional(Nullable(LongText)),
  licenseModelId: ResourceId,
  features: Type.Optional(Type.Array(ProductFeatureInput, { maxItems: 500 })),
});

export const ProductChanges = Strict({
  name: Type.Optional(Name),
  version: Type.Optional(Version),
  description: Type.Optional(Nullable(LongText)),
  licenseModelId: Type.Optional(ResourceId),
  features: Type.Optional(Type.Array(ProductFeatureInput, { maxItems: 500 })),
});

export async function catalogRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/license-models',
    {
      schema: {
        operationId: 'createLicenseModel',
        tags,
        summary: 'Create a license model',
        body: LicenseModelInput,
        response: { 201: LicenseModelSchema, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await createLicenseModel(ctx, request.actor, request.body)),
  );

  app.get(
    '/license-models',
    {
      schema: {
        operationId: 'listLicenseModels',
        tags,
        summary: 'List license models',
        querystring: Strict({ kind: Type.Optional(StringEnum(licenseModelKinds)), ...PageQuery }),
        response: { 200: PageOf(LicenseModelSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listLicenseModels(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.get(
    '/license-models/:id',
    {
      schema: {
        operationId: 'getLicenseModel',
        tags,
        summary: 'Get a license model',
        params: IdParams,
        response: { 200: LicenseModelSchema, ...problemResponses },
      },
    },
    async (request) => getLicenseModel(ctx, request.actor, request.params.id),
  );

  app.post(
    '/features',
    {
      schema: {
        operationId: 'createFeature',
        tags,
        summary: 'Create a feature',
        body: FeatureInput,
        response: { 201: FeatureSchema, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await createFeature(ctx, request.actor, request.body)),
  );

  app.get(
    '/features',
    {
      schema: {
        operationId: 'listFeatures',
        tags,
        summary: 'List features',
        querystring: Strict({ name: Type.Optional(ShortText), ...PageQuery }),
        response: { 200: PageOf(FeatureSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listFeatures(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.get(
    '/features/:id',
    {
      schema: {
        operationId: 'getFeature',
        tags,
        summary: 'Get a feature',
        params: IdParams,
        response: { 200: FeatureSchema, ...problemResponses },
      },
    },
    async (request) => getFeature(ctx, request.actor, request.params.id),
  );

  app.post(
    '/products',
    {
      schema: {
        operationId: 'createProduct',
        tags,
        summary: 'Create a product',
        description: 'Features are named by name and version and must exist.',
        body: ProductInput,
        response: { 201: ProductSchema, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await createProduct(ctx, request.actor, request.body)),
  );

  app.get(
    '/products',
    {
      schema: {
        operationId: 'listProducts',
        tags,
        summary: 'List products',
        querystring: Strict({
          name: Type.Optional(ShortText),
          licenseModelId: Type.Optional(ResourceId),
          ...PageQuery,
        }),
        response: { 200: PageOf(ProductSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listProducts(ctx, request.actor, filter, { limit, cursor });
    },
  );

  app.get(
    '/products/:id',
    {
      schema: {
        operationId: 'getProduct',
        tags,
        summary: 'Get a product',
        params: IdParams,
        response: { 200: ProductSchema, ...problemResponses },
      },
    },
    async (request) => getProduct(ctx, request.actor, request.params.id),
  );

  app.patch(
    '/products/:id',
    {
      schema: {
        operationId: 'updateProduct',
        tags,
        summary: 'Change a product',
        description: 'Licences issued before keep what they were signed with.',
        params: IdParams,
        body: ProductChanges,
        response: { 200: ProductSchema, ...problemResponses },
      },
    },
    async (request) => updateProduct(ctx, request.actor, request.params.id, request.body),
  );
}
