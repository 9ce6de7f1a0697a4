import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type Account, type Contact, accountTypes } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import type { AppError } from '../../domain/errors.ts';
import type { Page } from '../../domain/paging.ts';
import type { User } from '../../domain/users.ts';
import { AccountChanges, AccountInput, ContactInput } from '../../interface/schemas/accounts-inputs.ts';
import { IdParams } from '../../interface/schemas/common.ts';
import { isProducer } from '../../services/access.ts';
import { createAccount } from '../../services/accounts/create-account.ts';
import { createContact } from '../../services/accounts/create-contact.ts';
import { getAccount, getAccounts, listAccounts, listContacts } from '../../services/accounts/read-accounts.ts';
import { updateAccount } from '../../services/accounts/update-account.ts';
import { createUser } from '../../services/users/create-user.ts';
import { listUsers } from '../../services/users/read-users.ts';
import { AccountPicker } from '../components/account-picker.tsx';
import { CheckboxField, FieldRow, Form, SelectField, TextField } from '../components/form.tsx';
import { Badge, Code, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormBody, type FormState, emptyForm, parseForm } from '../forms.ts';
import { refusalOf, unlessForbidden } from '../refusals.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, shownQuery, submit } from '../web.ts';

const PAGE_SIZE = 50;
/** Parents offered in a list; with more accounts than this, the parent's ID is typed in. */
const PICKER_SIZE = 200;

const AccountListQuery = Type.Object({
  type: Type.Optional(Type.Enum(accountTypes)),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  anonymous: Type.Optional(Type.Boolean()),
  parentAccountId: Type.Optional(Type.String({ maxLength: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});
/** The change form shows the name, so an emptied one is a mistake, not "keep it". */
const AccountForm = Type.Object(
  { name: AccountInput.properties.name, parentAccountId: AccountChanges.properties.parentAccountId },
  { additionalProperties: false },
);
const NewAccountQuery = Type.Object({ parentAccountId: Type.Optional(Type.String({ maxLength: 100 })) });
const ContactsQuery = Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 400 })) });

export function AccountTypeBadge({ account }: { account: Account }) {
  if (account.anonymous) return <Badge tone="warn">anonymous customer</Badge>;
  return <Badge tone={account.type === 'partner' ? 'info' : 'neutral'}>{account.type}</Badge>;
}

/** A link to an account the signed-in person can see, else its bare ID (a partner's own parent, say). */
function AccountRef({ id, known }: { id: string | null; known: Map<string, Account> }) {
  if (id === null) return <span class="muted">top level</span>;
  const account = known.get(id);
  return account ? <a href={`/portal/accounts/${account.id}`}>{account.name}</a> : <Code>{id}</Code>;
}

interface TreeRow {
  account: Account;
  depth: number;
}

/** The page's accounts with each child right below its parent, when both are on the page; the rest keep their order. */
export function treeOrder(accounts: Account[]): TreeRow[] {
  const onPage = new Set(accounts.map((a) => a.id));
  const children = new Map<string, Account[]>();
  for (const account of accounts) {
    if (account.parentAccountId !== null && onPage.has(account.parentAccountId)) {
      children.set(account.parentAccountId, [...(children.get(account.parentAccountId) ?? []), account]);
    }
  }
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  const visit = (account: Account, depth: number) => {
    if (seen.has(account.id)) return;
    seen.add(account.id);
    rows.push({ account, depth });
    for (const child of children.get(account.id) ?? []) visit(child, depth + 1);
  };
  for (const account of accounts)
    if (account.parentAccountId === null || !onPage.has(account.parentAccountId)) visit(account, 0);
  // Whatever a cycle would have hidden (there should be none) still shows.
  for (const account of accounts) visit(account, 0);
  return rows;
}

function titleFor(actor: Actor): string {
  if (actor.type === 'user' && actor.role === 'partner') return 'Customers';
  if (actor.type === 'user' && actor.role === 'customer') return 'Your account';
  return 'Accounts';
}

