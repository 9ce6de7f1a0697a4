import type { Kysely } from 'kysely';

/**
 * Deleting an entitlement takes its activations' counts out of the billing counters and then
 * deletes the activations, both by `entitlement_pk`: without an index each of those statements
 * read the whole activations table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('activations_entitlement').on('activations').column('entitlement_pk').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('activations_entitlement').execute();
}
