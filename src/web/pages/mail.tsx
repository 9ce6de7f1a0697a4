import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { Actor } from '../../domain/actors.ts';
import type { Entitlement } from '../../domain/entitlements.ts';
import { type Message, messageStatuses } from '../../domain/mail.ts';
import type { Page } from '../../domain/paging.ts';
import { EmailActivationIdsBody, MessageListQuery } from '../../interface/schemas/messages-inputs.ts';
import { getEntitlement } from '../../services/entitlements/read-entitlements.ts';
import { emailActivationIds } from '../../services/mail/activation-ids-mail.ts';
import { listVisibleMessages, readsEveryMessage } from '../../services/mail/read-messages.ts';
import { resendMessage } from '../../services/mail/resend-message.ts';
import { DateCell } from '../components/entitlements.tsx';
import { Form, PostButton, SelectField, TextField } from '../components/form.tsx';
import { Code, Layout, Section, StateBadge } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormState, emptyForm } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, shownQuery, submit } from '../web.ts';

const PAGE_SIZE = 50;

const kindLabels: Record<Message['kind'], string> = {
  'entitlement-certificate': 'Entitlement certificate',
  'stock-delivery': 'Stock delivery',
  license: 'Licence file',
  'activation-ids': 'Activation IDs',
  'sign-in-link': 'Sign-in link',
  'password-reset': 'Forgotten password',
  'activation-code': 'Activation ID after registration',
};

function OutboxPage({
  messages,
  query,
  everyMessage,
  description,
}: {
  messages: Page<Message>;
  query: Record<string, string | undefined>;
  everyMessage: boolean;
  description: string | undefined;
}) {
  return (
    <Layout
      title="Outbox"
      lead={
        everyMessage
          ? `Every message Licentia sent or will send. ${description ? `Mail goes out as ${description}.` : ''}`
          : 'The mail Licentia sent for your business: activation IDs, licences, stock.'
      }
    >
      <FilterBar action="/portal/outbox">
        <SelectField
          name="status"
          label="Status"
          blank="Any"
          options={messageStatuses.map((s) => ({ value: s, label: s }))}
          value={query.status}
        />
      </FilterBar>
      <DataTable
        caption="Messages"
        rows={messages.items}
        empty={{ title: 'No mail yet', body: 'Messages appear here as soon as a change causes one.' }}
        columns={[
          { label: 'Queued', cell: (m) => <DateCell iso={m.createdAt} /> },
          { label: 'What', cell: (m) => kindLabels[m.kind] },
          { label: 'To', cell: (m) => m.to },
          { label: 'Subject', cell: (m) => m.subject },
          { label: 'About', cell: (m) => (m.reference ? <Code>{m.reference}</Code> : '—') },
          {
            label: 'Status',
            cell: (m) => (
              <>
                <StateBadge state={m.status} />
                {m.lastError && <div class="muted">{m.lastError}</div>}
              </>
            ),
          },
          { label: 'Attempts', numeric: true, cell: (m) => m.attempts },
          { label: 'Sent', cell: (m) => <DateCell iso={m.sentAt} /> },
          {
            label: '',
            cell: (m) =>
              m.status !== 'queued' && m.resendable ? (
                <PostButton action={`/portal/outbox/${m.id}/resend`} label="Resend" small />
              ) : null,
          },
        ]}
      />
      <Pager path="/portal/outbox" query={query} nextCursor={messages.nextCursor} cursor={query.cursor} />
    </Layout>
  );
}

function EmailIdsPage({
  entitlement,
  activationIds,
  state,
}: {
  entitlement: Entitlement;
  activationIds: string[];
  state: FormState;
}) {
  const shown = activationIds.length > 0 ? activationIds : entitlement.lineItems.map((li) => li.activationId);
  return (
    <Layout
      title={`Mail activation IDs of ${entitlement.id}`}
      lead="The person who will activate gets the activation IDs below, with how to use them."
    >
      <Section title="Message">
        <Form action={`/portal/entitlements/${encodeURIComponent(entitlement.id)}/email`} state={state} submit="Send">
          {activationIds.map((id, index) => (
            <input type="hidden" name={`/activationIds/${index}`} value={id} />
          ))}
          <TextField name="to" label="To" type="email" state={state} value={entitlement.shipToEmail} required />
          <TextField name="note" label="A line from you (optional)" state={state} />
          <p>
            Activation IDs:{' '}
            {shown.map((id) => (
              <>
                <Code>{id}</Code>{' '}
              </>
            ))}
          </p>
        </Form>
      </Section>
    </Layout>
  );
}

const EmailIdsQuery = Type.Object(
  { activationId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);

function idOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

async function outbox(web: Web, actor: Actor, query: Static<typeof MessageListQuery>) {
  const { limit: _limit, cursor, ...filter } = query;
  return listVisibleMessages(web.ctx, actor, filter, { cursor, limit: PAGE_SIZE });
}

export async function mailPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/outbox', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(MessageListQuery, request);
    const messages = await outbox(web, actor, query);
    const everyMessage = readsEveryMessage(actor);
    return render.page(
      request,
      reply,
      <OutboxPage
        messages={messages}
        query={shownQuery(query)}
        everyMessage={everyMessage}
        description={everyMessage ? ctx.mail.description : undefined}
      />,
    );
  });

  app.post('/outbox/:id/resend', async (request, reply) => {
    const { actor } = signedIn(request);
    const message = await resendMessage(ctx, actor, idOf(request));
    return render.redirect(reply, '/portal/outbox', `Queued again: ${message.subject}.`);
  });

  app.get('/entitlements/:id/email', async (request, reply) => {
    const { actor } = signedIn(request);
    const { activationId } = parseQuery(EmailIdsQuery, request);
    const entitlement = await getEntitlement(ctx, actor, idOf(request));
    return render.page(
      request,
      reply,
      <EmailIdsPage entitlement={entitlement} activationIds={activationId ? [activationId] : []} state={emptyForm} />,
    );
  });

  app.post('/entitlements/:id/email', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: EmailActivationIdsBody,
      run: (input) => emailActivationIds(ctx, actor, id, input),
      done: (message) =>
        render.redirect(
          reply,
          `/portal/entitlements/${encodeURIComponent(id)}`,
          `The activation IDs are on their way to ${message.to}.`,
        ),
      again: async (state) => {
        const entitlement = await getEntitlement(ctx, actor, id);
        const body = (request.body ?? {}) as Record<string, string>;
        const ids = Object.entries(body)
          .filter(([name]) => name.startsWith('/activationIds/'))
          .map(([, value]) => value);
        return <EmailIdsPage entitlement={entitlement} activationIds={ids} state={state} />;
      },
    });
  });
}
