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
import type { App } from '../../interface/app.ts';
import {
  IdParams,
  PageOf,
  PageQuery,
  ResourceId,
  ShortText,
  Strict,
  StringEnum,
  problemResponses,
} from '../../interface/schemas/common.ts';
import { FeatureSchema, LicenseModelSchema, ProductSchema } from '../schemas/entities.ts';
import {
  LicenseModelInput,
  FeatureInput,
  ProductInput,
  ProductChanges,
} from '../../interface/schemas/catalog-inputs.ts';

const tags = ['Catalogue'];

export async function catalogRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/license-models',
    {
      schema: {
        operationId: 'createLicenseModel',
        tags,
        summary: 'Create a license model',
        description:
          'A license model says how a product is licensed: its kind (node-locked, floating with `leaseSeconds`, or uncounted), the licence lifetime in days, the overdraft, how often a device may be rehosted and whether offline activation is allowed. Names are unique.',
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
        description: 'The license models, filtered by kind, a page at a time.',
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
        description: 'One license model, with the rules its licences carry.',
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
        description:
          'A feature is a named, versioned capability that products grant; a licence lists the features of its product. Name and version together are unique.',
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
        description: 'The features of the catalogue, a page at a time.',
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
        description: 'One feature, by ID.',
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
        description: 'The products of the catalogue, with their license model and features, a page at a time.',
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
        description: 'One product, with its license model and the features (and counts) it grants.',
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
