import type { ErrorObject } from 'ajv';
import { AppError, type FieldError } from '../domain/errors.ts';
import { validationError } from '../interface/problem.ts';
import { FINGERPRINT_PATTERN_SOURCE } from '../licensing/fingerprint-format.ts';

/**
 * A form's schema violations as sentences a person understands, one per field. The API answers the
 * validator's own words with the same field pointers and code; a person filling in a form gets
 * "Use at least 12 characters." instead of "must NOT have fewer than 12 characters".
 */
export function formValidationError(violations: readonly ErrorObject[]): AppError {
  // The pointers come from the API's own mapping, so a form field and an API field are named alike.
  const pointers = (validationError(violations).fields ?? []).map((f) => f.field);
  const byField = new Map<string, ErrorObject[]>();
  violations.forEach((violation, i) => {
    const field = pointers[i] ?? '/';
    byField.set(field, [...(byField.get(field) ?? []), violation]);
  });
  const fields: FieldError[] = [...byField].map(([field, group]) => ({ field, message: sentenceFor(group) }));
  return new AppError(
    'VALIDATION_FAILED',
    fields.length === 1 ? (fields[0]?.message ?? 'Please correct the form.') : 'Please correct the fields marked.',
    { fields },
  );
}

/** One sentence for everything wrong with one field (a union answers once per branch). */
export function sentenceFor(group: readonly ErrorObject[]): string {
  const branches = group.filter((v) => v.keyword !== 'anyOf' && v.keyword !== 'oneOf');
  // A nullable field also fails its "or null" branch; that is not what the person got wrong.
  const meaningful = branches.filter((v) => !(v.keyword === 'type' && v.params.type === 'null'));
  const consts = meaningful.filter((v) => v.keyword === 'const');
  if (consts.length > 1) return oneOf(consts.map((v) => v.params.allowedValue));
  const first = meaningful[0] ?? branches[0] ?? group[0];
  return first ? sentence(first) : 'This value is not accepted.';
}

function sentence(v: ErrorObject): string {
  const p = v.params as Record<string, unknown>;
  const n = Number(p.limit);
  switch (v.keyword) {
    case 'required':
      return 'Fill this in.';
    case 'additionalProperties':
      return 'This form does not take this field.';
    case 'minLength':
      return n <= 1 ? 'Fill this in.' : `Use at least ${n} characters.`;
    case 'maxLength':
      return `Use at most ${n} characters.`;
    case 'minimum':
      return `Enter ${n} or more.`;
    case 'exclusiveMinimum':
      return `Enter a number greater than ${n}.`;
    case 'maximum':
      return `Enter ${n} or less.`;
    case 'exclusiveMaximum':
      return `Enter a number less than ${n}.`;
    case 'minItems':
      return n <= 1 ? 'Add at least one.' : `Add at least ${n}.`;
    case 'maxItems':
      return `Give at most ${n}.`;
    case 'uniqueItems':
      return 'Give each entry only once.';
    case 'enum':
      return oneOf(Array.isArray(p.allowedValues) ? p.allowedValues : []);
    case 'const':
      return `The only accepted value is ${String(p.allowedValue)}.`;
    case 'type':
      return typeSentence(String(p.type));
    case 'format':
      return formatSentence(String(p.format));
    case 'pattern':
      return patternSentence(String(p.pattern));
    default:
      return 'This value is not accepted.';
  }
}

function oneOf(values: readonly unknown[]): string {
  return values.length === 0 ? 'This value is not accepted.' : `Choose one of: ${values.map(String).join(', ')}.`;
}

function typeSentence(type: string): string {
  const first = type.split(',')[0];
  switch (first) {
    case 'integer':
      return 'Enter a whole number.';
    case 'number':
      return 'Enter a number.';
    case 'boolean':
      return 'Tick the box or leave it empty.';
    case 'array':
      return 'Give a list.';
    default:
      return 'Fill this in as text.';
  }
}

function formatSentence(format: string): string {
  switch (format) {
    case 'date':
      return 'Enter a date as YYYY-MM-DD, for example 2026-12-31.';
    case 'date-time':
      return 'Enter a date and time, for example 2026-12-31T17:00:00Z.';
    case 'email':
      return 'Enter an email address, for example name@example.com.';
    case 'uri':
    case 'url':
      return 'Enter a full web address, starting with https://.';
    default:
      return `Enter a valid ${format}.`;
  }
}

// Patterns whose meaning cannot be read off a character class.
const patternSentences: Record<string, string> = {
  '\\S': 'Enter something other than spaces.',
  [FINGERPRINT_PATTERN_SOURCE]:
    'Use letters (of any script), digits, spaces and punctuation, with no control characters and no space at the start or end.',
  '^\\d{4}-(0[1-9]|1[0-2]|Q[1-4])$': 'Enter a month such as 2026-11 or a quarter such as 2026-Q4.',
};

const classNames: [RegExp, string][] = [
  [/A-Za-z/, 'letters'],
  [/A-Z(?!a-z)/, 'capital letters'],
  [/(?<!A-Z)a-z/, 'small letters'],
  [/0-9|\\d/, 'digits'],
  [/\./, 'dots'],
  [/_/, 'underscores'],
  [/-$/, 'hyphens'],
];

/** A sentence for `^[class]{m,n}$`, the form of most identifiers a person may choose; else a general one. */
export function patternSentence(pattern: string): string {
  const known = patternSentences[pattern];
  if (known) return known;
  const simple = /^\^\[([^\]]+)\]\{(\d+),(\d+)\}\$$/.exec(pattern);
  if (simple) {
    const [, characters = '', min, max] = simple;
    const kinds = classNames.filter(([re]) => re.test(characters)).map(([, name]) => name);
    if (kinds.length > 0) {
      const list = kinds.length === 1 ? kinds[0] : `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`;
      return `Use ${min} to ${max} ${list}, without spaces.`;
    }
  }
  return 'This is not in the form this field takes.';
}
