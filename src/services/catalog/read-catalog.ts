import type { Actor } from '../../domain/actors.ts';
import type { Feature, LicenseModel, LicenseModelKind, Product } from '../../domain/catalog.ts';
import { notFound } from '../../domain/errors.ts';
import type { Page, PageRequest } from '../../domain/paging.ts';
import * as catalog from '../../store/catalog.ts';
import { isProducer, requireRole } from '../access.ts';
import type { ServiceContext } from '../context.ts';

/** The catalogue is not secret from anyone holding a key: partners and customers see what they sell and use. */
const readers = ['admin', 'operator', 'partner', 'customer'] as const;

/**
 * Whether to offer this person the catalogue's forms (new and edit of products, features and
 * licence models): changing the catalogue is the producer's (`createProduct`, `createFeature`,
 * `createLicenseModel` and `updateProduct` require it).
 */
export function mayEditCatalog(actor: Actor): boolean {
  return isProducer(actor);
}

export async function listLicenseModels(
  ctx: ServiceContext,
  actor: Actor,
  filter: { kind?: LicenseModelKind | undefined },
  page: PageRequest,
): Promise<Page<LicenseModel>> {
  requireRole(actor, readers);
  return catalog.listLicenseModels(ctx.store.db, filter, page);
}

export async function getLicenseModel(ctx: ServiceContext, actor: Actor, id: string): Promise<LicenseModel> {
  requireRole(actor, readers);
  const model = await catalog.findLicenseModel(ctx.store.db, id);
  if (!model) throw notFound(`License model ${id}`);
  return model;
}

export async function listFeatures(
  ctx: ServiceContext,
  actor: Actor,
  filter: { name?: string | undefined },
  page: PageRequest,
): Promise<Page<Feature>> {
  requireRole(actor, readers);
  return catalog.listFeatures(ctx.store.db, filter, page);
}

export async function getFeature(ctx: ServiceContext, actor: Actor, id: string): Promise<Feature> {
  requireRole(actor, readers);
  const feature = await catalog.findFeature(ctx.store.db, id);
  if (!feature) throw notFound(`Feature ${id}`);
  return feature;
}

export async function listProducts(
  ctx: ServiceContext,
  actor: Actor,
  filter: { name?: string | undefined; licenseModelId?: string | undefined },
  page: PageRequest,
): Promise<Page<Product>> {
  requireRole(actor, readers);
  return catalog.listProducts(ctx.store.db, filter, page);
}

export async function getProduct(ctx: ServiceContext, actor: Actor, id: string): Promise<Product> {
  requireRole(actor, readers);
  const product = await catalog.findProduct(ctx.store.db, id);
  if (!product) throw notFound(`Product ${id}`);
  return product;
}
