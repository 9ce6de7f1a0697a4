import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Account, Contact } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import type { AppError } from '../../domain/errors.ts';
import type { Page } from '../../domain/paging.ts';
import type { User } from '../../domain/users.ts';
import { AccountChanges, AccountInput, ContactInput, HandOverInput } from '../../interface/schemas/accounts-inputs.ts';
import { IdParams } from '../../interface/schemas/common.ts';
import { mayChooseParentAccount } from '../../services/accounts/create-account.ts';
import { createContact } from '../../services/accounts/create-contact.ts';
import { handOverAccount } from '../../services/accounts/hand-over-account.ts';
import { getAccount, listAccounts, listContacts } from '../../services/accounts/read-accounts.ts';
import { updateAccount } from '../../services/accounts/update-account.ts';
import { createUser } from '../../services/users/create-user.ts';
import { listUsers } from '../../services/users/read-users.ts';
import { AccountPicker } from '../components/account-picker.tsx';
import { FieldRow, Form, TextField } from '../components/form.tsx';
import { Badge, Code, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, Pager } from '../components/table.tsx';
import { type FormBody, type FormState, emptyForm, parseForm } from '../forms.ts';
import { refusalOf, unlessForbidden } from '../refusals.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, submit } from '../web.ts';
import { PAGE_SIZE, AccountTypeBadge, AccountRef, createRefusal, byId, namedAccounts } from './account-parts.tsx';

// One account's page: its facts, its edit form and its contacts.

/** The change form shows the name, so an emptied one is a mistake, not "keep it". */
const AccountForm = Type.Object(
  { name: AccountInput.properties.name, parentAccountId: AccountChanges.properties.parentAccountId },
  { additionalProperties: false },
);

const ContactsQuery = Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 400 })) });

interface AccountView {
  account: Account;
  known: Map<string, Account>;
  children: Page<Account>;
  contacts: Page<Contact>;
  contactsCursor: string | undefined;
  users: Page<User> | undefined;
  /** Why each form is not offered, or undefined when it is. */
  refusals: {
    edit: AppError | undefined;
    contact: AppError | undefined;
    user: AppError | undefined;
    child: AppError | undefined;
    handOver: AppError | undefined;
  };
  parents: Page<Account> | undefined;
  editState: FormState;
  contactState: FormState;
  handOverState: FormState;
}

/** A refusal worth explaining; a plain "not allowed" just leaves the form out. */
function Refusal({ refusal }: { refusal: AppError | undefined }) {
  if (!refusal || refusal.code === 'FORBIDDEN') return null;
  return <p class="muted">{refusal.message}</p>;
}

