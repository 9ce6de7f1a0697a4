import { type Static, type TEnum, type TSchema, Type } from 'typebox';
import { MAX_PAGE_SIZE } from '../../domain/paging.ts';

/** Request objects refuse unknown members: a misspelt field is an error, not silently ignored. */
export function Strict<T extends Record<string, TSchema>>(properties: T, options: { description?: string } = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

export function StringEnum<const T extends string[]>(
  values: readonly [...T],
  options: { description?: string } = {},
): TEnum<T> {
  return Type.Enum<T>(values, options);
}

/** A name a person types: something other than spaces, and not a novel. */
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
export const ShortText = Type.String({ maxLength: 200 });
export const LongText = Type.String({ maxLength: 4000 });
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const DateOnly = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD (UTC).' });
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 UTC.' });
export const ResourceId = Type.String({ minLength: 1, maxLength: 100 });

export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100, description: 'Items per page, at most 1000.' }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 400, description: 'The `nextCursor` of the previous page.' })),
};

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page.' })),
  });
}

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable, upper-case error code.' }),
    fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details.' },
);

export type ProblemBody = Static<typeof Problem>;

/** A page of a list, as `PageOf(item)` describes it. */
export type PageBody<T> = { items: T[]; nextCursor: string | null };

/** The error answers every route may give, for the OpenAPI document. */
export const problemResponses = {
  '4xx': Problem,
  '5xx': Problem,
};

export const IdParams = Strict({ id: ResourceId });
