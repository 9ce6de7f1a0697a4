import type { Actor } from '../../domain/actors.ts';
import type { Feature } from '../../domain/catalog.ts';
import { newId } from '../../domain/ids.ts';
import { insertFeature } from '../../store/catalog.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { unlessDuplicate } from '../duplicates.ts';

export interface CreateFeatureInput {
  name: string;
  version?: string | undefined;
  description?: string | null | undefined;
}

export async function createFeature(ctx: ServiceContext, actor: Actor, input: CreateFeatureInput): Promise<Feature> {
  requireProducer(actor);
  const name = input.name.trim();
  const version = input.version?.trim() || '1.0';
  return inTransaction(ctx, async (tx, at) => {
    const feature = await unlessDuplicate(
      insertFeature(tx, {
        id: newId('feature'),
        name,
        version,
        description: input.description ?? null,
        createdAt: at,
        updatedAt: at,
      }),
      `Feature ${name} ${version} already exists.`,
      '/name',
    );
    await audit(tx, actor, at, {
      action: 'feature.created',
      subjectType: 'feature',
      subjectId: feature.id,
      after: feature,
    });
    return feature;
  });
}
