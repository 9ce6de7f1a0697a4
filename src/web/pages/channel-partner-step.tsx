import { Type } from 'typebox';
import type { Actor } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import { AccountInput, ContactInput } from '../../interface/schemas/accounts-inputs.ts';
import { statusOfError } from '../../interface/problem.ts';
import { createAccount } from '../../services/accounts/create-account.ts';
import { createContact } from '../../services/accounts/create-contact.ts';
import { type FormBody, type FormState, parseForm, refusedForm, textOf } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, isAboutTheForm, parseQuery } from '../web.ts';
import {
  ContactField,
  PARTNER_ROWS,
  accountField,
  contactField,
  newField,
  partnerContacts,
} from './channel-partner-fields.tsx';

// The in-place steps of the channel-partner rows: a contact select for the chosen account, and an
// account or a contact created without leaving the entitlement form. Each creation is the same
// service (and audit event) as on the accounts pages; the entitlement form comes back as it was
// sent, with what was created chosen in its row.

const ContactQuery = Type.Object(
  { index: Type.Integer({ minimum: 0, maximum: PARTNER_ROWS - 1 }) },
  { additionalProperties: true },
);

/** What a "create it here" button asked for (`_make`), and in which row. */
function madeRequest(values: FormBody): { what: 'account' | 'contact' | 'list'; index: number } | undefined {
  const match = /^(account|contact|list)\/(\d)$/.exec(textOf(values, '_make') ?? '');
  const index = Number(match?.[2]);
  if (!match || index >= PARTNER_ROWS) return undefined;
  return { what: match[1] as 'account' | 'contact' | 'list', index };
}

/** A refusal of the account or contact input, placed beside the in-place field it is about. */
function placed(error: AppError, fields: Record<string, string>, fallback: string): AppError {
  const where = (field: string) => (field.startsWith('_new/') ? field : (fields[field] ?? fallback));
  const given = error.fields ?? [];
  return new AppError(error.code, error.message, {
    fields:
      given.length > 0
        ? given.map((f) => ({ ...f, field: where(f.field) }))
        : [{ field: fallback, message: error.message }],
  });
}

export interface MadeInPlace {
  state: FormState;
  notice: string | undefined;
  /** The status of the page: a refusal's, else 200. */
  status: number;
}

/**
 * Runs the in-place step a button asked for and gives the entitlement form's state to show again:
 * every value as sent, the new record chosen in its row, the in-place fields emptied once used.
 */
export async function makeInPlace(web: Web, actor: Actor, sent: FormBody): Promise<MadeInPlace> {
  const values: FormBody = { ...sent };
  delete values._make;
  delete values._csrf;
  const asked = madeRequest(sent);
  const kept = (notice?: string): MadeInPlace => ({
    state: { values, errors: {}, message: undefined },
    notice,
    status: 200,
  });
  if (!asked || asked.what === 'list') return kept();
  const { index } = asked;
  const text = (name: string) => textOf(values, newField(index, name)) ?? '';
  try {
    if (asked.what === 'account') {
      const input = parseForm(AccountInput, { name: text('accountName'), type: text('accountType') || 'partner' });
      const account = await createAccount(web.ctx, actor, input);
      values[accountField(index)] = account.id;
      values[contactField(index)] = '';
      values[newField(index, 'accountName')] = '';
      return kept(`Account ${account.name} is created and chosen for channel partner ${index + 1}.`);
    }
    const accountId = textOf(values, accountField(index)) ?? '';
    if (accountId === '') {
      throw new AppError('VALIDATION_FAILED', 'Choose the account first.', {
        fields: [
          { field: newField(index, 'contactName'), message: 'Choose the account the contact belongs to first.' },
        ],
      });
    }
    const input = parseForm(ContactInput, { name: text('contactName'), email: text('contactEmail') });
    const contact = await createContact(web.ctx, actor, accountId, input);
    values[contactField(index)] = contact.id;
    values[newField(index, 'contactName')] = '';
    values[newField(index, 'contactEmail')] = '';
    return kept(`Contact ${contact.name} is added and chosen for channel partner ${index + 1}.`);
  } catch (error) {
    if (!(error instanceof AppError) || !isAboutTheForm(error)) throw error;
    const fields: Record<string, string> =
      asked.what === 'account'
        ? { '/name': newField(index, 'accountName'), '/type': newField(index, 'accountType') }
        : { '/name': newField(index, 'contactName'), '/email': newField(index, 'contactEmail') };
    const fallback = newField(index, asked.what === 'account' ? 'accountName' : 'contactName');
    const refused = refusedForm(values, placed(error, fields, fallback));
    return { state: { ...refused, message: undefined }, notice: undefined, status: statusOfError(error) };
  }
}

/** The contact select of one row, for the account just chosen in it (htmx). */
export async function channelPartnerStepPages(web: Web): Promise<void> {
  web.app.get('/entitlements/partner-contact', async (request, reply) => {
    const { actor } = signedIn(request);
    const { index } = parseQuery(ContactQuery, request);
    const accountId = (textOf(request.query as FormBody, accountField(index)) ?? '').trim();
    const contacts = await partnerContacts(web, actor, [accountId]);
    return web.render.page(request, reply, <ContactField index={index} accountId={accountId} contacts={contacts} />, {
      fragment: true,
    });
  });
}
