import type { Db } from './database.ts';

/** The secret named `name`, made from `candidate` by whichever process asked first. */
export async function ensureServerSecret(db: Db, name: string, candidate: string, at: string): Promise<string> {
  await db
    .insertInto('server_secrets')
    .values({ name, value: candidate, created_at: at })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}
