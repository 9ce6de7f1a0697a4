import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Static, TSchema } from 'typebox';
import { AppError, type FieldError } from '../domain/errors.ts';
import { formValidationError } from './field-messages.ts';

/** A submitted form as @fastify/formbody parses it: a repeated name gives an array. */
export type FormBody = Record<string, string | string[] | undefined>;

/** What a form shows again after a refusal: what was typed, and what was wrong with it. */
export interface FormState {
  values: FormBody;
  /** By field name (a JSON pointer such as `/lineItems/0/quantity`). */
  errors: Record<string, string>;
  /** A refusal that is about no single field, e.g. a state conflict. */
  message: string | undefined;
}

export const emptyForm: FormState = { values: {}, errors: {}, message: undefined };

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// Form values are text: coerced to the types the API's own schemas declare.
const ajv = addFormats(
  new Ajv({ allErrors: true, useDefaults: true, removeAdditional: false, strict: false, coerceTypes: 'array' }),
);
const compiled = new WeakMap<TSchema, ValidateFunction>();

/**
 * Input names are JSON pointers into the object the API would take (`/name`, `/lineItems/0/quantity`),
 * or plain names for the top level. Values are trimmed, and blank ones left out, as an API client
 * would leave them out; a list entry left entirely blank disappears. Names starting with `_` (the CSRF token) are not
 * part of the input.
 */
export function formObject(body: FormBody): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(body)) {
    if (name.startsWith('_') || raw === undefined) continue;
    // Spaces around typed text are slips, except in a password, where they are part of it.
    const keepSpaces = /password$/i.test(name);
    const values = (Array.isArray(raw) ? raw : [raw])
      .map((v) => (keepSpaces ? v : v.trim()))
      .filter((v) => v.trim() !== '');
    if (values.length === 0) continue;
    for (const value of values) {
      if (value.includes('\u0000'))
        throw new AppError('VALIDATION_FAILED', 'Text must not contain NUL characters.', {
          fields: [{ field: pointerOf(name), message: 'contains a NUL character' }],
        });
    }
    const path = pointerOf(name).split('/').slice(1);
    set(root, path, Array.isArray(raw) ? values : values[0]);
  }
  return compact(root) as Record<string, unknown>;
}

function pointerOf(name: string): string {
  return name.startsWith('/') ? name : `/${name}`;
}

function set(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const [index, key] of path.entries()) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return;
    if (index === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
}

/** Objects keyed 0, 1, 2… become lists, in order, without the entries that were left blank. */
function compact(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 0 && entries.every(([key]) => /^\d{1,4}$/.test(key))) {
    return entries
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, item]) => compact(item))
      .filter(
        (item) =>
          !(typeof item === 'object' && item !== null && !Array.isArray(item) && Object.keys(item).length === 0),
      );
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, compact(item)]));
}

/**
 * The form as the typed input of a service, validated by the same schema the API route uses, so a
 * rule about what a field may hold is written once.
 */
export function parseForm<T extends TSchema>(
  schema: T,
  body: FormBody,
  extra: Record<string, unknown> = {},
): Static<T> {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  const input = { ...formObject(body), ...extra };
  if (!validate(input)) throw formValidationError(validate.errors ?? []);
  return input as Static<T>;
}

/** The state a refused form is shown again with. */
export function refusedForm(values: FormBody, error: AppError): FormState {
  const errors: Record<string, string> = {};
  for (const field of error.fields ?? ([] as FieldError[])) {
    errors[field.field] ??= field.message;
    // Field names without a leading slash match too.
    errors[field.field.slice(1)] ??= field.message;
  }
  const unplaced = (error.fields ?? []).length === 0;
  return { values, errors, message: unplaced ? error.message : 'Please correct the fields marked below.' };
}

/**
 * For an edit form: the fields among `names` left blank, as `null`, which the API reads as
 * "clear it" (a blank field is otherwise left out, which the API reads as "leave it").
 */
export function blanksAsNull(body: FormBody, names: readonly string[]): Record<string, null> {
  return Object.fromEntries(
    names.filter((name) => (textOf(body, name) ?? '').trim() === '').map((name) => [name, null]),
  );
}

/** The text submitted under `name` (or its pointer form, `/name`). */
export function textOf(values: FormBody, name: string): string | undefined {
  const raw = values[name] ?? values[name.startsWith('/') ? name.slice(1) : `/${name}`];
  return Array.isArray(raw) ? raw[0] : raw;
}

/** The value a form showed in `name`, for inputs filled in again after a refusal. */
export function submittedValue(state: FormState, name: string): string | undefined {
  return textOf(state.values, name);
}

export function valuesOf(state: FormState, name: string): string[] {
  const raw = state.values[name];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}
