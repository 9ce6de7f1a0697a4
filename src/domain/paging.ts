import { AppError } from './errors.ts';
import { type IdKind, idPrefixes } from './ids.ts';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Cursors are opaque to clients: the sort key of the last item returned, base64url-encoded. */
export function encodeCursor(sortKey: string): string {
  return Buffer.from(sortKey, 'utf8').toString('base64url');
}

/** What a list sorts by: the prefixed ID of one kind, or a number (a key's load sequence, a line item's version). */
export type CursorKind = IdKind | 'sequence';

function cursorShape(kind: CursorKind): RegExp {
  return kind === 'sequence' ? /^[0-9]{1,15}$/ : new RegExp(`^${idPrefixes[kind]}_[0-9A-Za-z-]{1,64}$`);
}

/**
 * A cursor must decode to a sort key of the list it is given to: any other value (a forged or
 * mistyped cursor, or one from another list) would page from an arbitrary place and answer a
 * wrong page with a 200.
 */
export function decodeCursor(cursor: string | undefined, kind: CursorKind): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (encodeCursor(decoded) !== cursor || !cursorShape(kind).test(decoded)) {
    throw new AppError('VALIDATION_FAILED', 'The cursor is not one this server handed out.', {
      fields: [{ field: '/cursor', message: 'unknown cursor' }],
    });
  }
  return decoded;
}

export function pageSize(request: PageRequest): number {
  return Math.min(Math.max(request.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
}

/** Given up to `limit + 1` rows, the page and the cursor of the next one. */
export function toPage<R, T>(rows: R[], limit: number, sortKey: (row: R) => string, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept.at(-1);
  return { items: kept.map(map), nextCursor: more && last !== undefined ? encodeCursor(sortKey(last)) : null };
}
