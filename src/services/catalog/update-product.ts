import type { Actor } from '../../domain/actors.ts';
import type { Product } from '../../domain/catalog.ts';
import { notFound } from '../../domain/errors.ts';
import { findProduct, updateProductRecord, lockUpgradeGraph } from '../../store/catalog.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction, onCommit } from '../context.ts';
import { unlessDuplicate } from '../duplicates.ts';
import {
  type ProductFeatureInput,
  checkUpgradesFrom,
  refuseUpgradeCycle,
  requireLicenseModel,
  resolveProductFeatures,
} from './product-parts.ts';

export interface UpdateProductInput {
  name?: string | undefined;
  version?: string | undefined;
  description?: string | null | undefined;
  licenseModelId?: string | undefined;
  features?: ProductFeatureInput[] | undefined;
  upgradesFrom?: string[] | undefined;
}

/**
 * Licences already issued keep what they were signed with; the change applies to licences issued
 * from now on.
 */
export async function updateProduct(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateProductInput,
): Promise<Product> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    const before = await findProduct(tx, id);
    if (!before) throw notFound(`Product ${id}`);
    if (input.licenseModelId !== undefined) await requireLicenseModel(tx, input.licenseModelId);
    const features = input.features === undefined ? undefined : await resolveProductFeatures(tx, input.features);
    // A new name or version moves the product among the versions of a name, which upgrade too.
    const upgradesMove = input.upgradesFrom !== undefined || input.name !== undefined || input.version !== undefined;
    if (upgradesMove) await lockUpgradeGraph(tx);
    const upgradesFrom =
      input.upgradesFrom === undefined ? undefined : await checkUpgradesFrom(tx, id, input.upgradesFrom);
    await unlessDuplicate(
      updateProductRecord(tx, id, {
        name: input.name?.trim(),
        version: input.version?.trim(),
        description: input.description,
        licenseModelId: input.licenseModelId,
        features,
        upgradesFrom,
        at,
      }),
      'Another product has this name and version.',
      '/name',
    );
    if (upgradesMove) await refuseUpgradeCycle(tx, id);
    const after = await findProduct(tx, id);
    if (!after) throw notFound(`Product ${id}`);
    await audit(tx, actor, at, { action: 'product.updated', subjectType: 'product', subjectId: id, before, after });
    onCommit(tx, () => ctx.catalogCache.forget());
    return after;
  });
}
