import type { Actor } from '../../domain/actors.ts';
import { DEFAULT_LEASE_SECONDS, type LicenseModel, type LicenseModelKind } from '../../domain/catalog.ts';
import { invalidField } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { insertLicenseModel } from '../../store/catalog.ts';
import { requireProducer } from '../access.ts';
import { audit } from '../audit.ts';
import { type ServiceContext, inTransaction } from '../context.ts';
import { unlessDuplicate } from '../duplicates.ts';

export interface CreateLicenseModelInput {
  name: string;
  kind: LicenseModelKind;
  durationDays?: number | null | undefined;
  overdraft?: number | undefined;
  maxRehosts?: number | null | undefined;
  allowOffline?: boolean | undefined;
  leaseSeconds?: number | null | undefined;
}

export async function createLicenseModel(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateLicenseModelInput,
): Promise<LicenseModel> {
  requireProducer(actor);
  if (input.kind !== 'floating' && input.leaseSeconds != null) {
    throw invalidField('/leaseSeconds', 'only floating license models have leases');
  }
  return inTransaction(ctx, async (tx, at) => {
    const model = await unlessDuplicate(
      insertLicenseModel(tx, {
        id: newId('licenseModel'),
        name: input.name.trim(),
        kind: input.kind,
        durationDays: input.durationDays ?? null,
        overdraft: input.overdraft ?? 0,
        maxRehosts: input.maxRehosts ?? null,
        allowOffline: input.allowOffline !== false,
        leaseSeconds: input.kind === 'floating' ? (input.leaseSeconds ?? DEFAULT_LEASE_SECONDS) : null,
        createdAt: at,
        updatedAt: at,
      }),
      `A license model named "${input.name.trim()}" already exists.`,
      '/name',
    );
    await audit(tx, actor, at, {
      action: 'license-model.created',
      subjectType: 'license-model',
      subjectId: model.id,
      after: model,
    });
    return model;
  });
}
