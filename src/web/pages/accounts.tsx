import { Type } from 'typebox';
import { type Account, accountTypes } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import type { Page } from '../../domain/paging.ts';
import { AccountInput } from '../../interface/schemas/accounts-inputs.ts';
import { portalView } from '../../services/portal-view.ts';
import { createAccount, mayChooseParentAccount } from '../../services/accounts/create-account.ts';
import { listAccounts } from '../../services/accounts/read-accounts.ts';
import { AccountPicker } from '../components/account-picker.tsx';
import { CheckboxField, Form, SelectField, TextField } from '../components/form.tsx';
import { Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormState, emptyForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, shownQuery, submit } from '../web.ts';
import { createRefusal, PAGE_SIZE, AccountTypeBadge, AccountRef, byId, namedAccounts } from './account-parts.tsx';

const AccountListQuery = Type.Object({
  type: Type.Optional(Type.Enum(accountTypes)),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  anonymous: Type.Optional(Type.Boolean()),
  parentAccountId: Type.Optional(Type.String({ maxLength: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

const NewAccountQuery = Type.Object({ parentAccountId: Type.Optional(Type.String({ maxLength: 100 })) });

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
  switch (portalView(actor)) {
    case 'producer':
      return 'Accounts';
    case 'partner':
      return 'Customers';
    default:
      return 'Your account';
  }
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
  placesAccounts,
  parents,
  parentAccountId,
}: {
  state: FormState;
  /** The producer's form: any type of account, anywhere in the hierarchy (`mayChooseParentAccount`). */
  placesAccounts: boolean;
  parents: Page<Account>;
  parentAccountId: string | undefined;
}) {
  return (
    <Layout
      title={placesAccounts ? 'New account' : 'New customer'}
      lead={
        placesAccounts
          ? 'A customer owns entitlements and devices; a partner resells and may have accounts below it.'
          : 'A customer of yours. An anonymous one carries only the name you give it: the producer learns nothing else about it.'
      }
    >
      <Section title="The account">
        <div class="narrow">
          <Form action="/portal/accounts" state={state} submit={placesAccounts ? 'Create account' : 'Create customer'}>
            <TextField name="name" label="Name" state={state} required />
            {placesAccounts ? (
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
                placesAccounts
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

export async function accountPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/accounts', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(AccountListQuery, request);
    const accounts = await listAccounts(
      ctx,
      actor,
      { type: query.type, name: query.name, anonymous: query.anonymous, parentAccountId: query.parentAccountId },
      { cursor: query.cursor, limit: PAGE_SIZE },
    );
    const known = await byId(ctx, actor, [
      ...accounts.items.map((a) => a.parentAccountId),
      query.parentAccountId ?? null,
    ]);
    const below = query.parentAccountId ? known.get(query.parentAccountId) : undefined;
    const mayCreate = (await createRefusal(ctx, actor))?.code !== 'FORBIDDEN';
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
      placesAccounts={mayChooseParentAccount(actor)}
      parents={mayChooseParentAccount(actor) ? await namedAccounts(ctx, actor) : { items: [], nextCursor: null }}
      parentAccountId={parentAccountId}
    />
  );

  app.get('/accounts/new', async (request, reply) => {
    const { actor } = signedIn(request);
    const refusal = await createRefusal(ctx, actor);
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
}
