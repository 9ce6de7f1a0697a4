import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { PendingSignIn } from '../../services/users/two-factor-challenges.ts';
import { completeSignIn, pendingSignIn } from '../../services/users/two-factor.ts';
import { Form, TextField } from '../components/form.tsx';
import { Layout } from '../components/layout.tsx';
import { type FormBody, type FormState, emptyForm, textOf } from '../forms.ts';
import { cookieOptions, safeNext, startSessionCookie } from '../session.ts';
import { assertSignInAllowed, countFailedSignIn } from '../../services/users/sign-in-throttle.ts';
import { type Web, parseQuery } from '../web.ts';

// The second step of a sign-in for users with two-factor sign-in. Between the steps the browser
// holds only a short-lived cookie naming the pending sign-in: no session, no portal page.

const PENDING_COOKIE = 'licentia_2fa';
const pendingCookieOptions = { ...cookieOptions, path: '/sign-in' } as const;

/** After a right password (or link) of a user with two-factor sign-in: on to the code. */
export function askForCode(reply: FastifyReply, pending: PendingSignIn, next: string): FastifyReply {
  reply.setCookie(PENDING_COOKIE, pending.secondStep.secret, {
    ...pendingCookieOptions,
    expires: new Date(pending.secondStep.expiresAt),
  });
  return reply.redirect(`/sign-in/two-factor?next=${encodeURIComponent(next)}`, 303);
}

function CodePage({ state, next }: { state: FormState; next: string }) {
  return (
    <Layout title="Enter your code" lead="Your account has two-factor sign-in.">
      <div class="narrow">
        <Form action="/sign-in/two-factor" state={state} submit="Sign in">
          <input type="hidden" name="_next" value={next} />
          <TextField
            name="code"
            label="Code"
            autocomplete="one-time-code"
            state={state}
            required
            autofocus
            hint="The six digits your authenticator app shows now, or one of your recovery codes."
          />
        </Form>
        <p class="muted">Lost your phone and your recovery codes? Ask an admin to reset your two-factor sign-in.</p>
      </div>
    </Layout>
  );
}

const CodeQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) });
const ENDED = 'The sign-in took too long, or too many codes were wrong. Sign in again.';

export async function twoFactorSignInPages({ app, ctx, render }: Web): Promise<void> {
  const startAgain = (reply: FastifyReply) => {
    reply.clearCookie(PENDING_COOKIE, pendingCookieOptions);
    return render.redirect(reply, '/sign-in', ENDED);
  };

  app.get('/sign-in/two-factor', async (request, reply) => {
    const next = safeNext(parseQuery(CodeQuery, request).next);
    const secret = request.cookies[PENDING_COOKIE];
    if (!secret || !(await pendingSignIn(ctx, secret))) return startAgain(reply);
    return render.page(request, reply, <CodePage state={emptyForm} next={next} />);
  });

  app.post('/sign-in/two-factor', { config: { guessLimited: 'sign-in' } }, async (request, reply) => {
    const values = (request.body ?? {}) as FormBody;
    const code = (textOf(values, 'code') ?? '').trim().slice(0, 100);
    const next = safeNext(textOf(values, '_next'));
    const secret = request.cookies[PENDING_COOKIE];
    const pending = secret ? await pendingSignIn(ctx, secret) : undefined;
    if (!secret || !pending) return startAgain(reply);
    assertSignInAllowed(ctx, request.ip, pending.email);
    if (!code) {
      const state: FormState = { values: {}, errors: {}, message: 'Enter a code.' };
      return render.page(request, reply, <CodePage state={state} next={next} />, { status: 400 });
    }
    const result = await completeSignIn(ctx, secret, code);
    if ('refused' in result) {
      if (result.refused === 'ended') return startAgain(reply);
      request.guessFailed = true;
      countFailedSignIn(ctx, request.ip, pending.email);
      const state: FormState = { values: {}, errors: {}, message: 'The code is not right.' };
      return render.page(request, reply, <CodePage state={state} next={next} />, { status: 401 });
    }
    reply.clearCookie(PENDING_COOKIE, pendingCookieOptions);
    startSessionCookie(reply, result.session);
    return reply.redirect(next, 303);
  });
}
