import { Type } from 'typebox';
import { accountTypes } from '../../domain/accounts.ts';
import { ResourceId } from '../../interface/schemas/common.ts';
import { accountSuggestions, productSuggestions } from '../choices.ts';
import type { Option } from '../components/form.tsx';
import { type FormBody, parseForm, textOf } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery } from '../web.ts';

/** Shorter text matches too much to be worth a query. */
const MIN_TEXT = 2;

/**
 * Which field asks (htmx sends its value under its own name, e.g. `/lineItems/0/productId`), and
 * the account picker's own filters.
 */
const SuggestionQuery = Type.Object({
  field: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_/]+$' }),
  type: Type.Optional(Type.Union(accountTypes.map((t) => Type.Literal(t)))),
  parentAccountId: Type.Optional(ResourceId),
  anonymous: Type.Optional(Type.Boolean()),
});

const TypedText = Type.Object({ text: Type.String({ maxLength: 200 }) });

function Suggestions({ options }: { options: Option[] }) {
  return (
    <>
      {options.map((option) => (
        <option value={option.value}>{option.label}</option>
      ))}
    </>
  );
}

/**
 * Suggestions for a picker too long to list (`PickerField`): the records named like what was
 * typed, as `<option>`s for the field's datalist, from the same scoped services as every list.
 */
export async function suggestionPages({ app, ctx, render }: Web): Promise<void> {
  const typed = (query: FormBody, field: string) =>
    parseForm(TypedText, { text: textOf(query, field) ?? '' }).text.trim();

  app.get('/suggestions/accounts', async (request, reply) => {
    const { actor } = signedIn(request);
    const { field, ...filter } = parseQuery(SuggestionQuery, request);
    const text = typed(request.query as FormBody, field);
    const options = text.length < MIN_TEXT ? [] : await accountSuggestions(ctx, actor, filter, text);
    return render.page(request, reply, <Suggestions options={options} />, { fragment: true });
  });

  app.get('/suggestions/products', async (request, reply) => {
    const { actor } = signedIn(request);
    const { field } = parseQuery(SuggestionQuery, request);
    const text = typed(request.query as FormBody, field);
    const options = text.length < MIN_TEXT ? [] : await productSuggestions(ctx, actor, text);
    return render.page(request, reply, <Suggestions options={options} />, { fragment: true });
  });
}
