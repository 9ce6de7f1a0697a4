import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../domain/errors.ts';
import { isMailableAddress } from '../../domain/mail.ts';
import { WindowCounter } from '../../domain/window-counter.ts';
import { publicBaseUrl, signInLinkUrl } from '../../interface/public-url.ts';
import { requestPasswordReset } from '../../services/users/request-password-reset.ts';
import { Form, TextField } from '../components/form.tsx';
import { Layout } from '../components/layout.tsx';
import { type FormBody, type FormState, emptyForm, textOf } from '../forms.ts';
import type { Web } from '../web.ts';

/**
 * How often one address may be sent a link (more asks are answered the same, and send nothing),
 * and how often one client may ask at all, for any address.
 */
const LINKS_PER_ADDRESS = 3;
const ASKS_PER_CLIENT = 10;
const WINDOW_MS = 60 * 60 * 1000;
/**
 * Every accepted ask is answered after at least this long, well past the time it takes to mail a
 * link, so that how soon the answer comes says nothing of whether the address has an account.
 */
export const FORGOT_ANSWER_FLOOR_MS = 250;

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
  const linksToAddress = new WindowCounter(LINKS_PER_ADDRESS, WINDOW_MS);
  const asksFromClient = new WindowCounter(ASKS_PER_CLIENT, WINDOW_MS);

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
    const wait = asksFromClient.retryAfter(request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new AppError('RATE_LIMITED', `Too many requests from here; try again in ${Math.ceil(wait / 60)} minutes.`);
    }
    asksFromClient.add(request.ip);
    const answerAt = performance.now() + FORGOT_ANSWER_FLOOR_MS;
    // Past its limit an address is answered the same and sent nothing, so that nobody can fill a
    // mailbox, and the answer says nothing of whether the address has an account.
    if (linksToAddress.retryAfter(email) === 0) {
      linksToAddress.add(email);
      await requestPasswordReset(ctx, {
        email,
        linkFor: (secret) => signInLinkUrl(publicBaseUrl(ctx.config, request), secret),
      });
    }
    await sleep(Math.max(0, answerAt - performance.now()));
    return render.page(request, reply, <SentPage email={email} />);
  });
}
