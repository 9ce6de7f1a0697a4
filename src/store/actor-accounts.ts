import { labelledActor } from '../domain/actors.ts';
import type { Db } from './database.ts';

/**
 * The account of each user and API key among audit actor labels (`user:usr_…`, `api-key:key_…`):
 * null for the producer's own; labels of anything else, or of a user or key since deleted, are
 * left out.
 */
export async function actorAccounts(db: Db, labels: Iterable<string>): Promise<Map<string, string | null>> {
  const named = [...labels].flatMap((label) => labelledActor(label) ?? []);
  const ids = (type: 'user' | 'api-key') => [...new Set(named.filter((a) => a.type === type).map((a) => a.id))];
  const [userIds, keyIds] = [ids('user'), ids('api-key')];
  const [users, keys] = await Promise.all([
    userIds.length === 0
      ? []
      : db.selectFrom('users').select(['id', 'account_id']).where('id', 'in', userIds).execute(),
    keyIds.length === 0
      ? []
      : db.selectFrom('api_keys').select(['id', 'account_id']).where('id', 'in', keyIds).execute(),
  ]);
  return new Map([
    ...users.map((u) => [`user:${u.id}`, u.account_id] as const),
    ...keys.map((k) => [`api-key:${k.id}`, k.account_id] as const),
  ]);
}
