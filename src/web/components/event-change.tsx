import type { AuditEvent } from '../../domain/events.ts';

export interface FieldChange {
  field: string;
  before: string | undefined;
  after: string | undefined;
}

const MAX_DEPTH = 4;

/** A list of plain values reads as one: `name, email`. */
function isPlainList(value: unknown[]): boolean {
  return value.every((v) => v === null || typeof v !== 'object');
}

function flatten(value: unknown, prefix: string, out: Map<string, string>, depth: number): void {
  if (Array.isArray(value) && depth < MAX_DEPTH) {
    if (value.length === 0 || isPlainList(value)) {
      out.set(prefix || '(value)', value.length === 0 ? 'none' : value.map((v) => String(v)).join(', '));
      return;
    }
    // A list of records (channel partners, line items) differs row by row and field by field.
    for (const [index, inner] of value.entries()) flatten(inner, `${prefix}[${index + 1}]`, out, depth + 1);
    return;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < MAX_DEPTH) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, '{}');
    for (const [key, inner] of entries) flatten(inner, prefix ? `${prefix}.${key}` : key, out, depth + 1);
    return;
  }
  if (prefix === '' && (value === null || value === undefined)) return;
  out.set(prefix || '(value)', typeof value === 'string' ? value : JSON.stringify(value));
}

/** The fields an event's before and after differ in, in the order they first appear. */
export function changedFields(before: unknown, after: unknown): FieldChange[] {
  const old = new Map<string, string>();
  const now = new Map<string, string>();
  flatten(before, '', old, 0);
  flatten(after, '', now, 0);
  const fields = [...new Set([...old.keys(), ...now.keys()])];
  return fields
    .filter((f) => old.get(f) !== now.get(f))
    .map((field) => ({ field, before: old.get(field), after: now.get(field) }));
}

const SHOWN = 8;

/** An event's change, compactly (changed fields only), with the full record one click away. */
export function EventChange({ event }: { event: AuditEvent }) {
  const changes = changedFields(event.before, event.after);
  const hasRecord = event.before !== null || event.after !== null;
  return (
    <div class="change">
      {changes.length === 0 ? (
        <span class="muted">{hasRecord ? 'No field changed' : 'No details recorded'}</span>
      ) : (
        <ul class="change-list">
          {changes.slice(0, SHOWN).map((c) => (
            <li>
              <span class="change-field">{c.field}</span>{' '}
              {c.before !== undefined && <del class="change-before">{c.before}</del>}
              {c.before !== undefined && c.after !== undefined && <span aria-hidden="true"> → </span>}
              {c.after !== undefined && <ins class="change-after">{c.after}</ins>}
            </li>
          ))}
          {changes.length > SHOWN && <li class="muted">and {changes.length - SHOWN} more</li>}
        </ul>
      )}
      {hasRecord && (
        <details class="change-json">
          <summary>Full record</summary>
          <div class="change-json-grid">
            <div>
              <p class="change-json-label">Before</p>
              <pre>{JSON.stringify(event.before, null, 2)}</pre>
            </div>
            <div>
              <p class="change-json-label">After</p>
              <pre>{JSON.stringify(event.after, null, 2)}</pre>
            </div>
          </div>
        </details>
      )}
    </div>
  );
}
