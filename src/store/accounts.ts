import type { Account, AccountFilter, AccountType, Contact } from '../domain/accounts.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Scope } from '../domain/scope.ts';
import { type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import { type Db, storeOf } from './database.ts';
import type { Database, Row } from './schema.ts';
import { containsText } from './text-search.ts';

export function toAccount(row: Row<'accounts'>): Account {
  return {
    id: row.id,
    name: row.name,
    type: row.type as AccountType,
    parentAccountId: row.parent_account_id,
    anonymous: row.anonymous === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toContact(row: Row<'contacts'>): Contact {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertAccount(db: Db, account: Account): Promise<Account> {
  await db
    .insertInto('accounts')
    .values({
      id: account.id,
      name: account.name,
      type: account.type,
      parent_account_id: account.parentAccountId,
      anonymous: account.anonymous ? 1 : 0,
      created_at: account.createdAt,
      updated_at: account.updatedAt,
    })
    .execute();
  return account;
}

export async function findAccount(db: Db, id: string, scope: Scope = { kind: 'all' }): Promise<Account | undefined> {
  const row = await scoped(db.selectFrom('accounts').selectAll().where('id', '=', id), scope).executeTakeFirst();
  return row && toAccount(row);
}

/** Several accounts at once, those the scope can see; for lists that name the accounts they show. */
export async function findAccounts(db: Db, ids: readonly string[], scope: Scope = { kind: 'all' }): Promise<Account[]> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return [];
  const rows = await scoped(db.selectFrom('accounts').selectAll().where('id', 'in', wanted), scope).execute();
  return rows.map(toAccount);
}

export async function updateAccountRecord(
  db: Db,
  id: string,
  changes: { name?: string | undefined; parentAccountId?: string | null | undefined; at: string },
): Promise<void> {
  await db
    .updateTable('accounts')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.parentAccountId !== undefined && { parent_account_id: changes.parentAccountId }),
      updated_at: changes.at,
    })
    .where('id', '=', id)
    .execute();
}

export async function listAccounts(
  db: Db,
  scope: Scope,
  filter: AccountFilter,
  page: PageRequest,
): Promise<Page<Account>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor);
  let query = scoped(db.selectFrom('accounts').selectAll(), scope);
  if (filter.type) query = query.where('type', '=', filter.type);
  if (filter.parentAccountId) query = query.where('parent_account_id', '=', filter.parentAccountId);
  if (filter.anonymous !== undefined) query = query.where('anonymous', '=', filter.anonymous ? 1 : 0);
  if (filter.name) query = query.where(containsText('accounts.name', filter.name));
  if (after) query = query.where('id', '>', after);
  const rows = await query
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toAccount);
}

/** An arbitrary constant naming the lock: "ACCH" in ASCII. */
const HIERARCHY_LOCK = 0x41434348;

/**
 * Moves in the account hierarchy wait for each other (PostgreSQL; SQLite writes one at a time), so
 * that two moves made at once, each fine alone, cannot close a cycle: the second one's cycle check
 * sees the first one's move.
 */
export async function lockAccountHierarchy(db: Db): Promise<void> {
  if (storeOf(db).dialect === 'postgres')
    await sql`select pg_advisory_xact_lock(${sql.lit(HIERARCHY_LOCK)})`.execute(db);
}

/** Does `descendantId` sit below `ancestorId` (or is it the same account)? Used to refuse parent cycles. */
export async function isSameOrDescendant(db: Db, ancestorId: string, descendantId: string): Promise<boolean> {
  let current: string | null = descendantId;
  for (let depth = 0; current !== null && depth < 64; depth++) {
    if (current === ancestorId) return true;
    const row: { parent_account_id: string | null } | undefined = await db
      .selectFrom('accounts')
      .select('parent_account_id')
      .where('id', '=', current)
      .executeTakeFirst();
    current = row?.parent_account_id ?? null;
  }
  return false;
}

export async function insertContact(db: Db, contact: Contact): Promise<Contact> {
  await db
    .insertInto('contacts')
    .values({
      id: contact.id,
      account_id: contact.accountId,
      name: contact.name,
      email: contact.email,
      phone: contact.phone,
      created_at: contact.createdAt,
      updated_at: contact.updatedAt,
    })
    .execute();
  return contact;
}

export async function findContact(db: Db, id: string): Promise<Contact | undefined> {
  const row = await db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toContact(row);
}

export async function listContacts(db: Db, accountId: string, page: PageRequest): Promise<Page<Contact>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor);
  let query = db.selectFrom('contacts').selectAll().where('account_id', '=', accountId);
  if (after) query = query.where('id', '>', after);
  const rows = await query
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toContact);
}

/** Accounts a scope can see: a partner its own and its children, a customer only itself. */
function scoped<O>(query: AccountQuery<O>, scope: Scope): AccountQuery<O> {
  switch (scope.kind) {
    case 'all':
      return query;
    case 'partner':
      return query.where((eb) =>
        eb.or([eb('accounts.id', '=', scope.accountId), eb('accounts.parent_account_id', '=', scope.accountId)]),
      );
    case 'customer':
    case 'anonymous':
      return query.where('accounts.id', '=', scope.accountId);
  }
}

type AccountQuery<O> = SelectQueryBuilder<Database, 'accounts', O>;

/**
 * The same rule for what belongs to an account (its users, its devices), by the owning account
 * `column`: a partner's own and its child accounts', a customer's own. Undefined for the producer,
 * who sees everything.
 */
export function ownedByVisibleAccount(column: string, scope: Scope): RawBuilder<boolean> | undefined {
  const owner = sql.ref(column);
  switch (scope.kind) {
    case 'all':
      return undefined;
    case 'partner':
      return sql<boolean>`(${owner} = ${scope.accountId} or ${owner} in (select id from accounts where parent_account_id = ${scope.accountId}))`;
    case 'customer':
    case 'anonymous':
      return sql<boolean>`${owner} = ${scope.accountId}`;
  }
}
