import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Account } from '../../domain/accounts.ts';
import { type Actor, type Role, isAccountRole, roles } from '../../domain/actors.ts';
import { AppError } from '../../domain/errors.ts';
import type { Page } from '../../domain/paging.ts';
import { PASSWORD_MIN_LENGTH, type User } from '../../domain/users.ts';
import { UserInput } from '../../interface/schemas/users-inputs.ts';
import { publicBaseUrl, signInLinkUrl } from '../../interface/public-url.ts';
import { IdParams } from '../../interface/schemas/common.ts';
import { getAccounts, listAccounts } from '../../services/accounts/read-accounts.ts';
import { createUser } from '../../services/users/create-user.ts';
import { getUser, listUsers } from '../../services/users/read-users.ts';
import { createSignInLink } from '../../services/users/sign-in-links.ts';
import { updateUser } from '../../services/users/update-user.ts';
import { checkUserManagement } from '../../services/users/user-access.ts';
import { AccountPicker } from '../components/account-picker.tsx';
import { FieldRow, Form, PostButton, SelectField, TextField } from '../components/form.tsx';
import { Badge, Code, CopyButton, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormBody, type FormState, emptyForm, parseForm } from '../forms.ts';
import { refusalOf } from '../refusals.ts';
import { signedIn } from '../session.ts';
import { NoInput, type Web, parseQuery, shownQuery, submit } from '../web.ts';
import { AccountTypeBadge } from './account-parts.tsx';

const PAGE_SIZE = 50;
const PICKER_SIZE = 200;

const roleLabels: Record<Role, string> = {
  admin: 'Admin (producer, everything)',
  operator: 'Operator (producer staff)',
  partner: 'Partner',
  customer: 'Customer',
};

const UserListQuery = Type.Object({
  role: Type.Optional(Type.Enum(roles)),
  accountId: Type.Optional(Type.String({ maxLength: 100 })),
  email: Type.Optional(Type.String({ maxLength: 254 })),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});
const NewUserQuery = Type.Object({ accountId: Type.Optional(Type.String({ maxLength: 100 })) });
const RenameForm = Type.Object({ name: UserInput.properties.name }, { additionalProperties: false });

function AccountCell({ user, accounts }: { user: User; accounts: Map<string, Account> }) {
  if (user.accountId === null) return <span class="muted">Producer</span>;
  const account = accounts.get(user.accountId);
  return account ? <a href={`/portal/accounts/${account.id}`}>{account.name}</a> : <Code>{user.accountId}</Code>;
}

