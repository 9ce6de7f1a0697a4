import { Type } from 'typebox';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../domain/users.ts';
import { type PortalSession, setOwnPassword } from '../../services/users/sessions.ts';
import { Facts, Layout, Section } from '../components/layout.tsx';
import { Form, TextField } from '../components/form.tsx';
import { type FormState, emptyForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, submit } from '../web.ts';
import { dashboardFor } from './dashboards.tsx';

function ProfilePage({ session, state }: { session: PortalSession; state: FormState }) {
  const needsCurrent = session.user.hasPassword && session.method !== 'link';
  return (
    <Layout title="Your profile">
      <Section title="You">
        <Facts
          items={[
            ['Name', session.user.name],
            ['Email', session.user.email],
            ['Role', session.user.role],
            ['Signed in until', `${session.expiresAt.slice(0, 16).replace('T', ' ')} UTC`],
          ]}
        />
      </Section>
      <Section title={session.user.hasPassword ? 'Change your password' : 'Set a password'}>
        <div class="narrow">
          <Form action="/portal/profile/password" state={state} submit="Save password">
            {/* What a password manager saves the password under; `_` names are not part of the input. */}
            <input type="email" name="_username" value={session.user.email} autocomplete="username" readonly hidden />
            {needsCurrent && (
              <TextField
                name="currentPassword"
                label="Current password"
                type="password"
                autocomplete="current-password"
                state={state}
                required
              />
            )}
            <TextField
              name="newPassword"
              label="New password"
              type="password"
              autocomplete="new-password"
              state={state}
              required
              hint={`At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a good one.`}
            />
            <p class="muted">Your other sessions end when the password changes.</p>
          </Form>
        </div>
      </Section>
    </Layout>
  );
}

const PasswordForm = Type.Object(
  {
    currentPassword: Type.Optional(Type.String({ maxLength: PASSWORD_MAX_LENGTH })),
    newPassword: Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }),
  },
  { additionalProperties: false },
);

export async function homePages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/', async (request, reply) => render.page(request, reply, await dashboardFor(ctx, signedIn(request))));

  app.get('/profile', async (request, reply) =>
    render.page(request, reply, <ProfilePage session={signedIn(request)} state={emptyForm} />),
  );

  app.post('/profile/password', async (request, reply) => {
    const session = signedIn(request);
    return submit(web, request, reply, {
      schema: PasswordForm,
      run: (input) => setOwnPassword(ctx, session, input),
      done: () => render.redirect(reply, '/portal/profile', 'Your password is saved.'),
      again: (state) => <ProfilePage session={session} state={state} />,
    });
  });
}
