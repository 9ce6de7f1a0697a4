import type { FastifyInstance, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { Type } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import { RECOVERY_CODE_COUNT, twoFactorRequired } from '../../domain/two-factor.ts';
import { IdParams } from '../../interface/schemas/common.ts';
import type { ServiceContext } from '../../services/context.ts';
import {
  type Enrolment,
  type TwoFactorStatus,
  enableTwoFactor,
  enrolmentOf,
  mustEnrol,
  newRecoveryCodes,
  ownTwoFactor,
  resetTwoFactor,
  startEnrolment,
} from '../../services/users/two-factor.ts';
import { getUser } from '../../services/users/read-users.ts';
import { Form, PostButton, TextField } from '../components/form.tsx';
import { Code, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { type FormBody, type FormState, emptyForm, parseForm, textOf } from '../forms.ts';
import { signedIn } from '../session.ts';
import { NoInput, type Web, submit } from '../web.ts';

// Two-factor sign-in in the portal: enrolment on one's own profile, the reset on a user's page,
// and the setting that keeps the producer's staff out of the portal until they have enrolled.

const ENROL_PATH = '/portal/profile/two-factor';

interface EnrolView {
  enrolment: Enrolment;
  /** The QR code of the enrolment URI as a data: image (the CSP allows data: images, not inline scripts). */
  qr: string;
  required: boolean;
}

async function enrolView(enrolment: Enrolment, required: boolean): Promise<EnrolView> {
  return { enrolment, qr: await QRCode.toDataURL(enrolment.uri, { margin: 2, width: 240 }), required };
}

function EnrolPage({ view, state }: { view: EnrolView; state: FormState }) {
  return (
    <Layout
      title="Set up two-factor sign-in"
      lead={
        view.required
          ? 'Staff of the producer must set up two-factor sign-in before using the portal.'
          : 'After your password, sign-in will ask for a code from an app on your phone.'
      }
    >
      <Section title="1. Add this account to your authenticator app">
        <p>Scan the QR code with an authenticator app, or type the key into it.</p>
        <p>
          <img src={view.qr} alt="QR code of the two-factor key" width={240} height={240} />
        </p>
        <Facts items={[['Key', <Code>{view.enrolment.secret}</Code>]]} />
      </Section>
      <Section title="2. Enter the code the app shows">
        <div class="narrow">
          <Form action={ENROL_PATH} state={state} submit="Turn on two-factor sign-in">
            <input type="hidden" name="secret" value={view.enrolment.secret} />
            <TextField name="code" label="Code" autocomplete="one-time-code" state={state} required />
          </Form>
        </div>
      </Section>
    </Layout>
  );
}

function StatusPage({ status, state }: { status: TwoFactorStatus; state: FormState }) {
  return (
    <Layout title="Two-factor sign-in" lead="Sign-in asks for a code from your authenticator app after your password.">
      <Facts
        items={[
          ['On since', formatDate(status.enabledAt)],
          ['Recovery codes left', `${status.recoveryCodesLeft} of ${RECOVERY_CODE_COUNT}`],
        ]}
      />
      <p class="muted">
        If you lose your phone, sign in with a recovery code; if those are gone too, ask an admin to reset your
        two-factor sign-in.
      </p>
      <Section title="New recovery codes">
        <div class="narrow">
          <Form action={`${ENROL_PATH}/recovery-codes`} state={state} submit="Make new recovery codes">
            <p>The old codes stop working. A code from your app confirms it is you.</p>
            <TextField name="code" label="Code" autocomplete="one-time-code" state={state} required />
          </Form>
        </div>
      </Section>
    </Layout>
  );
}

function RecoveryCodesPage({ codes, title }: { codes: string[]; title: string }) {
  return (
    <Layout title={title} lead="Keep these recovery codes somewhere safe.">
      <div class="notice" role="status">
        <p>
          <strong>Your recovery codes</strong> are shown only this once. Each signs you in once instead of a code from
          your phone, if you lose it.
        </p>
        <ul class="recovery-codes">
          {codes.map((code) => (
            <li>
              <Code>{code}</Code>
            </li>
          ))}
        </ul>
      </div>
      <p>
        <a class="button button-primary" href="/portal">
          Continue to the portal
        </a>
      </p>
    </Layout>
  );
}

/** The two-factor part of a user's page: whether it is on, and the reset for whoever manages the user. */
export function TwoFactorSection({
  userId,
  name,
  status,
  manageable,
}: {
  userId: string;
  name: string;
  status: TwoFactorStatus | undefined;
  manageable: boolean;
}) {
  return (
    <Section title="Two-factor sign-in">
      {status ? (
        <>
          <p>
            On since {formatDate(status.enabledAt)}; {status.recoveryCodesLeft} of {RECOVERY_CODE_COUNT} recovery codes
            left.
          </p>
          {manageable && (
            <PostButton
              action={`/portal/users/${userId}/two-factor/reset`}
              label="Reset two-factor sign-in"
              tone="danger"
              confirm={`Reset ${name}'s two-factor sign-in? They sign in with their password alone until they set it up again.`}
            />
          )}
        </>
      ) : (
        <p class="muted">Off: {name} signs in with a password or a sign-in link alone.</p>
      )}
    </Section>
  );
}

const CodeForm = Type.Object({ code: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

const EnrolForm = Type.Object(
  { secret: Type.String({ maxLength: 100 }), code: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

/**
 * With LICENTIA_REQUIRE_2FA_FOR_PRODUCER, an admin or operator without two-factor sign-in reaches
 * only the enrolment page: other pages send them there, other changes are refused.
 */
export function requireEnrolment(portal: FastifyInstance, ctx: ServiceContext): void {
  if (!ctx.config.requireTwoFactorForProducer) return;
  portal.addHook('onRequest', async (request, reply) => {
    const session = request.portalSession;
    if (!session || request.url.split('?')[0] === ENROL_PATH || !(await mustEnrol(ctx, session))) return;
    if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect(ENROL_PATH, 303);
    throw new AppError('FORBIDDEN', 'Set up two-factor sign-in first, on your profile.');
  });
}

export async function twoFactorPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  const required = (request: FastifyRequest) =>
    twoFactorRequired(signedIn(request).user.role, ctx.config.requireTwoFactorForProducer);

  app.get('/profile/two-factor', async (request, reply) => {
    const session = signedIn(request);
    const status = await ownTwoFactor(ctx, session);
    if (status) return render.page(request, reply, <StatusPage status={status} state={emptyForm} />);
    const view = await enrolView(startEnrolment(ctx, session), required(request));
    return render.page(request, reply, <EnrolPage view={view} state={emptyForm} />);
  });

  app.post('/profile/two-factor', async (request, reply) => {
    const session = signedIn(request);
    return submit(web, request, reply, {
      schema: EnrolForm,
      run: (input) => enableTwoFactor(ctx, session, input),
      // Shown on this answer only, never after a redirect: the codes must not travel in a cookie.
      done: ({ recoveryCodes }) =>
        render.page(request, reply, <RecoveryCodesPage codes={recoveryCodes} title="Two-factor sign-in is on" />, {
          status: 201,
        }),
      again: async (state) => {
        // The same key again, so that the app the person just set up keeps working; a tampered one is replaced.
        const typed = textOf((request.body ?? {}) as FormBody, 'secret') ?? '';
        const enrolment = /^[A-Z2-7]{32}$/.test(typed)
          ? enrolmentOf(ctx, session, typed)
          : startEnrolment(ctx, session);
        return <EnrolPage view={await enrolView(enrolment, required(request))} state={state} />;
      },
    });
  });

  app.post('/profile/two-factor/recovery-codes', async (request, reply) => {
    const session = signedIn(request);
    return submit(web, request, reply, {
      schema: CodeForm,
      run: (input) => newRecoveryCodes(ctx, session, input),
      done: ({ recoveryCodes }) =>
        render.page(request, reply, <RecoveryCodesPage codes={recoveryCodes} title="New recovery codes" />, {
          status: 201,
        }),
      again: async (state) => {
        const status = await ownTwoFactor(ctx, session);
        if (!status) throw new AppError('INVALID_STATE', 'Two-factor sign-in is off.');
        return <StatusPage status={status} state={state} />;
      },
    });
  });

  app.post('/users/:id/two-factor/reset', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = parseForm(IdParams, request.params as FormBody);
    parseForm(NoInput, (request.body ?? {}) as FormBody);
    const user = await getUser(ctx, actor, id);
    await resetTwoFactor(ctx, actor, id);
    return render.redirect(
      reply,
      `/portal/users/${id}`,
      `${user.name}'s two-factor sign-in is reset; they sign in with their password alone until they set it up again.`,
    );
  });
}
