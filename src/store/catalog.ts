import { sql } from 'kysely';
import type {
  Feature,
  LicenseModel,
  LicenseModelKind,
  Product,
  ProductFeature,
  UpgradeNode,
} from '../domain/catalog.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import { type Db, storeOf } from './database.ts';
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
  const after = decodeCursor(page.cursor, 'licenseModel');
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
  const after = decodeCursor(page.cursor, 'feature');
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
  await replaceUpgradesFrom(db, product.id, product.upgradesFrom);
  return product;
}

/** Changes the fields given (undefined: unchanged); `features`, when given, replace the product's. */
export async function updateProductRecord(
  db: Db,
  id: string,
  changes: Partial<
    Pick<Product, 'name' | 'version' | 'description' | 'licenseModelId' | 'features' | 'upgradesFrom'>
  > & {
    at: string;
  },
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
  if (changes.upgradesFrom) await replaceUpgradesFrom(db, id, changes.upgradesFrom);
}

async function replaceUpgradesFrom(db: Db, productId: string, from: string[]): Promise<void> {
  await db.deleteFrom('product_upgrades').where('product_id', '=', productId).execute();
  if (from.length === 0) return;
  await db
    .insertInto('product_upgrades')
    .values(from.map((fromId, position) => ({ product_id: productId, from_product_id: fromId, position })))
    .execute();
}

/** An arbitrary constant naming the lock: "LUPG" in ASCII. */
const UPGRADE_GRAPH_LOCK = 0x4c555047;

/**
 * Whether a change of the catalogue makes a cycle of upgrades is read from the whole catalogue
 * after the change; on PostgreSQL two such changes at once could each miss the other's half, so
 * they take this transaction lock first and run one after the other. SQLite writes one at a time.
 */
export async function lockUpgradeGraph(db: Db): Promise<void> {
  if (storeOf(db).dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(${sql.lit(UPGRADE_GRAPH_LOCK)})`.execute(db);
}

/** Every product as the upgrade rule reads it (a catalogue has hundreds, not millions). */
export async function upgradeGraph(db: Db): Promise<UpgradeNode[]> {
  const rows = await db.selectFrom('products').select(['id', 'name', 'version']).execute();
  const upgrades = await upgradesFromOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ id: r.id, name: r.name, version: r.version, upgradesFrom: upgrades.get(r.id) ?? [] }));
}

/** The products a line item of `product` might be upgraded to: same name, or naming it in `upgradesFrom`. */
export async function upgradeCandidates(db: Db, product: Pick<Product, 'id' | 'name'>): Promise<Product[]> {
  const rows = await db
    .selectFrom('products')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('name', '=', product.name),
        eb(
          'id',
          'in',
          eb.selectFrom('product_upgrades').select('product_id').where('from_product_id', '=', product.id),
        ),
      ]),
    )
    .execute();
  return findProducts(
    db,
    rows.map((r) => r.id),
  );
}

async function upgradesFromOf(db: Db, productIds: string[]): Promise<Map<string, string[]>> {
  const byProduct = new Map<string, string[]>();
  if (productIds.length === 0) return byProduct;
  const rows = await db
    .selectFrom('product_upgrades')
    .select(['product_id', 'from_product_id'])
    .where('product_id', 'in', productIds)
    .orderBy('product_id')
    .orderBy('position')
    .execute();
  for (const r of rows) byProduct.set(r.product_id, [...(byProduct.get(r.product_id) ?? []), r.from_product_id]);
  return byProduct;
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
  const [features, upgrades] = await Promise.all([productFeatures(db, [id]), upgradesFromOf(db, [id])]);
  return toProduct(row, features.get(id) ?? [], upgrades.get(id) ?? []);
}

export async function findProducts(db: Db, ids: readonly string[]): Promise<Product[]> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return [];
  const rows = await db.selectFrom('products').selectAll().where('id', 'in', wanted).execute();
  const found = rows.map((r) => r.id);
  const [features, upgrades] = await Promise.all([productFeatures(db, found), upgradesFromOf(db, found)]);
  return rows.map((r) => toProduct(r, features.get(r.id) ?? [], upgrades.get(r.id) ?? []));
}

export async function listProducts(
  db: Db,
  filter: { name?: string | undefined; licenseModelId?: string | undefined },
  page: PageRequest,
): Promise<Page<Product>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor, 'product');
  let query = db.selectFrom('products').selectAll();
  if (filter.name) query = query.where(containsText('products.name', filter.name));
  if (filter.licenseModelId) query = query.where('license_model_id', '=', filter.licenseModelId);
  if (after) query = query.where('id', '>', after);
  const rows = await query
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const ids = rows.map((r) => r.id);
  const [features, upgrades] = await Promise.all([productFeatures(db, ids), upgradesFromOf(db, ids)]);
  return toPage(
    rows,
    limit,
    (r) => r.id,
    (r) => toProduct(r, features.get(r.id) ?? [], upgrades.get(r.id) ?? []),
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

function toProduct(row: Row<'products'>, features: ProductFeature[], upgradesFrom: string[]): Product {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    description: row.description,
    licenseModelId: row.license_model_id,
    features,
    upgradesFrom,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
