import type { Feature, ProductFeature } from '../../domain/catalog.ts';
import { type FormBody, type FormState, emptyForm, submittedValue, textOf } from '../forms.ts';

/** Blank rows offered after the product's own, for features to add. */
const BLANK_ROWS = 3;

/**
 * The features of a product as rows of name, version and count (`/features/0/name`…), the shape the
 * API takes. Names are suggested from the catalogue; a row left blank is dropped.
 */
export function FeatureRows({
  state = emptyForm,
  current = [],
  known,
}: {
  state?: FormState;
  current?: ProductFeature[];
  known: Feature[];
}) {
  const submitted = Object.keys(state.values).length > 0;
  const submittedRows = submitted
    ? Object.keys(state.values).filter((name) => /^\/features\/\d+\/name$/.test(name)).length
    : 0;
  const count = (submitted ? submittedRows : current.length) + BLANK_ROWS;
  const names = [...new Set(known.map((f) => f.name))];
  // After a refusal, the features named that the catalogue lacks: offered to be created here.
  const missing = Object.keys(state.errors).length > 0 ? missingFeatures(state.values, known) : [];
  return (
    <fieldset class="group feature-rows">
      <legend>Features</legend>
      <p class="field-hint">
        What the product enables, as its licences will list them. A feature not in the catalogue yet can be created from
        here. A row without a name is left out: clear the name to remove a feature.
      </p>
      {missing.length > 0 && (
        <div class="notice notice-warn" id="missing-features">
          <p>Not in the catalogue yet: {missing.map((f) => `${f.name} ${f.version}`).join(', ')}.</p>
          <button type="submit" class="button" name={CREATE_FEATURES} value="true">
            {missing.length === 1 ? 'Create this feature' : `Create these ${missing.length} features`} and save the
            product
          </button>
        </div>
      )}
      <datalist id="feature-names">
        {names.map((name) => (
          <option value={name} />
        ))}
      </datalist>
      {Array.from({ length: count }, (_, index) => {
        const feature = current[index];
        const shown = (field: 'name' | 'version' | 'count', fallback: string | number | undefined) =>
          submitted
            ? (submittedValue(state, `/features/${index}/${field}`) ?? '')
            : fallback === undefined
              ? ''
              : String(fallback);
        const error =
          state.errors[`/features/${index}`] ??
          state.errors[`/features/${index}/name`] ??
          state.errors[`/features/${index}/version`] ??
          state.errors[`/features/${index}/count`];
        const id = `f-features-${index}`;
        return (
          <div class={error ? 'feature-row field-invalid' : 'feature-row'}>
            <div class="field">
              <label for={`${id}-name`}>Feature {index + 1}</label>
              <input
                id={`${id}-name`}
                type="text"
                name={`/features/${index}/name`}
                list="feature-names"
                value={shown('name', feature?.name)}
                aria-invalid={error ? 'true' : undefined}
                aria-describedby={error ? `${id}-error` : undefined}
              />
            </div>
            <div class="field">
              <label for={`${id}-version`}>Version</label>
              <input
                id={`${id}-version`}
                type="text"
                name={`/features/${index}/version`}
                placeholder="1.0"
                value={shown('version', feature?.version)}
              />
            </div>
            <div class="field">
              <label for={`${id}-count`}>Count</label>
              <input
                id={`${id}-count`}
                type="number"
                min={1}
                name={`/features/${index}/count`}
                placeholder="1"
                value={shown('count', feature?.count)}
              />
            </div>
            {error && (
              <p class="field-error" id={`${id}-error`}>
                {error}
              </p>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

/** The button that creates the missing features before the product is saved (its name is not part of the input). */
export const CREATE_FEATURES = '_createFeatures';

/** The features a form names (name and version, `1.0` when blank, as the service reads them) that are not in `known`. */
export function missingFeatures(
  body: FormBody,
  known: Pick<Feature, 'name' | 'version'>[],
): { row: number; name: string; version: string }[] {
  const have = new Set(known.map((f) => `${f.name}\u0000${f.version}`));
  const missing: { row: number; name: string; version: string }[] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(body)) {
    const row = /^\/features\/(\d+)\/name$/.exec(key)?.[1];
    if (row === undefined) continue;
    const name = (textOf(body, key) ?? '').trim();
    const version = (textOf(body, `/features/${row}/version`) ?? '').trim() || '1.0';
    const both = `${name}\u0000${version}`;
    if (name === '' || have.has(both) || seen.has(both)) continue;
    seen.add(both);
    missing.push({ row: Number(row), name, version });
  }
  return missing.sort((a, b) => a.row - b.row);
}

/**
 * The form without the feature rows whose name was left blank (such a row is not a feature, whatever
 * its count says), and the others numbered 0, 1, 2… as the service will number them, so that a
 * refusal of `/features/1` is shown beside the row that was sent as the second one.
 */
export function withoutNamelessFeatures(body: FormBody): FormBody {
  const rowOf = (name: string) => /^\/features\/(\d+)\//.exec(name)?.[1];
  const named = Object.entries(body)
    .filter(([name, value]) => /^\/features\/\d+\/name$/.test(name) && typeof value === 'string' && value.trim() !== '')
    .map(([name]) => rowOf(name) ?? '')
    .sort((a, b) => Number(a) - Number(b));
  const renumbered = new Map(named.map((row, index) => [row, index]));
  const kept: FormBody = {};
  for (const [name, value] of Object.entries(body)) {
    const row = rowOf(name);
    if (row === undefined) kept[name] = value;
    else if (renumbered.has(row)) kept[name.replace(`/features/${row}/`, `/features/${renumbered.get(row)}/`)] = value;
  }
  return kept;
}
