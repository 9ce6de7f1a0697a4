/**
 * Paging through a list that is already in memory (a statement's lines): by position, under its
 * own query parameter, so two lists on one page page apart.
 */
export function OffsetPager({
  path,
  query,
  param,
  offset,
  size,
  total,
  label,
}: {
  path: string;
  query: Record<string, string | undefined>;
  param: string;
  offset: number;
  size: number;
  total: number;
  label: string;
}) {
  if (total <= size) return null;
  const href = (at: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined && value !== '' && key !== param) params.set(key, value);
    if (at > 0) params.set(param, String(at));
    return `${path}?${params.toString()}`;
  };
  const last = Math.min(offset + size, total);
  return (
    <nav class="pager" aria-label={label}>
      <span class="pager-position">
        {offset + 1}–{last} of {total.toLocaleString('en')}
      </span>
      {offset > 0 && (
        <a class="button button-quiet" href={href(Math.max(0, offset - size))} rel="prev">
          ← Previous
        </a>
      )}
      {last < total && (
        <a class="button" href={href(offset + size)} rel="next">
          Next →
        </a>
      )}
    </nav>
  );
}
