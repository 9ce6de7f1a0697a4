import { type RawBuilder, sql } from 'kysely';

/**
 * Case-insensitive substring match that behaves the same on SQLite (whose LIKE has no default
 * escape character and ignores ASCII case) and PostgreSQL (whose LIKE is case-sensitive).
 */
export function containsText(column: string, text: string): RawBuilder<boolean> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
