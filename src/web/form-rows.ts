import type { FormBody, FormState } from './forms.ts';

/**
 * Forms with repeated rows (line items, channel partners) offer more rows than a person fills, and
 * some inputs of a row come filled in (a tier, a quantity of 1). A row whose other inputs are all
 * blank was not used: it is dropped, and the rows kept are numbered again from 0, so that a
 * refusal about `/lineItems/1/quantity` is shown beside the second row the person filled in.
 */
export function compactRows(body: FormBody, list: string, prefilled: readonly string[] = []): FormBody {
  const rows = new Map<number, [string, FormBody[string]][]>();
  const rest: FormBody = {};
  const pattern = new RegExp(`^/?${escapeRegExp(list.replace(/^\//, ''))}/(\\d{1,4})/(.+)$`);
  for (const [name, value] of Object.entries(body)) {
    const match = pattern.exec(name);
    if (!match) {
      rest[name] = value;
      continue;
    }
    const index = Number(match[1]);
    const fields = rows.get(index) ?? [];
    fields.push([match[2] ?? '', value]);
    rows.set(index, fields);
  }
  let next = 0;
  for (const index of [...rows.keys()].sort((a, b) => a - b)) {
    const fields = rows.get(index) ?? [];
    const used = fields.some(([field, value]) => !prefilled.includes(field) && !isBlank(value));
    if (!used) continue;
    for (const [field, value] of fields) rest[`${list}/${next}/${field}`] = value;
    next += 1;
  }
  return rest;
}

/** How many rows of `list` a submitted form holds. */
export function rowCount(values: FormBody, list: string): number {
  const pattern = new RegExp(`^/?${escapeRegExp(list.replace(/^\//, ''))}/(\\d{1,4})/`);
  let count = 0;
  for (const name of Object.keys(values)) {
    const match = pattern.exec(name);
    if (match) count = Math.max(count, Number(match[1]) + 1);
  }
  return count;
}

/**
 * The state a row's fields are shown with: the refused form's for a row that was sent, none for a
 * row that was not (so that it shows its prefilled values again rather than blanks).
 */
export function rowState(state: FormState | undefined, list: string, index: number): FormState | undefined {
  if (!state) return undefined;
  const prefix = `${list}/${index}/`;
  const sent = Object.keys(state.values).some((name) => name.startsWith(prefix) || `/${name}`.startsWith(prefix));
  return sent ? state : undefined;
}

function isBlank(value: FormBody[string]): boolean {
  if (value === undefined) return true;
  return (Array.isArray(value) ? value : [value]).every((v) => v.trim() === '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
