import type { Actor } from '../../domain/actors.ts';
import type { Product } from '../../domain/catalog.ts';
import { newId } from '../../domain/ids.ts';
import { insertProduct, lockUpgradeGraph } from '../../store/catalog.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { unlessDuplicate } from '../duplicates.ts';
import {
  type ProductFeatureInput,
  checkUpgradesFrom,
  refuseUpgradeCycle,
  requireLicenseModel,
  resolveProductFeatures,
} from './product-parts.ts';

export interface CreateProductInput {
  name: string;
  version: string;
  description?: string | null | undefined;
  licenseModelId: string;
  features?: ProductFeatureInput[] | undefined;
  upgradesFrom?: string[] | undefined;
}

export async function createProduct(ctx: ServiceContext, actor: Actor, input: CreateProductInput): Promise<Product> {
  requireProducer(actor);
  return inTransaction(ctx, async (tx, at) => {
    await requireLicenseModel(tx, input.licenseModelId);
    const features = await resolveProductFeatures(tx, input.features ?? []);
    const name = input.name.trim();
    const version = input.version.trim();
    const id = newId('product');
    await lockUpgradeGraph(tx);
    const upgradesFrom = await checkUpgradesFrom(tx, id, input.upgradesFrom ?? []);
    const product = await unlessDuplicate(
      insertProduct(tx, {
        id,
        name,
        version,
        description: input.description ?? null,
        licenseModelId: input.licenseModelId,
        features,
        upgradesFrom,
        createdAt: at,
        updatedAt: at,
      }),
      `Product ${name} ${version} already exists.`,
      '/name',
    );
    await refuseUpgradeCycle(tx, product.id);
    await audit(tx, actor, at, {
      action: 'product.created',
      subjectType: 'product',
      subjectId: product.id,
      after: product,
    });
    return product;
  });
}