function AccountPage({ view }: { view: AccountView }) {
  const { account, known, children, contacts, users, refusals } = view;
  const parent = account.parentAccountId === null ? undefined : known.get(account.parentAccountId);
  const q = encodeURIComponent(account.id);
  return (
    <Layout
      title={account.name}
      lead={account.anonymous ? 'Anonymous end customer' : account.type === 'partner' ? 'Channel partner' : 'Customer'}
      actions={
        <>
          <a class="button" href={`/portal/entitlements?account=${q}`}>
            Entitlements
          </a>
          <a class="button" href={`/portal/activations?account=${q}`}>
            Activations
          </a>
        </>
      }
    >
      {account.anonymous && (
        <div class="notice notice-warn" role="note">
          <p>
            <strong>Anonymous end customer{parent ? ` of ${parent.name}` : ''}.</strong> The partner registered it by
            name only: the producer knows this name and nothing else. It has no contacts and no portal users; it can
            activate software, return devices and download its licences, but not browse entitlements.
          </p>
        </div>
      )}
      <Section title="Account">
        <Facts
          items={[
            ['Name', account.name],
            ['Type', <AccountTypeBadge account={account} />],
            ['Below', <AccountRef id={account.parentAccountId} known={known} />],
            ['ID', <Code>{account.id}</Code>],
            ['Created', formatDate(account.createdAt)],
            ['Changed', formatDate(account.updatedAt)],
          ]}
        />
      </Section>

      {(children.items.length > 0 || account.type === 'partner') && (
        <Section
          title="Accounts below"
          id="children"
          actions={
            !refusals.child && (
              <a class="button button-small" href={`/portal/accounts/new?parentAccountId=${q}`}>
                Add one below
              </a>
            )
          }
        >
          <DataTable
            caption="Accounts below this one"
            rows={children.items}
            empty={{
              title: 'No accounts below this one yet.',
              body: account.type === 'partner' ? <p>A partner's customers and resellers appear here.</p> : undefined,
            }}
            columns={[
              { label: 'Name', cell: (a) => <a href={`/portal/accounts/${a.id}`}>{a.name}</a> },
              { label: 'Type', cell: (a) => <AccountTypeBadge account={a} /> },
              { label: 'Created', cell: (a) => formatDate(a.createdAt) },
            ]}
          />
          {children.nextCursor && (
            <p>
              <a href={`/portal/accounts?parentAccountId=${q}`}>All accounts below {account.name} →</a>
            </p>
          )}
        </Section>
      )}

      <Section title="Contacts" id="contacts">
        {!(account.anonymous && contacts.items.length === 0) && (
          <DataTable
            caption="Contacts"
            rows={contacts.items}
            empty={{
              title: 'No contacts yet.',
              body: !refusals.contact ? (
                <p>Add the people who receive mail about this account's licences.</p>
              ) : undefined,
            }}
            columns={[
              { label: 'Name', cell: (c) => c.name },
              { label: 'Email', cell: (c) => <a href={`mailto:${c.email}`}>{c.email}</a> },
              { label: 'Phone', cell: (c) => c.phone ?? <span class="muted">—</span> },
              { label: 'Added', cell: (c) => formatDate(c.createdAt) },
            ]}
          />
        )}
        <Pager
          path={`/portal/accounts/${account.id}`}
          query={{}}
          nextCursor={contacts.nextCursor}
          cursor={view.contactsCursor}
        />
        <Refusal refusal={refusals.contact} />
        {!refusals.contact && (
          <div class="narrow subform">
            <h3>Add a contact</h3>
            <Form action={`/portal/accounts/${account.id}/contacts`} state={view.contactState} submit="Add contact">
              <FieldRow>
                <TextField name="name" label="Name" state={view.contactState} required autocomplete="off" />
                <TextField
                  name="email"
                  label="Email"
                  type="email"
                  state={view.contactState}
                  required
                  autocomplete="off"
                />
              </FieldRow>
              <TextField name="phone" label="Phone" state={view.contactState} autocomplete="off" />
            </Form>
          </div>
        )}
      </Section>

      {users && (
        <Section
          title="Portal users"
          id="users"
          actions={
            !refusals.user && (
              <a class="button button-small" href={`/portal/users/new?accountId=${q}`}>
                Add a user
              </a>
            )
          }
        >
          {account.anonymous && users.items.length === 0 ? (
            <Refusal refusal={refusals.user} />
          ) : (
            <>
              <DataTable
                caption="Portal users of this account"
                rows={users.items}
                empty={{
                  title: 'No one of this account signs in to the portal yet.',
                  body: !refusals.user ? <p>Add a user to give them access.</p> : undefined,
                }}
                columns={[
                  { label: 'Name', cell: (u) => <a href={`/portal/users/${u.id}`}>{u.name}</a> },
                  { label: 'Email', cell: (u) => u.email },
                  { label: 'Role', cell: (u) => u.role },
                  {
                    label: 'Status',
                    cell: (u) =>
                      u.disabledAt ? <Badge tone="bad">disabled</Badge> : <Badge tone="good">active</Badge>,
                  },
                ]}
              />
              {users.nextCursor && (
                <p>
                  <a href={`/portal/users?accountId=${q}`}>All users of {account.name} →</a>
                </p>
              )}
            </>
          )}
        </Section>
      )}

      {account.anonymous && !refusals.handOver && (
        <Section title="Hand over to the producer" id="hand-over">
          <div class="narrow">
            <p>
              If this end customer agrees to give its name, it becomes a direct customer of the producer. It keeps its
              entitlements, devices and licences; the account is no longer yours, and this cannot be undone.
            </p>
            <Form action={`/portal/accounts/${account.id}/hand-over`} state={view.handOverState} submit="Hand over">
              <TextField name="name" label="Name the customer agreed to give" state={view.handOverState} required />
              <FieldRow>
                <TextField name="/contact/name" label="Contact name" state={view.handOverState} autocomplete="off" />
                <TextField
                  name="/contact/email"
                  label="Contact email"
                  type="email"
                  state={view.handOverState}
                  autocomplete="off"
                />
              </FieldRow>
              <TextField name="/contact/phone" label="Contact phone" state={view.handOverState} autocomplete="off" />
            </Form>
          </div>
        </Section>
      )}

      {!refusals.edit && (
        <Section title="Change the account" id="edit">
          <div class="narrow">
            <Form action={`/portal/accounts/${account.id}`} state={view.editState} submit="Save changes">
              <TextField name="name" label="Name" state={view.editState} required value={account.name} />
              {view.parents && (
                <AccountPicker
                  name="parentAccountId"
                  label="Below"
                  state={view.editState}
                  choices={{ ...view.parents, items: view.parents.items.filter((a) => a.id !== account.id) }}
                  value={account.parentAccountId}
                  blank="Nothing: a top-level account"
                  hint="Moving an account moves what sits below it too."
                />
              )}
            </Form>
          </div>
        </Section>
      )}
    </Layout>
  );
}

