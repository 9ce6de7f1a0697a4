import type { ProductFeature } from '../../domain/catalog.ts';
import { AppError, unknownReference } from '../../domain/errors.ts';
import { findFeatureByName, findLicenseModel } from '../../store/catalog.ts';
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
