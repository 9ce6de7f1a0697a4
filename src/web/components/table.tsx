import type { ComponentChildren } from 'preact';
import { hrefWith } from '../hrefs.ts';
import { EmptyState } from './layout.tsx';

export interface Column<T> {
  label: string;
  cell: (row: T) => ComponentChildren;
  /** Numbers line up on the right. */
  numeric?: boolean;
}

/** A table of rows that scrolls sideways on a narrow screen rather than squeezing its columns. */
export function DataTable<T>({
  columns,
  rows,
  caption,
  empty,
}: {
  columns: Column<T>[];
  rows: T[];
  caption?: string;
  empty: { title: string; body?: ComponentChildren };
}) {
  if (rows.length === 0) return <EmptyState title={empty.title}>{empty.body}</EmptyState>;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={caption ?? 'Table'}>
      <table class="table">
        {caption && <caption class="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" class={column.numeric ? 'num' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr>
              {columns.map((column) => (
                <td class={column.numeric ? 'num' : undefined} data-label={column.label}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Cursor paging: the next page is a link carrying the cursor, keeping the filters of this one.
 * `query` is this page's query string without the cursor.
 */
export function Pager({
  path,
  query,
  nextCursor,
  cursor,
  param = 'cursor',
  label = 'Pages',
}: {
  path: string;
  query: Record<string, string | undefined>;
  nextCursor: string | null;
  cursor?: string | undefined;
  /** The query parameter of the cursor: a page with two lists pages each under its own. */
  param?: string;
  label?: string;
}) {
  if (!nextCursor && !cursor) return null;
  const { [param]: _shown, ...rest } = query;
  const href = (next: string | undefined) => hrefWith(path, { ...rest, [param]: next });
  return (
    <nav class="pager" aria-label={label}>
      {cursor && (
        <a class="button button-quiet" href={href(undefined)}>
          ← First page
        </a>
      )}
      {nextCursor && (
        <a class="button" href={href(nextCursor)} rel="next">
          Next page →
        </a>
      )}
    </nav>
  );
}

/** Filters of a list, sent as a GET so that a filtered list has an address to share. */
export function FilterBar({ action, children }: { action: string; children: ComponentChildren }) {
  return (
    <form method="get" action={action} class="filters" role="search">
      {children}
      <div class="filters-actions">
        <button type="submit" class="button">
          Filter
        </button>
        <a class="button button-quiet" href={action}>
          Clear
        </a>
      </div>
    </form>
  );
}