function AccountsPage({
  title,
  accounts,
  known,
  query,
  below,
  mayCreate,
}: {
  title: string;
  accounts: Page<Account>;
  known: Map<string, Account>;
  query: Record<string, string | undefined>;
  below: Account | undefined;
  mayCreate: boolean;
}) {
  const filtered = Boolean(query.type || query.name || query.anonymous || query.parentAccountId);
  const partnerView = title === 'Customers';
  return (
    <Layout
      title={title}
      lead={
        partnerView
          ? 'Your own account and the customers below it. An anonymous customer is known to the producer by its name only.'
          : 'Customers and channel partners. Accounts below a partner are shown under it.'
      }
      actions={
        mayCreate && (
          <a class="button button-primary" href="/portal/accounts/new">
            {partnerView ? 'New customer' : 'New account'}
          </a>
        )
      }
    >
      <Section title={below ? `Below ${below.name}` : partnerView ? 'Your account and your customers' : 'All accounts'}>
        <FilterBar action="/portal/accounts">
          {query.parentAccountId && <input type="hidden" name="parentAccountId" value={query.parentAccountId} />}
          <TextField name="name" label="Name contains" type="search" value={query.name} />
          <SelectField
            name="type"
            label="Type"
            options={accountTypes.map((t) => ({ value: t, label: t }))}
            blank="Any type"
            value={query.type}
          />
          <SelectField
            name="anonymous"
            label="Anonymous"
            options={[
              { value: 'true', label: 'Anonymous customers only' },
              { value: 'false', label: 'Named accounts only' },
            ]}
            blank="Either"
            value={query.anonymous}
          />
        </FilterBar>
        {below && (
          <p>
            Showing the accounts directly below <a href={`/portal/accounts/${below.id}`}>{below.name}</a>.{' '}
            <a href="/portal/accounts">Show all accounts</a>
          </p>
        )}
        <DataTable
          caption={title}
          rows={treeOrder(accounts.items)}
          empty={{
            title: filtered ? 'No accounts match these filters.' : 'There are no accounts yet.',
            body: mayCreate ? (
              <p>
                <a href="/portal/accounts/new">Create an account</a> for each customer and channel partner.
              </p>
            ) : undefined,
          }}
          columns={[
            {
              label: 'Name',
              cell: ({ account, depth }) => (
                <span class={depth > 0 ? `tree-${Math.min(depth, 3)}` : undefined}>
                  <a href={`/portal/accounts/${account.id}`}>{account.name}</a>
                </span>
              ),
            },
            { label: 'Type', cell: ({ account }) => <AccountTypeBadge account={account} /> },
            { label: 'Parent', cell: ({ account }) => <AccountRef id={account.parentAccountId} known={known} /> },
            { label: 'Created', cell: ({ account }) => <span class="nowrap">{formatDate(account.createdAt)}</span> },
          ]}
        />
        <Pager path="/portal/accounts" query={query} nextCursor={accounts.nextCursor} cursor={query.cursor} />
      </Section>
    </Layout>
  );
}

function NewAccountPage({
  state,
  producer,
  parents,
  parentAccountId,
}: {
  state: FormState;
  producer: boolean;
  parents: Page<Account>;
  parentAccountId: string | undefined;
}) {
  return (
    <Layout
      title={producer ? 'New account' : 'New customer'}
      lead={
        producer
          ? 'A customer owns entitlements and devices; a partner resells and may have accounts below it.'
          : 'A customer of yours. An anonymous one carries only the name you give it: the producer learns nothing else about it.'
      }
    >
      <Section title="The account">
        <div class="narrow">
          <Form action="/portal/accounts" state={state} submit={producer ? 'Create account' : 'Create customer'}>
            <TextField name="name" label="Name" state={state} required />
            {producer ? (
              <>
                <SelectField
                  name="type"
                  label="Type"
                  state={state}
                  required
                  options={[
                    { value: 'customer', label: 'Customer' },
                    { value: 'partner', label: 'Partner (distributor or reseller)' },
                  ]}
                  value="customer"
                />
                <AccountPicker
                  name="parentAccountId"
                  label="Below"
                  state={state}
                  choices={parents}
                  value={parentAccountId}
                  blank="Nothing: a top-level account"
                  hint="A reseller below its distributor, or a partner's end customer below that partner."
                />
              </>
            ) : (
              <input type="hidden" name="type" value="customer" />
            )}
            <CheckboxField
              name="anonymous"
              label="Anonymous end customer"
              state={state}
              hint={
                producer
                  ? 'For a customer below a partner that keeps its end customers to itself: only the name is kept, no contacts, no users.'
                  : 'Only the name is kept: no contacts, no users. The customer can activate, but not browse entitlements.'
              }
            />
          </Form>
        </div>
      </Section>
    </Layout>
  );
}

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
  };
  parents: Page<Account> | undefined;
  editState: FormState;
  contactState: FormState;
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

