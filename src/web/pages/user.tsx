import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Account } from '../../domain/accounts.ts';
import type { AppError } from '../../domain/errors.ts';
import type { User } from '../../domain/users.ts';
import { UserInput } from '../../interface/schemas/users-inputs.ts';
import { publicBaseUrl, signInLinkUrl } from '../../interface/public-url.ts';
import { IdParams } from '../../interface/schemas/common.ts';
import { getUser } from '../../services/users/read-users.ts';
import { createSignInLink } from '../../services/users/sign-in-links.ts';
import { updateUser } from '../../services/users/update-user.ts';
import { Form, PostButton, TextField } from '../components/form.tsx';
import { Badge, Code, CopyButton, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { type FormBody, type FormState, emptyForm, parseForm } from '../forms.ts';
import { refusalOf } from '../refusals.ts';
import { signedIn } from '../session.ts';
import { NoInput, type Web, submit } from '../web.ts';
import { AccountTypeBadge } from './account-parts.tsx';
import { byId } from './account-parts.tsx';

// One portal user's page: rename, disable or enable, and a sign-in link to pass on.

const RenameForm = Type.Object({ name: UserInput.properties.name }, { additionalProperties: false });

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

export async function userDetailPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  const userView = async (
    request: FastifyRequest,
    id: string,
    options: { renameState?: FormState; actionState?: FormState; link?: SignInLink } = {},
  ): Promise<UserView> => {
    const session = signedIn(request);
    const user = await getUser(ctx, session.actor, id);
    const accounts = await byId(ctx, session.actor, [user.accountId]);
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
