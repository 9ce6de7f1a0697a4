import type { Feature, LicenseModel, LicenseModelKind, Product, ProductFeature } from '../domain/catalog.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Db } from './database.ts';
import type { Row } from './schema.ts';
import { containsText } from './text-search.ts';

export function toLicenseModel(row: Row<'license_models'>): LicenseModel {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as LicenseModelKind,
    durationDays: row.duration_days,
    overdraft: row.overdraft,
    maxRehosts: row.max_rehosts,
    allowOffline: row.allow_offline === 1,
    leaseSeconds: row.lease_seconds,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toFeature(row: Row<'features'>): Feature {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertLicenseModel(db: Db, model: LicenseModel): Promise<LicenseModel> {
  await db
    .insertInto('license_models')
    .values({
      id: model.id,
      name: model.name,
      kind: model.kind,
      duration_days: model.durationDays,
      overdraft: model.overdraft,
      max_rehosts: model.maxRehosts,
      allow_offline: model.allowOffline ? 1 : 0,
      lease_seconds: model.leaseSeconds,
      created_at: model.createdAt,
      updated_at: model.updatedAt,
    })
    .execute();
  return model;
}

export async function findLicenseModel(db: Db, id: string): Promise<LicenseModel | undefined> {
  const row = await db.selectFrom('license_models').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toLicenseModel(row);
}

export async function listLicenseModels(
  db: Db,
  filter: { kind?: LicenseModelKind | undefined },
  page: PageRequest,
): Promise<Page<LicenseModel>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor);
  let query = db.selectFrom('license_models').selectAll();
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (after) query = query.where('id', '>', after);
  const rows = await query
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toLicenseModel);
}

export async function insertFeature(db: Db, feature: Feature): Promise<Feature> {
  await db
    .insertInto('features')
    .values({
      id: feature.id,
      name: feature.name,
      version: feature.version,
      description: feature.description,
      created_at: feature.createdAt,
      updated_at: feature.updatedAt,
    })
    .execute();
  return feature;
}

export async function findFeature(db: Db, id: string): Promise<Feature | undefined> {
  const row = await db.selectFrom('features').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toFeature(row);
}

export async function findFeatureByName(db: Db, name: string, version: string): Promise<Feature | undefined> {
  const row = await db
    .selectFrom('features')
    .selectAll()
    .where('name', '=', name)
    .where('version', '=', version)
    .executeTakeFirst();
  return row && toFeature(row);
}

export async function listFeatures(
  db: Db,
  filter: { name?: string | undefined },
  page: PageRequest,
): Promise<Page<Feature>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor);
  let query = db.selectFrom('features').selectAll();
  if (filter.name) query = query.where(containsText('features.name', filter.name));
  if (after) query = query.where('id', '>', after);
  const rows = await query
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toFeature);
}

export async function insertProduct(db: Db, product: Product): Promise<Product> {
  await db
    .insertInto('products')
    .values({
      id: product.id,
      name: product.name,
      version: product.version,
      description: product.description,
      license_model_id: product.licenseModelId,
      created_at: product.createdAt,
      updated_at: product.updatedAt,
    })
    .execute();
  await replaceProductFeatures(db, product.id, product.features);
  return product;
}

/** Changes the fields given (undefined: unchanged); `features`, when given, replace the product's. */
export async function updateProductRecord(
  db: Db,
  id: string,
  changes: Partial<Pick<Product, 'name' | 'version' | 'description' | 'licenseModelId' | 'features'>> & { at: string },
): Promise<void> {
  await db
    .updateTable('products')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.version !== undefined && { version: changes.version }),
      ...(changes.description !== undefined && { description: changes.description }),
      ...(changes.licenseModelId !== undefined && { license_model_id: changes.licenseModelId }),
      updated_at: changes.at,
    })
    .where('id', '=', id)
    .execute();
  if (changes.features) await replaceProductFeatures(db, id, changes.features);
}

async function replaceProductFeatures(db: Db, productId: string, features: ProductFeature[]): Promise<void> {
  await db.deleteFrom('product_features').where('product_id', '=', productId).execute();
  if (features.length === 0) return;
  await db
    .insertInto('product_features')
    .values(
      features.map((f, position) => ({ product_id: productId, feature_id: f.featureId, count: f.count, position })),
    )
    .execute();
}

export async function findProduct(db: Db, id: string): Promise<Product | undefined> {
  const row = await db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const features = await productFeatures(db, [id]);
  return toProduct(row, features.get(id) ?? []);
}

export async function findProducts(db: Db, ids: readonly string[]): Promise<Product[]> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return [];
  const rows = await db.selectFrom('products').selectAll().where('id', 'in', wanted).execute();
  const features = await productFeatures(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toProduct(r, features.get(r.id) ?? []));
}

export async function listProducts(
  db: Db,
  filter: { name?: string | undefined; licenseModelId?: string | undefined },
  page: PageRequest,
): Promise<Page<Product>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor);
  let query = db.selectFrom('products').selectAll();
  if (filter.name) query = query.where(containsText('products.name', filter.name));
  if (filter.licenseModelId) query = query.where('license_model_id', '=', filter.licenseModelId);
  if (after) query = query.where('id', '>', after);
  const rows = await query
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const features = await productFeatures(
    db,
    rows.map((r) => r.id),
  );
  return toPage(
    rows,
    limit,
    (r) => r.id,
    (r) => toProduct(r, features.get(r.id) ?? []),
  );
}

async function productFeatures(db: Db, productIds: string[]): Promise<Map<string, ProductFeature[]>> {
  const byProduct = new Map<string, ProductFeature[]>();
  if (productIds.length === 0) return byProduct;
  const rows = await db
    .selectFrom('product_features as pf')
    .innerJoin('features as f', 'f.id', 'pf.feature_id')
    .select(['pf.product_id', 'pf.feature_id', 'pf.count', 'f.name', 'f.version'])
    .where('pf.product_id', 'in', productIds)
    .orderBy('pf.product_id')
    .orderBy('pf.position')
    .execute();
  for (const r of rows) {
    const list = byProduct.get(r.product_id) ?? [];
    list.push({ featureId: r.feature_id, name: r.name, version: r.version, count: r.count });
    byProduct.set(r.product_id, list);
  }
  return byProduct;
}

function toProduct(row: Row<'products'>, features: ProductFeature[]): Product {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    description: row.description,
    licenseModelId: row.license_model_id,
    features,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
