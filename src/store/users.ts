import type { SelectQueryBuilder } from 'kysely';
import type { Role } from '../domain/actors.ts';
import { type Page, type PageRequest, decodeCursor, pageSize, toPage } from '../domain/paging.ts';
import type { Scope } from '../domain/scope.ts';
import type { User } from '../domain/users.ts';
import { ownedByVisibleAccount } from './accounts.ts';
import type { Db } from './database.ts';
import type { Database, Row } from './schema.ts';
import { containsText } from './text-search.ts';

function toUser(row: Row<'users'>): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    accountId: row.account_id,
    hasPassword: row.password_hash !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    disabledAt: row.disabled_at,
  };
}

/** A new user; `passwordHash` is null until the user sets a password (e.g. after a sign-in link). */
export type NewUser = Omit<User, 'hasPassword'> & { passwordHash: string | null };

export async function insertUser(db: Db, user: NewUser): Promise<User> {
  await db
    .insertInto('users')
    .values({
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      account_id: user.accountId,
      password_hash: user.passwordHash,
      created_at: user.createdAt,
      updated_at: user.updatedAt,
      disabled_at: user.disabledAt,
    })
    .execute();
  const { passwordHash, ...rest } = user;
  return { ...rest, hasPassword: passwordHash !== null };
}

export async function findUser(db: Db, id: string, scope: Scope = { kind: 'all' }): Promise<User | undefined> {
  const row = await scoped(
    db.selectFrom('users').selectAll('users').where('users.id', '=', id),
    scope,
  ).executeTakeFirst();
  return row && toUser(row);
}

/** The user and its password hash, for signing in; never leaves the services. */
export async function findUserCredentials(
  db: Db,
  email: string,
): Promise<{ user: User; passwordHash: string | null } | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  return row && { user: toUser(row), passwordHash: row.password_hash };
}

export async function updateUserRecord(
  db: Db,
  id: string,
  changes: { name?: string; passwordHash?: string; disabledAt?: string | null; at: string },
): Promise<void> {
  await db
    .updateTable('users')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
      ...(changes.disabledAt !== undefined && { disabled_at: changes.disabledAt }),
      updated_at: changes.at,
    })
    .where('id', '=', id)
    .execute();
}

export interface UserFilter {
  role?: Role | undefined;
  accountId?: string | undefined;
  email?: string | undefined;
}

export async function listUsers(db: Db, scope: Scope, filter: UserFilter, page: PageRequest): Promise<Page<User>> {
  const limit = pageSize(page);
  const after = decodeCursor(page.cursor);
  let query = scoped(db.selectFrom('users').selectAll('users'), scope);
  if (filter.role) query = query.where('users.role', '=', filter.role);
  if (filter.accountId) query = query.where('users.account_id', '=', filter.accountId);
  if (filter.email) query = query.where(containsText('users.email', filter.email));
  if (after) query = query.where('users.id', '>', after);
  const rows = await query
    .orderBy('users.id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => r.id, toUser);
}

/** Users a scope can see: a partner those of its account and its child accounts, a customer its own. */
function scoped<O>(
  query: SelectQueryBuilder<Database, 'users', O>,
  scope: Scope,
): SelectQueryBuilder<Database, 'users', O> {
  const condition = ownedByVisibleAccount('users.account_id', scope);
  return condition ? query.where(condition) : query;
}

// Sessions

export interface SessionWithUser {
  sessionId: string;
  method: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  user: User;
  accountAnonymous: boolean;
}

/** A new session; only the hash of its cookie secret is kept. */
export async function insertSession(
  db: Db,
  session: { id: string; secretHash: string; userId: string; method: string; at: string; expiresAt: string },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: session.id,
      secret_hash: session.secretHash,
      user_id: session.userId,
      method: session.method,
      created_at: session.at,
      last_seen_at: session.at,
      expires_at: session.expiresAt,
    })
    .execute();
}

/** A live session of an enabled user, by the hash of its cookie secret. */
export async function findLiveSession(db: Db, secretHash: string, now: string): Promise<SessionWithUser | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('accounts', 'accounts.id', 'users.account_id')
    .selectAll('users')
    .select([
      'sessions.id as session_id',
      'sessions.method as session_method',
      'sessions.created_at as session_created_at',
      'sessions.last_seen_at as session_last_seen_at',
      'sessions.expires_at as session_expires_at',
      'accounts.anonymous as account_anonymous',
    ])
    .where('sessions.secret_hash', '=', secretHash)
    .where('sessions.expires_at', '>', now)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const {
    session_id,
    session_method,
    session_created_at,
    session_last_seen_at,
    session_expires_at,
    account_anonymous,
    ...user
  } = row;
  return {
    sessionId: session_id,
    method: session_method,
    createdAt: session_created_at,
    lastSeenAt: session_last_seen_at,
    expiresAt: session_expires_at,
    user: toUser(user),
    accountAnonymous: account_anonymous === 1,
  };
}

export async function touchSession(db: Db, id: string, lastSeenAt: string, expiresAt: string): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: lastSeenAt, expires_at: expiresAt })
    .where('id', '=', id)
    .execute();
}

/** Answers whether the session existed. */
export async function deleteSession(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Ends every session of the user but `keep` (the one that changed the password, say). */
export async function deleteSessionsOfUser(db: Db, userId: string, keep?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keep) query = query.where('id', '!=', keep);
  await query.execute();
}

export async function deleteExpiredSessions(db: Db, now: string): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}

// Sign-in links

export async function insertSignInLink(
  db: Db,
  link: { secretHash: string; userId: string; createdBy: string; at: string; expiresAt: string },
): Promise<void> {
  await db
    .insertInto('sign_in_links')
    .values({
      secret_hash: link.secretHash,
      user_id: link.userId,
      created_by: link.createdBy,
      created_at: link.at,
      expires_at: link.expiresAt,
      used_at: null,
    })
    .execute();
}

/**
 * Uses a link, once: the conditional update is what makes it one-use when two tabs (or a mail
 * scanner and a person) open it at the same moment. Answers the user it signs in, if any.
 */
export async function claimSignInLink(db: Db, secretHash: string, at: string): Promise<string | undefined> {
  const result = await db
    .updateTable('sign_in_links')
    .set({ used_at: at })
    .where('secret_hash', '=', secretHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return undefined;
  const row = await db
    .selectFrom('sign_in_links')
    .select('user_id')
    .where('secret_hash', '=', secretHash)
    .executeTakeFirst();
  return row?.user_id;
}

/** Whether a link could still be used, without using it: the page that asks "sign in?" shows this. */
export async function isSignInLinkUsable(db: Db, secretHash: string, now: string): Promise<boolean> {
  const row = await db
    .selectFrom('sign_in_links')
    .select('user_id')
    .where('secret_hash', '=', secretHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}
