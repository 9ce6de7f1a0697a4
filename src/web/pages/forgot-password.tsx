import { isMailableAddress } from '../../domain/mail.ts';
import { publicBaseUrl, signInLinkUrl } from '../../interface/public-url.ts';
import { requestPasswordReset } from '../../services/users/request-password-reset.ts';
import { Form, TextField } from '../components/form.tsx';
import { Layout } from '../components/layout.tsx';
import { type FormBody, type FormState, emptyForm, textOf } from '../forms.ts';
import type { Web } from '../web.ts';

function ForgotPage({ state }: { state: FormState }) {
  return (
    <Layout title="Forgot your password?" lead="We mail you a link that signs you in once; then set a new password.">
      <div class="narrow">
        <Form action="/sign-in/forgot" state={state} submit="Mail me a sign-in link">
          <TextField name="email" label="Email" type="email" autocomplete="username" state={state} required autofocus />
        </Form>
        <p class="muted">
          <a href="/sign-in">Back to sign in</a>
        </p>
      </div>
    </Layout>
  );
}

function SentPage({ email }: { email: string }) {
  return (
    <Layout title="Check your mail">
      <div class="narrow">
        <p role="status">
          If {email} belongs to an account that may sign in, a sign-in link is on its way. It works once, for three
          days.
        </p>
        <p class="muted">
          Nothing arrived? Look in the spam folder, or ask your administrator (or your partner).{' '}
          <a href="/sign-in">Back to sign in</a>
        </p>
      </div>
    </Layout>
  );
}

export async function forgotPasswordPages({ app, ctx, render }: Web): Promise<void> {
  app.get('/sign-in/forgot', async (request, reply) => render.page(request, reply, <ForgotPage state={emptyForm} />));

  app.post('/sign-in/forgot', async (request, reply) => {
    const email = (textOf((request.body ?? {}) as FormBody, 'email') ?? '').trim().toLowerCase();
    if (!isMailableAddress(email)) {
      const state: FormState = {
        values: { email },
        errors: { email: 'must be an email address, like name@example.com' },
        message: undefined,
      };
      return render.page(request, reply, <ForgotPage state={state} />, { status: 400 });
    }
    await requestPasswordReset(ctx, {
      email,
      address: request.ip,
      linkFor: (secret) => signInLinkUrl(publicBaseUrl(ctx.config, request), secret),
    });
    return render.page(request, reply, <SentPage email={email} />);
  });
}