function idOf(request: FastifyRequest): string {
  return parseForm(IdParams, request.params as FormBody).id;
}

export async function accountDetailPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  const accountView = async (
    actor: Actor,
    id: string,
    options: {
      editState?: FormState;
      contactState?: FormState;
      handOverState?: FormState;
      contactsCursor?: string | undefined;
    } = {},
  ): Promise<AccountView> => {
    const account = await getAccount(ctx, actor, id);
    const [children, contacts, users, known] = await Promise.all([
      listAccounts(ctx, actor, { parentAccountId: id }, { limit: PAGE_SIZE }),
      listContacts(ctx, actor, id, { cursor: options.contactsCursor, limit: PAGE_SIZE }),
      unlessForbidden(listUsers(ctx, actor, { accountId: id }, { limit: PAGE_SIZE })),
      byId(ctx, actor, [account.parentAccountId]),
    ]);
    const refusals = {
      edit: await refusalOf(ctx, (c) => updateAccount(c, actor, id, {})),
      contact: await refusalOf(ctx, (c) =>
        createContact(c, actor, id, { name: 'Preview', email: 'preview@example.com' }),
      ),
      user: await refusalOf(ctx, (c) =>
        createUser(c, actor, {
          email: `preview-${Date.now()}@example.invalid`,
          name: 'Preview',
          role: account.type,
          accountId: id,
        }),
      ),
      child: await createRefusal(ctx, actor, id),
      handOver: account.anonymous
        ? await refusalOf(ctx, (c) => handOverAccount(c, actor, id, { name: 'Preview' }))
        : undefined,
    };
    const parents = mayChooseParentAccount(actor) && !refusals.edit ? await namedAccounts(ctx, actor) : undefined;
    return {
      account,
      known,
      children,
      contacts,
      contactsCursor: options.contactsCursor,
      users,
      refusals,
      parents,
      editState: options.editState ?? emptyForm,
      contactState: options.contactState ?? emptyForm,
      handOverState: options.handOverState ?? emptyForm,
    };
  };

  app.get('/accounts/:id', async (request, reply) => {
    const { actor } = signedIn(request);
    const { cursor } = parseQuery(ContactsQuery, request);
    return render.page(
      request,
      reply,
      <AccountPage view={await accountView(actor, idOf(request), { contactsCursor: cursor })} />,
    );
  });

  app.post('/accounts/:id', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: AccountForm,
      // The producer's form shows the parent: left blank, the account moves to the top level.
      run: (input) =>
        updateAccount(
          ctx,
          actor,
          id,
          mayChooseParentAccount(actor) ? { ...input, parentAccountId: input.parentAccountId ?? null } : input,
        ),
      done: (account) => render.redirect(reply, `/portal/accounts/${account.id}`, `Account “${account.name}” saved.`),
      again: async (state) => <AccountPage view={await accountView(actor, id, { editState: state })} />,
    });
  });

  app.post('/accounts/:id/contacts', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: ContactInput,
      run: (input) => createContact(ctx, actor, id, input),
      done: (contact) => render.redirect(reply, `/portal/accounts/${id}#contacts`, `Contact ${contact.name} added.`),
      again: async (state) => <AccountPage view={await accountView(actor, id, { contactState: state })} />,
    });
  });

  app.post('/accounts/:id/hand-over', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      // Contact fields left blank leave the contact out; a contact half filled in is refused beside its field.
      schema: HandOverInput,
      run: (input) => handOverAccount(ctx, actor, id, input),
      // The account is the producer's now: the partner no longer sees its page.
      done: (account) =>
        render.redirect(reply, '/portal/accounts', `“${account.name}” is now a direct customer of the producer.`),
      again: async (state) => <AccountPage view={await accountView(actor, id, { handOverState: state })} />,
    });
  });
}
