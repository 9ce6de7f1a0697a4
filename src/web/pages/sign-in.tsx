import { Type } from 'typebox';
import { signInLinkUsable } from '../../services/users/sign-in-links.ts';
import { isPendingSignIn, signInWithLink, signOut } from '../../services/users/sessions.ts';
import { signInWithPasswordThrottled } from '../../services/users/sign-in-throttle.ts';
import { Layout } from '../components/layout.tsx';
import { Form, TextField } from '../components/form.tsx';
import { type FormBody, type FormState, emptyForm, parseForm, textOf } from '../forms.ts';
import { endSessionCookie, safeNext, startSessionCookie } from '../session.ts';
import { askForCode } from './two-factor-sign-in.tsx';
import { type Web, parseQuery } from '../web.ts';

function SignInPage({ state, next }: { state: FormState; next: string }) {
  return (
    <Layout title="Sign in" lead="The producer's staff, partners and customers sign in here.">
      <div class="narrow">
        <Form action="/sign-in" state={state} submit="Sign in">
          <input type="hidden" name="_next" value={next} />
          <TextField name="email" label="Email" type="email" autocomplete="username" state={state} required autofocus />
          <TextField
            name="password"
            label="Password"
            type="password"
            autocomplete="current-password"
            state={state}
            required
          />
        </Form>
        <p class="muted">
          Forgotten your password, or never had one? <a href="/sign-in/forgot">Get a sign-in link by mail</a>. To
          activate software on a device, no account is needed: <a href="/activate">activate here</a>.
        </p>
      </div>
    </Layout>
  );
}

function LandingPage() {
  return (
    <Layout title="Licentia" lead="Licences for your software, and the entitlements behind them.">
      <div class="cards">
        <a class="card card-link" href="/activate">
          <h2>Activate software</h2>
          <p>Enter the activation code you were given and get a licence file for your device. No account needed.</p>
        </a>
        <a class="card card-link" href="/sign-in">
          <h2>Sign in</h2>
          <p>For the producer's staff, partners and customers with a portal account.</p>
        </a>
      </div>
    </Layout>
  );
}

function LinkPage({ secret, usable }: { secret: string; usable: boolean }) {
  return (
    <Layout title={usable ? 'Sign in with this link' : 'This link cannot be used'}>
      <div class="narrow">
        {usable ? (
          <Form action={`/sign-in/link/${secret}`} submit="Continue and sign in">
            <p>
              This link signs you in once. After that it stops working; you can set a password on your profile page.
            </p>
          </Form>
        ) : (
          <p>The link has been used already, or it has expired. Ask whoever sent it for a new one.</p>
        )}
      </div>
    </Layout>
  );
}

const SignInQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) });
const LinkParams = Type.Object({ secret: Type.String({ pattern: '^[A-Za-z0-9_-]{20,100}$' }) });

export async function signInPages({ app, ctx, render }: Web): Promise<void> {
  app.get('/', async (request, reply) => {
    if (request.portalSession) return reply.redirect('/portal', 303);
    return render.page(request, reply, <LandingPage />);
  });

  app.get('/sign-in', async (request, reply) => {
    const next = safeNext(parseQuery(SignInQuery, request).next);
    if (request.portalSession) return reply.redirect(next, 303);
    return render.page(request, reply, <SignInPage state={emptyForm} next={next} />);
  });

  app.post('/sign-in', { config: { guessLimited: 'sign-in' } }, async (request, reply) => {
    const values = (request.body ?? {}) as FormBody;
    const email = (textOf(values, 'email') ?? '').trim().toLowerCase();
    const password = textOf(values, 'password') ?? '';
    const next = safeNext(textOf(values, '_next'));
    const created = await signInWithPasswordThrottled(ctx, { email, password, address: request.ip });
    if (!created) {
      request.guessFailed = true;
      const state: FormState = { values: { email }, errors: {}, message: 'The email or the password is not right.' };
      return render.page(request, reply, <SignInPage state={state} next={next} />, { status: 401 });
    }
    if (isPendingSignIn(created)) return askForCode(reply, created, next);
    startSessionCookie(reply, created);
    return reply.redirect(next, 303);
  });

  app.get('/sign-in/link/:secret', { config: { guessLimited: 'sign-in' } }, async (request, reply) => {
    const { secret } = parseForm(LinkParams, request.params as FormBody);
    const usable = await signInLinkUsable(ctx, secret);
    if (!usable) request.guessFailed = true;
    return render.page(request, reply, <LinkPage secret={secret} usable={usable} />, { status: usable ? 200 : 410 });
  });

  app.post('/sign-in/link/:secret', { config: { guessLimited: 'sign-in' } }, async (request, reply) => {
    const { secret } = parseForm(LinkParams, request.params as FormBody);
    const created = await signInWithLink(ctx, secret);
    if (!created) {
      request.guessFailed = true;
      return render.page(request, reply, <LinkPage secret={secret} usable={false} />, { status: 410 });
    }
    if (isPendingSignIn(created)) return askForCode(reply, created, '/portal');
    startSessionCookie(reply, created);
    if (!created.session.user.hasPassword)
      return render.redirect(
        reply,
        '/portal/profile',
        'You are signed in. Set a password so that you can sign in without a link next time.',
      );
    return reply.redirect('/portal', 303);
  });

  app.post('/sign-out', async (request, reply) => {
    if (request.portalSession) await signOut(ctx, request.portalSession);
    endSessionCookie(reply);
    return render.redirect(reply, '/sign-in', 'You are signed out.');
  });
}