function StatusBadge({ user }: { user: User }) {
  return user.disabledAt ? <Badge tone="bad">disabled</Badge> : <Badge tone="good">active</Badge>;
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

interface SignInLink {
  url: string;
  expiresAt: string;
}

interface UserView {
  user: User;
  account: Account | undefined;
  /** Why the user cannot be managed by the signed-in person, if not. */
  refusal: AppError | undefined;
  renameState: FormState;
  /** A refused button (disable, enable, sign-in link): its message only. */
  actionState: FormState;
  link: SignInLink | undefined;
  senderName: string;
}

function mailtoFor(user: User, link: SignInLink, senderName: string): string {
  const body = [
    `Hello ${user.name},`,
    '',
    'Open this link to sign in to the licence portal:',
    '',
    link.url,
    '',
    `It works once, until ${formatDate(link.expiresAt)}.${user.hasPassword ? '' : ' Once signed in, set a password on your profile page to sign in without a link next time.'}`,
    '',
    senderName,
  ].join('\n');
  return `mailto:${encodeURIComponent(user.email)}?subject=${encodeURIComponent('Your sign-in link to the licence portal')}&body=${encodeURIComponent(body)}`;
}

function UserPage({ view }: { view: UserView }) {
  const { user, account, refusal, renameState, actionState, link } = view;
  const manageable = refusal === undefined;
  return (
    <Layout title={user.name} lead={user.email}>
      {link && (
        <div class="notice" role="status">
          <p>
            <strong>Sign-in link made.</strong> Send it to {user.name} now: it is shown only this once, works once, and
            expires {formatDate(link.expiresAt)}.
          </p>
          <div class="secret">
            <span>{link.url}</span>
            <CopyButton text={link.url} />
          </div>
          <p class="notice-actions">
            <a class="button button-primary" href={mailtoFor(user, link, view.senderName)}>
              Write an email with the link
            </a>
          </p>
        </div>
      )}
      {actionState.message && (
        <div class="form-error" role="alert">
          {actionState.message}
        </div>
      )}
      <Section title="User">
        <Facts
          items={[
            ['Name', user.name],
            ['Email', user.email],
            ['Role', user.role],
            [
              'Account',
              account ? (
                <span class="button-row">
                  <a href={`/portal/accounts/${account.id}`}>{account.name}</a> <AccountTypeBadge account={account} />
                </span>
              ) : user.accountId ? (
                <Code>{user.accountId}</Code>
              ) : (
                "The producer's staff"
              ),
            ],
            ['Signs in with', user.hasPassword ? 'A password' : 'A sign-in link (no password set yet)'],
            [
              'Status',
              user.disabledAt ? (
                <Badge tone="bad">disabled since {formatDate(user.disabledAt)}</Badge>
              ) : (
                <Badge tone="good">active</Badge>
              ),
            ],
            ['ID', <Code>{user.id}</Code>],
            ['Created', formatDate(user.createdAt)],
          ]}
        />
      </Section>
      {!manageable && refusal.code !== 'FORBIDDEN' && <p class="muted">{refusal.message}</p>}
      {manageable && (
        <>
          <Section title="Sign-in link">
            {user.disabledAt ? (
              <p class="muted">A disabled user cannot sign in. Enable the user first to send a link.</p>
            ) : (
              <>
                <p>
                  A link that signs {user.name} in once, for 72 hours: for a first sign-in, or when a password is
                  forgotten. Only a hash of it is kept;
                  {user.hasPassword ? ' the password stays as it is.' : ' after signing in, they set a password.'}
                </p>
                <PostButton
                  action={`/portal/users/${user.id}/sign-in-link`}
                  label="Make a sign-in link"
                  tone="primary"
                />
              </>
            )}
          </Section>
          <Section title="Rename">
            <div class="narrow">
              <Form action={`/portal/users/${user.id}`} state={renameState} submit="Save name">
                <TextField name="name" label="Name" state={renameState} required value={user.name} autocomplete="off" />
              </Form>
            </div>
          </Section>
          <Section title="Access">
            {user.disabledAt ? (
              <>
                <p>
                  This user cannot sign in. Enabling lets them sign in again with their password or a new sign-in link.
                </p>
                <PostButton action={`/portal/users/${user.id}/enable`} label="Enable" />
              </>
            ) : (
              <>
                <p>Disabling ends the user's sessions at once; they cannot sign in until enabled again.</p>
                <PostButton
                  action={`/portal/users/${user.id}/disable`}
                  label="Disable"
                  tone="danger"
                  confirm={`Disable ${user.name}? Their sessions end at once.`}
                />
              </>
            )}
          </Section>
        </>
      )}
    </Layout>
  );
}

function idOf(request: FastifyRequest): string {
  return parseForm(IdParams, request.params as FormBody).id;
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

  const accountChoices = (actor: Actor) => listAccounts(ctx, actor, { anonymous: false }, { limit: PICKER_SIZE });
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
        actor,
        users.items.map((u) => u.accountId),
      ),
      accountChoices(actor),
    ]);
    const partnerView = actor.type === 'user' && actor.role === 'partner';
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
      accounts={await accountChoices(actor)}
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
      run: (input) => createUser(ctx, actor, input),
      done: (user) =>
        render.redirect(
          reply,
          `/portal/users/${user.id}`,
          user.hasPassword
            ? `User ${user.name} created.`
            : `User ${user.name} created. Make a sign-in link below and send it to them.`,
        ),
      again: (state) => newPage(actor, state, undefined),
    });
  });

  const userView = async (
    request: FastifyRequest,
    id: string,
    options: { renameState?: FormState; actionState?: FormState; link?: SignInLink } = {},
  ): Promise<UserView> => {
    const session = signedIn(request);
    const user = await getUser(ctx, session.actor, id);
    const accounts = await byId(session.actor, [user.accountId]);
    const refusal = await refusalOf(ctx, (c) => updateUser(c, session.actor, id, {}));
    return {
      user,
      account: user.accountId === null ? undefined : accounts.get(user.accountId),
      refusal,
      renameState: options.renameState ?? emptyForm,
      actionState: options.actionState ?? emptyForm,
      link: options.link,
      senderName: session.user.name,
    };
  };

  app.get('/users/:id', async (request, reply) =>
    render.page(request, reply, <UserPage view={await userView(request, idOf(request))} />),
  );

  app.post('/users/:id', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: RenameForm,
      run: (input) => updateUser(ctx, actor, id, input),
      done: (user) => render.redirect(reply, `/portal/users/${user.id}`, `Renamed to ${user.name}.`),
      again: async (state) => <UserPage view={await userView(request, id, { renameState: state })} />,
    });
  });

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(`/users/:id/${action}`, async (request, reply) => {
      const { actor } = signedIn(request);
      const id = idOf(request);
      return submit(web, request, reply, {
        schema: NoInput,
        run: () => updateUser(ctx, actor, id, { disabled }),
        done: (user) =>
          render.redirect(
            reply,
            `/portal/users/${user.id}`,
            disabled
              ? `${user.name} is disabled; their sessions have ended.`
              : `${user.name} is enabled and can sign in again.`,
          ),
        again: async (state) => <UserPage view={await userView(request, id, { actionState: state })} />,
      });
    });
  }

  app.post('/users/:id/sign-in-link', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: NoInput,
      run: () => createSignInLink(ctx, actor, id),
      // Shown on this answer only, never after a redirect: the link must not travel in a cookie or a URL.
      done: async (link) => {
        const url = signInLinkUrl(publicBaseUrl(ctx.config, request), link.secret);
        return render.page(
          request,
          reply,
          <UserPage view={await userView(request, id, { link: { url, expiresAt: link.expiresAt } })} />,
          { status: 201 },
        );
      },
      again: async (state) => <UserPage view={await userView(request, id, { actionState: state })} />,
    });
  });
}
