import { counted } from '../../domain/words.ts';
import type { WebRegisterKeyCounts } from '../../domain/entitlements.ts';
import { keyFromLine } from '../../domain/bulk.ts';
import { AppError } from '../../domain/errors.ts';
import { type FormBody, type FormState, emptyForm, valuesOf } from '../forms.ts';
import { useUniqueId } from '../page-context.ts';
import { CsrfField } from './form.tsx';

export function keysPath(id: string): string {
  return `/portal/entitlements/${encodeURIComponent(id)}/keys`;
}

export function entitlementPath(id: string): string {
  return `/portal/entitlements/${encodeURIComponent(id)}`;
}

export function loadedMessage(added: number, rejected: number): string {
  return `Loaded ${counted(added, 'key')}.${rejected > 0 ? ` ${counted(rejected, 'rejected key')} ${rejected === 1 ? 'was' : 'were'} skipped.` : ''}`;
}

/** The refused keys an error carries (a load, void or split that was all or nothing). */
export function refusedKeysOf(error: unknown): RefusedKey[] | undefined {
  if (!(error instanceof AppError)) return undefined;
  const rejected = error.extensions?.rejected;
  return Array.isArray(rejected) ? (rejected as RefusedKey[]) : undefined;
}

/** A key in a list: kept on one line, so that a column of keys reads down. */
export function KeyCode({ children }: { children: string }) {
  return <code class="code key-code">{children}</code>;
}

/** Why a key was refused, in words. */
const reasons: Record<string, string> = {
  invalid: 'not a valid key (4 to 64 of A–Z, a–z, 0–9, - _ .)',
  'duplicate-in-load': 'appears twice',
  'already-exists': 'exists already (as a key or an activation ID)',
  'entitlement-id-taken': 'would become an entitlement ID that is taken already',
  'not-found': 'not a key of this stock',
  redeemed: 'redeemed already',
  void: 'void already',
};

export interface RefusedKey {
  key: string;
  reason: string;
}

/** The refused keys of an action, in a table that scrolls inside itself; a long list is cut short. */
export function RejectedKeys({
  rejected,
  title,
  limit = 200,
}: {
  rejected: RefusedKey[];
  title: string;
  limit?: number;
}) {
  if (rejected.length === 0) return null;
  const shown = rejected.slice(0, limit);
  return (
    <div class="rejected-keys">
      <p class="rejected-title">{title}</p>
      <div class="table-wrap rejected-list" tabIndex={0} role="region" aria-label="Rejected keys">
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr>
                <td>
                  <KeyCode>{r.key}</KeyCode>
                </td>
                <td>{reasons[r.reason] ?? r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rejected.length > shown.length && (
        <p class="muted">…and {(rejected.length - shown.length).toLocaleString('en')} more.</p>
      )}
    </div>
  );
}

/** The four counts of a bulk entitlement's keys, each a link to the keys in that state. */
export function KeyCounts({
  counts,
  href,
  current,
}: {
  counts: WebRegisterKeyCounts;
  href: string;
  current?: string | undefined;
}) {
  const cards: [string, string | undefined, number][] = [
    ['Total', undefined, counts.total],
    ['Unredeemed', 'unredeemed', counts.unredeemed],
    ['Redeemed', 'redeemed', counts.redeemed],
    ['Void', 'void', counts.void],
  ];
  return (
    <ul class="key-counts" id="key-counts" aria-label="Keys by state">
      {cards.map(([label, state, value]) => (
        <li>
          <a
            class="card card-link stat"
            href={state ? `${href}?state=${state}` : href}
            aria-current={current === state ? 'true' : undefined}
            data-count={state ?? 'total'}
          >
            <span class="stat-value">{value.toLocaleString('en')}</span>
            <span class="stat-label">{label}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

/** The keys typed or pasted into `name` (one a line, `#` comments and blank lines skipped), with any ticked ones. */
export function keyListOf(body: FormBody, name: string): string[] {
  const raw = body[name] ?? body[`/${name}`];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return values.flatMap((v) => v.split(/\r?\n/)).flatMap((line) => keyFromLine(line) ?? []);
}

/** The form body with the list in `name` made one key per entry, as the API's `keys` array. */
export function withKeyList(body: FormBody, name: string): FormBody {
  const copy: FormBody = { ...body };
  delete copy[`/${name}`];
  copy[name] = keyListOf(body, name);
  return copy;
}

/** A textarea of keys, one a line; after a refusal it shows the keys that were sent. */
export function KeyListField({
  name,
  label,
  state = emptyForm,
  hint,
  rows = 5,
}: {
  name: string;
  label: string;
  state?: FormState;
  hint?: string;
  rows?: number;
}) {
  const id = useUniqueId(`f-${name}-${label.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`);
  const message = state.errors[name];
  const described = [hint ? `${id}-hint` : '', message ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={message ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      <textarea
        id={id}
        name={name}
        rows={rows}
        class="mono"
        spellcheck={false}
        autocomplete="off"
        aria-invalid={message ? 'true' : undefined}
        aria-describedby={described}
      >
        {valuesOf(state, name).join('\n')}
      </textarea>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {message && (
        <p class="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  );
}

/**
 * A key file sent as one streamed request (portal.js, `form[data-upload]`) with a progress bar;
 * the answer either sends the browser on (`x-location`) or lands in `#upload-result` (put one on the page).
 */
export function KeyUploadForm({ action, limitBytes }: { action: string; limitBytes: number }) {
  return (
    <form
      id="key-upload"
      method="post"
      action={action}
      class="form"
      enctype="multipart/form-data"
      data-upload={action}
      data-upload-target="#upload-result"
      data-upload-refresh="#key-counts, #keys, #void-keys, #split"
    >
      <CsrfField />
      <div class="field">
        <label for="f-key-file">Key file</label>
        <input
          id="f-key-file"
          type="file"
          name="file"
          accept=".txt,.csv,text/plain"
          required
          aria-describedby="f-key-file-hint"
        />
        <p class="field-hint" id="f-key-file-hint">
          Plain text, one key per line; blank lines and lines starting with # are skipped. Up to{' '}
          {Math.floor(limitBytes / (1024 * 1024))} MB (a million keys of 23 characters is about 24 MB).
        </p>
      </div>
      <div class="field field-check">
        <input id="f-key-file-partial" type="checkbox" name="partial" value="true" data-upload-query />
        <label for="f-key-file-partial">Load the good keys and skip the rejected ones</label>
        <p class="field-hint">Otherwise one bad or duplicate key refuses the whole file, and nothing is loaded.</p>
      </div>
      <progress hidden max={1} value={0} aria-label="Upload progress"></progress>
      <p class="progress-text" data-upload-status role="status" aria-live="polite"></p>
      <div class="form-actions">
        <button type="submit" class="button button-primary">
          Upload key file
        </button>
      </div>
    </form>
  );
}
