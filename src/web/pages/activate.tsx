import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type RegistrationField, registrationFields } from '../../domain/entitlements.ts';
import { AppError } from '../../domain/errors.ts';
import { ActivateBody } from '../../interface/schemas/activations-inputs.ts';
import { statusOfError } from '../../interface/problem.ts';
import { publicRoute } from '../../interface/public-limits.ts';
import { readLicenseToken } from '../../licensing/license-file.ts';
import { licenseFileHere } from '../../interface/public-url.ts';
import { decodeLicense } from '../../licensing/license-token.ts';
import { type ActivationResult, activate } from '../../services/activations/activate.ts';
import { returnActivation } from '../../services/activations/end-activation.ts';
import { activateOffline } from '../../services/activations/offline.ts';
import { Badge, CopyButton, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { Form, TextArea, TextField } from '../components/form.tsx';
import { type FormBody, type FormState, emptyForm, parseForm, refusedForm, textOf } from '../forms.ts';
import type { Web } from '../web.ts';

const registrationLabels: Record<RegistrationField, string> = {
  name: 'Your name',
  email: 'Email',
  company: 'Company',
  phone: 'Phone',
  country: 'Country',
  address: 'Address',
};

/** The registration fields a refusal asked for: only those are shown, and only when asked. */
function askedFields(state: FormState): RegistrationField[] {
  return registrationFields.filter(
    (field) =>
      state.errors[`/registration/${field}`] !== undefined ||
      textOf(state.values, `/registration/${field}`) !== undefined,
  );
}

function ActivatePage({ online, offline }: { online: FormState; offline: FormState }) {
  const asked = askedFields(online);
  return (
    <Layout
      title="Activate your software"
      lead="Enter the activation code you were given. You get a licence file for this device; no account is needed."
    >
      <div class="grid-2">
        <Section title="On a device with network" id="online">
          <Form action="/activate" state={online} submit="Activate">
            <TextField
              name="code"
              label="Activation code"
              state={online}
              required
              autocomplete="off"
              hint="As you received it; capitals and hyphens do not matter."
              autofocus
            />
            <TextField
              name="fingerprint"
              label="Device fingerprint"
              state={online}
              required
              autocomplete="off"
              hint="Your application shows it on its licence screen."
            />
            <TextField
              name="deviceName"
              label="Device name"
              state={online}
              hint="Optional: a name you will recognise, e.g. “Design PC 3”."
            />
            {asked.length > 0 && (
              <fieldset class="group">
                <legend>Registration</legend>
                <p class="muted">The seller of this software asks for these details before it can be activated.</p>
                {asked.map((field) => (
                  <TextField
                    name={`/registration/${field}`}
                    label={registrationLabels[field]}
                    type={field === 'email' ? 'email' : 'text'}
                    state={online}
                    required
                  />
                ))}
              </fieldset>
            )}
          </Form>
        </Section>
        <Section title="On a device without network" id="offline">
          <Form action="/activate/offline" state={offline} submit="Activate from the request file">
            <ol class="muted steps">
              <li>
                On the machine without network, open the software and choose its offline activation (often under Help,
                About or Licence). It asks for your activation code and saves an <em>activation request file</em>.
              </li>
              <li>Bring that file to a device with network, for example on a USB stick, and open it below.</li>
              <li>
                Take the licence file you get back to the machine and load it in the software, where you made the
                request.
              </li>
            </ol>
            <p class="muted">If the software has no offline activation, ask whoever sold it to you.</p>
            <div class="field">
              <label for="offline-file">Activation request file</label>
              <input id="offline-file" type="file" accept=".req,.txt,text/plain" data-fill="#f-request" />
            </div>
            <TextArea name="request" label="…or paste its contents" state={offline} rows={6} monospace />
          </Form>
        </Section>
      </div>
      <p>
        Moving the software to another machine? <a href="/activate/return">Return a licence</a> first, then activate on
        the new one.
      </p>
    </Layout>
  );
}

function licenceFileName(result: ActivationResult): string {
  const { lic } = decodeLicense(result.license.token).claims;
  return `${lic.product.name}-${lic.product.version}-${result.activation.id.slice(-8)}.lic`.replace(
    /[^A-Za-z0-9._-]+/g,
    '-',
  );
}

function LicencePage({ result }: { result: ActivationResult }) {
  const { claims } = decodeLicense(result.license.token);
  const href = `data:application/octet-stream;base64,${Buffer.from(result.license.file, 'utf8').toString('base64')}`;
  return (
    <Layout
      title={result.created ? 'Your software is activated' : 'This device was already activated'}
      lead="Save the licence file and give it to your application."
    >
      {claims.lic.test && (
        <div class="notice notice-warn" role="status">
          This is a <strong>test</strong> licence: it works like a real one but is not billed and may be withdrawn.
        </div>
      )}
      <Section
        title="Licence"
        actions={
          <a class="button button-primary" href={href} download={licenceFileName(result)}>
            Download the licence file
          </a>
        }
      >
        <Facts
          items={[
            ['Product', `${claims.lic.product.name} ${claims.lic.product.version}`],
            ['Device', result.activation.deviceName ?? result.activation.fingerprint],
            [
              'Valid until',
              claims.exp === undefined ? 'Permanent' : formatDate(new Date(claims.exp * 1000).toISOString()),
            ],
            ['Features', claims.lic.features.map((f) => `${f.name} ${f.version}`).join(', ') || '—'],
            [
              'Activation',
              <span>
                {result.activation.id} {result.activation.test && <Badge tone="info">test</Badge>}
              </span>,
            ],
          ]}
        />
        <div class="field">
          <label for="licence-file">Licence file</label>
          <textarea id="licence-file" class="license-file" readonly rows={10}>
            {result.license.file}
          </textarea>
        </div>
        <p class="button-row">
          <CopyButton text={result.license.file} label="Copy the licence" />
        </p>
      </Section>
      <p>
        <a href="/activate">Activate another device</a>
      </p>
    </Layout>
  );
}

function ReturnPage({ state, returned }: { state: FormState; returned?: string }) {
  return (
    <Layout
      title="Return a licence"
      lead="Returning frees the activation so that you can use it on another device. The returned licence stops working."
    >
      {returned && (
        <div class="flash flash-success" role="status">
          The licence is returned ({returned}). You can now activate on another device.
        </div>
      )}
      <div class="narrow">
        <Form
          action="/activate/return"
          state={state}
          submit="Return this licence"
          confirm="Return this licence? It stops working on this device."
        >
          <div class="field">
            <label for="return-file">Licence file</label>
            <input id="return-file" type="file" accept=".lic,.txt,text/plain" data-fill="#f-license" />
          </div>
          <TextArea name="license" label="…or paste it" state={state} rows={8} monospace required />
        </Form>
      </div>
    </Layout>
  );
}

const OfflineForm = Type.Object(
  { request: Type.String({ minLength: 1, maxLength: 64 * 1024 }) },
  { additionalProperties: false },
);
const ReturnForm = Type.Object(
  { license: Type.String({ minLength: 1, maxLength: 16 * 1024 }) },
  { additionalProperties: false },
);

/**
 * The end customer's pages: activate with a code (or an offline request file), download the
 * licence, return it. Open without an account, so limited like the API's open endpoints, and a
 * wrong code counts as a failed guess.
 */
export async function activatePages({ app, ctx, render }: Web): Promise<void> {
  const config = publicRoute({ guessLimited: 'activation' });

  const refused = (
    request: FastifyRequest,
    reply: FastifyReply,
    error: unknown,
    values: FormBody,
    page: (state: FormState) => ReturnType<typeof ActivatePage>,
  ) => {
    if (!(error instanceof AppError)) throw error;
    if (error.code === 'NOT_FOUND') {
      request.guessFailed = true;
      const field = 'request' in values ? '/request' : '/code';
      const notFound = new AppError('NOT_FOUND', error.message, {
        fields: [{ field, message: 'is not a code that can be activated' }],
      });
      return render.page(request, reply, page(refusedForm(values, notFound)), { status: 404 });
    }
    if (error.code === 'RATE_LIMITED' || error.code === 'INTERNAL') throw error;
    return render.page(request, reply, page(refusedForm(values, error)), { status: statusOfError(error) });
  };

  app.get('/activate', async (request, reply) =>
    render.page(request, reply, <ActivatePage online={emptyForm} offline={emptyForm} />),
  );

  app.post('/activate', { config }, async (request, reply) => {
    const values = (request.body ?? {}) as FormBody;
    try {
      const result = await activate(ctx, request.actor, parseForm(ActivateBody, values));
      result.license.file = licenseFileHere(ctx.config, request, result.license);
      return render.page(request, reply, <LicencePage result={result} />, { status: result.created ? 201 : 200 });
    } catch (error) {
      return refused(request, reply, error, values, (state) => <ActivatePage online={state} offline={emptyForm} />);
    }
  });

  app.post('/activate/offline', { config }, async (request, reply) => {
    const values = (request.body ?? {}) as FormBody;
    try {
      const { request: text } = parseForm(OfflineForm, values);
      const result = await activateOffline(ctx, request.actor, text);
      result.license.file = licenseFileHere(ctx.config, request, result.license);
      return render.page(request, reply, <LicencePage result={result} />, { status: result.created ? 201 : 200 });
    } catch (error) {
      return refused(request, reply, error, values, (state) => <ActivatePage online={emptyForm} offline={state} />);
    }
  });

  app.get('/activate/return', async (request, reply) => render.page(request, reply, <ReturnPage state={emptyForm} />));

  app.post('/activate/return', { config }, async (request, reply) => {
    const values = (request.body ?? {}) as FormBody;
    try {
      const { license } = parseForm(ReturnForm, values);
      const token = licenceToken(license);
      const activation = await returnActivation(ctx, request.actor, decodeLicense(token).claims.jti, { token });
      return render.page(request, reply, <ReturnPage state={emptyForm} returned={activation.id} />);
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') request.guessFailed = true;
      if (!(error instanceof AppError) || error.code === 'RATE_LIMITED' || error.code === 'INTERNAL') throw error;
      const placed = error.fields
        ? error
        : new AppError(error.code, error.message, { fields: [{ field: '/license', message: error.message }] });
      return render.page(request, reply, <ReturnPage state={refusedForm(values, placed)} />, {
        status: statusOfError(placed),
      });
    }
  });
}

/** The token inside a pasted licence file; anything else is refused as not a licence. */
function licenceToken(text: string): string {
  try {
    const token = readLicenseToken(text);
    decodeLicense(token);
    return token;
  } catch {
    throw new AppError('VALIDATION_FAILED', 'That is not a Licentia licence file.', {
      fields: [{ field: '/license', message: 'is not a licence file' }],
    });
  }
}