export async function accountPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  const byId = async (actor: Actor, ids: (string | null)[]) =>
    new Map(
      (
        await getAccounts(
          ctx,
          actor,
          ids.filter((id): id is string => id !== null),
        )
      ).map((a) => [a.id, a]),
    );
  const parentChoices = (actor: Actor) => listAccounts(ctx, actor, { anonymous: false }, { limit: PICKER_SIZE });
  // Asked of the service with a name no one will keep: the preview is rolled back.
  const createRefusal = (actor: Actor, parentAccountId?: string) =>
    refusalOf(ctx, (c) =>
      createAccount(c, actor, { name: 'Preview', type: 'customer', ...(parentAccountId && { parentAccountId }) }),
    );

  app.get('/accounts', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(AccountListQuery, request);
    const accounts = await listAccounts(
      ctx,
      actor,
      { type: query.type, name: query.name, anonymous: query.anonymous, parentAccountId: query.parentAccountId },
      { cursor: query.cursor, limit: PAGE_SIZE },
    );
    const known = await byId(actor, [...accounts.items.map((a) => a.parentAccountId), query.parentAccountId ?? null]);
    const below = query.parentAccountId ? known.get(query.parentAccountId) : undefined;
    const mayCreate = (await createRefusal(actor))?.code !== 'FORBIDDEN';
    return render.page(
      request,
      reply,
      <AccountsPage
        title={titleFor(actor)}
        accounts={accounts}
        known={known}
        query={shownQuery(query)}
        below={below}
        mayCreate={mayCreate}
      />,
    );
  });

  const newPage = async (actor: Actor, state: FormState, parentAccountId: string | undefined) => (
    <NewAccountPage
      state={state}
      producer={isProducer(actor)}
      parents={isProducer(actor) ? await parentChoices(actor) : { items: [], nextCursor: null }}
      parentAccountId={parentAccountId}
    />
  );

  app.get('/accounts/new', async (request, reply) => {
    const { actor } = signedIn(request);
    const refusal = await createRefusal(actor);
    if (refusal?.code === 'FORBIDDEN') throw refusal;
    const { parentAccountId } = parseQuery(NewAccountQuery, request);
    return render.page(request, reply, await newPage(actor, emptyForm, parentAccountId));
  });

  app.post('/accounts', async (request, reply) => {
    const { actor } = signedIn(request);
    return submit(web, request, reply, {
      schema: AccountInput,
      run: (input) => createAccount(ctx, actor, input),
      done: (account) =>
        render.redirect(
          reply,
          `/portal/accounts/${account.id}`,
          `${account.anonymous ? 'Anonymous customer' : 'Account'} “${account.name}” created.`,
        ),
      again: (state) => newPage(actor, state, undefined),
    });
  });

  const accountView = async (
    actor: Actor,
    id: string,
    options: { editState?: FormState; contactState?: FormState; contactsCursor?: string | undefined } = {},
  ): Promise<AccountView> => {
    const account = await getAccount(ctx, actor, id);
    const [children, contacts, users, known] = await Promise.all([
      listAccounts(ctx, actor, { parentAccountId: id }, { limit: PAGE_SIZE }),
      listContacts(ctx, actor, id, { cursor: options.contactsCursor, limit: PAGE_SIZE }),
      unlessForbidden(listUsers(ctx, actor, { accountId: id }, { limit: PAGE_SIZE })),
      byId(actor, [account.parentAccountId]),
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
      child: await createRefusal(actor, id),
    };
    const parents = isProducer(actor) && !refusals.edit ? await parentChoices(actor) : undefined;
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
          isProducer(actor) ? { ...input, parentAccountId: input.parentAccountId ?? null } : input,
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
}
