import { publicBaseUrl, signInLinkUrl } from '../../interface/public-url.ts';
import { Type } from 'typebox';
import type { Account } from '../../domain/accounts.ts';
import { type Actor, type Role, isAccountRole, roles } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import type { Page } from '../../domain/paging.ts';
import { PASSWORD_MIN_LENGTH, type User } from '../../domain/users.ts';
import { UserInput } from '../../interface/schemas/users-inputs.ts';
import { createUser } from '../../services/users/create-user.ts';
import { listUsers } from '../../services/users/read-users.ts';
import { checkUserManagement } from '../../services/users/user-access.ts';
import { portalView } from '../../services/portal-view.ts';
import { AccountPicker } from '../components/account-picker.tsx';
import { FieldRow, Form, SelectField, TextField } from '../components/form.tsx';
import { Code, Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormState, emptyForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, shownQuery, submit } from '../web.ts';
import { PAGE_SIZE, roleLabels, StatusBadge } from './user-parts.tsx';
import { byId, namedAccounts } from './account-parts.tsx';

const UserListQuery = Type.Object({
  role: Type.Optional(Type.Enum(roles)),
  accountId: Type.Optional(Type.String({ maxLength: 100 })),
  email: Type.Optional(Type.String({ maxLength: 254 })),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

const NewUserQuery = Type.Object({ accountId: Type.Optional(Type.String({ maxLength: 100 })) });

function AccountCell({ user, accounts }: { user: User; accounts: Map<string, Account> }) {
  if (user.accountId === null) return <span class="muted">Producer</span>;
  const account = accounts.get(user.accountId);
  return account ? <a href={`/portal/accounts/${account.id}`}>{account.name}</a> : <Code>{user.accountId}</Code>;
}

function UsersPage({
  users,
  accounts,
  choices,
  query,
  partnerView,
}: {
  users: Page<User>;
  accounts: Map<string, Account>;
  choices: Page<Account>;
  query: Record<string, string | undefined>;
  partnerView: boolean;
}) {
  const filtered = Boolean(query.role || query.accountId || query.email);
  return (
    <Layout
      title="Users"
      lead={
        partnerView
          ? "The people who sign in to the portal: your colleagues, and your customers' people."
          : "The people who sign in to the portals: the producer's staff, partners' people and customers'."
      }
      actions={
        <a class="button button-primary" href="/portal/users/new">
          New user
        </a>
      }
    >
      <Section title="Portal users">
        <FilterBar action="/portal/users">
          <TextField name="email" label="Email contains" type="search" value={query.email} />
          <SelectField
            name="role"
            label="Role"
            options={roles.map((r) => ({ value: r, label: r }))}
            blank="Any role"
            value={query.role}
          />
          <AccountPicker
            name="accountId"
            label="Account"
            choices={choices}
            blank="Any account"
            value={query.accountId}
            hint={choices.nextCursor ? 'An account ID (acc_…).' : undefined}
          />
        </FilterBar>
        <DataTable
          caption="Portal users"
          rows={users.items}
          empty={{
            title: filtered ? 'No users match these filters.' : 'No users yet.',
            body: (
              <p>
                <a href="/portal/users/new">Create a user</a>, then send them a sign-in link from their page.
              </p>
            ),
          }}
          columns={[
            { label: 'Name', cell: (u) => <a href={`/portal/users/${u.id}`}>{u.name}</a> },
            { label: 'Email', cell: (u) => u.email },
            { label: 'Role', cell: (u) => u.role },
            { label: 'Account', cell: (u) => <AccountCell user={u} accounts={accounts} /> },
            {
              label: 'Signs in with',
              cell: (u) => (
                <span class="nowrap">{u.hasPassword ? 'password' : <span class="muted">link only</span>}</span>
              ),
            },
            { label: 'Status', cell: (u) => <StatusBadge user={u} /> },
            { label: 'Created', cell: (u) => <span class="nowrap">{formatDate(u.createdAt)}</span> },
          ]}
        />
        <Pager path="/portal/users" query={query} nextCursor={users.nextCursor} cursor={query.cursor} />
      </Section>
    </Layout>
  );
}

function NewUserPage({
  state,
  roleChoices,
  accounts,
  accountId,
}: {
  state: FormState;
  roleChoices: Role[];
  accounts: Page<Account>;
  accountId: string | undefined;
}) {
  const producerRoles = roleChoices.some((role) => !isAccountRole(role));
  return (
    <Layout
      title="New user"
      lead="Someone who signs in to the portal. Partner and customer users act for one account and see only what it may see."
    >
      <Section title="The user">
        <div class="narrow">
          <Form action="/portal/users" state={state} submit="Create user">
            <FieldRow>
              <TextField name="name" label="Name" state={state} required autocomplete="off" />
              <TextField name="email" label="Email" type="email" state={state} required autocomplete="off" />
            </FieldRow>
            <SelectField
              name="role"
              label="Role"
              state={state}
              required
              options={roleChoices.map((role) => ({ value: role, label: roleLabels[role] }))}
              value={
                accountId
                  ? (accounts.items.find((a) => a.id === accountId)?.type ?? 'customer')
                  : roleChoices.includes('operator')
                    ? 'operator'
                    : 'customer'
              }
            />
            <AccountPicker
              name="accountId"
              label="Account"
              state={state}
              choices={accounts}
              value={accountId}
              blank={producerRoles ? 'None: the producer’s own staff' : 'Choose an account'}
              hint="Partner users belong to a partner account, customer users to a customer account. Anonymous customers have no users."
            />
            <TextField
              name="password"
              label="Password"
              type="password"
              autocomplete="new-password"
              state={state}
              hint={`Optional, at least ${PASSWORD_MIN_LENGTH} characters. Leave it blank and send a sign-in link instead: the user sets a password then.`}
            />
          </Form>
        </div>
      </Section>
    </Layout>
  );
}

/** The roles the signed-in person may give: the producer's own only if the rule lets it manage the producer's users. */
function roleChoicesFor(actor: Actor): Role[] {
  return roles.filter((role) => {
    if (isAccountRole(role)) return true;
    try {
      checkUserManagement(actor, role, null);
      return true;
    } catch (error) {
      if (error instanceof AppError) return false;
      throw error;
    }
  });
}

export async function userPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/users', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(UserListQuery, request);
    const users = await listUsers(
      ctx,
      actor,
      { role: query.role, accountId: query.accountId, email: query.email },
      { cursor: query.cursor, limit: PAGE_SIZE },
    );
    const [accounts, choices] = await Promise.all([
      byId(
        ctx,
        actor,
        users.items.map((u) => u.accountId),
      ),
      namedAccounts(ctx, actor),
    ]);
    const partnerView = portalView(actor) === 'partner';
    return render.page(
      request,
      reply,
      <UsersPage
        users={users}
        accounts={accounts}
        choices={choices}
        query={shownQuery(query)}
        partnerView={partnerView}
      />,
    );
  });

  const newPage = async (actor: Actor, state: FormState, accountId: string | undefined) => (
    <NewUserPage
      state={state}
      roleChoices={roleChoicesFor(actor)}
      accounts={await namedAccounts(ctx, actor)}
      accountId={accountId}
    />
  );

  app.get('/users/new', async (request, reply) => {
    const { actor } = signedIn(request);
    // Whoever may not list users may not make them either; the list's refusal says so.
    await listUsers(ctx, actor, {}, { limit: 1 });
    const { accountId } = parseQuery(NewUserQuery, request);
    return render.page(request, reply, await newPage(actor, emptyForm, accountId));
  });

  app.post('/users', async (request, reply) => {
    const { actor } = signedIn(request);
    return submit(web, request, reply, {
      schema: UserInput,
      run: (input) =>
        createUser(ctx, actor, input, {
          linkFor: (secret) => signInLinkUrl(publicBaseUrl(ctx.config, request), secret),
        }),
      done: (user) =>
        render.redirect(
          reply,
          `/portal/users/${user.id}`,
          user.hasPassword
            ? `User ${user.name} created.`
            : `User ${user.name} created. A sign-in link is on its way to ${user.email}.`,
        ),
      again: (state) => newPage(actor, state, undefined),
    });
  });
}
