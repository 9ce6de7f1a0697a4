import { type ProductFeature, upgradeCycle } from '../../domain/catalog.ts';
import { AppError, invalidField, unknownReference } from '../../domain/errors.ts';
import { findFeatureByName, findLicenseModel, findProducts, upgradeGraph } from '../../store/catalog.ts';
import type { Db } from '../../store/database.ts';

export interface ProductFeatureInput {
  name: string;
  version?: string | undefined;
  count?: number | undefined;
}

/** Features are named by name and version, as licences carry them; each must exist once. */
export async function resolveProductFeatures(tx: Db, inputs: ProductFeatureInput[]): Promise<ProductFeature[]> {
  const seen = new Set<string>();
  const resolved: ProductFeature[] = [];
  for (const [index, input] of inputs.entries()) {
    const version = input.version?.trim() || '1.0';
    const feature = await findFeatureByName(tx, input.name.trim(), version);
    if (!feature) throw unknownReference(`/features/${index}`, `Feature ${input.name} ${version}`);
    if (seen.has(feature.id)) {
      throw new AppError('VALIDATION_FAILED', `Feature ${feature.name} ${feature.version} is listed twice.`, {
        fields: [{ field: `/features/${index}`, message: 'listed twice' }],
      });
    }
    seen.add(feature.id);
    resolved.push({ featureId: feature.id, name: feature.name, version: feature.version, count: input.count ?? 1 });
  }
  return resolved;
}

export async function requireLicenseModel(tx: Db, id: string): Promise<void> {
  if (!(await findLicenseModel(tx, id))) throw unknownReference('/licenseModelId', `License model ${id}`);
}

/**
 * `upgradesFrom` as given for product `productId`: each an existing product, listed once, not the
 * product itself.
 */
export async function checkUpgradesFrom(tx: Db, productId: string, ids: readonly string[]): Promise<string[]> {
  const field = (index: number) => `/upgradesFrom/${index}`;
  for (const [index, id] of ids.entries()) {
    if (id === productId)
      throw invalidField(field(index), 'A product cannot be upgraded from itself; list the products it replaces.');
    if (ids.indexOf(id) !== index) throw invalidField(field(index), `${id} is listed twice`);
  }
  const found = new Set((await findProducts(tx, ids)).map((p) => p.id));
  for (const [index, id] of ids.entries()) if (!found.has(id)) throw unknownReference(field(index), `Product ${id}`);
  return [...ids];
}

/**
 * Refuses a catalogue in which upgrades lead from `productId` back to it, read after the change in
 * its transaction (so the transaction rolls back). Take `lockUpgradeGraph` before the change.
 */
export async function refuseUpgradeCycle(tx: Db, productId: string): Promise<void> {
  const catalogue = await upgradeGraph(tx);
  const cycle = upgradeCycle(catalogue, productId);
  if (!cycle) return;
  const label = new Map(catalogue.map((p) => [p.id, `${p.name} ${p.version}`]));
  throw new AppError(
    'UPGRADE_CYCLE',
    `Upgrades would go round in a circle: ${cycle.map((id) => label.get(id) ?? id).join(' → ')}. A product cannot be upgraded back to one it replaces.`,
    { fields: [{ field: '/upgradesFrom', message: 'makes a circle of upgrades' }], extensions: { cycle } },
  );
}
