import { Type } from 'typebox';
import type { Actor } from '../../domain/actors.ts';
import type { Page } from '../../domain/paging.ts';
import { type WebhookEventType, eventGroups, webhookEventTypes } from '../../domain/webhooks.ts';
import { WebhookEndpointInput, WebhookEndpointUpdate } from '../../interface/schemas/webhooks-inputs.ts';
import { outboxStatuses } from '../../store/outbox.ts';
import type { WebhookEndpoint } from '../../store/webhook-endpoints.ts';
import type { ServiceContext } from '../../services/context.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  pingWebhookEndpoint,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from '../../services/webhooks/manage-webhook-endpoints.ts';
import {
  getWebhookEndpoint,
  hearableEventTypes,
  listWebhookEndpoints,
  readsEveryEndpoint,
} from '../../services/webhooks/read-webhook-endpoints.ts';
import {
  type WebhookDelivery,
  listWebhookDeliveries,
  retryWebhookDelivery,
} from '../../services/webhooks/webhook-deliveries.ts';
import { Badge, Code, CopyButton, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { Form, PostButton, SelectField, TextField } from '../components/form.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormState, emptyForm, valuesOf } from '../forms.ts';
import { refusalOf } from '../refusals.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, submit } from '../web.ts';

const DeliveryQuery = Type.Object({
  status: Type.Optional(Type.Enum(outboxStatuses)),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

/** The event types a person may tick (`hearableEventTypes`), by group. */
function EventChoices({ state, types, chosen }: { state: FormState; types: WebhookEventType[]; chosen: string[] }) {
  const submitted = Object.keys(state.values).length > 0;
  const ticked = new Set(submitted ? valuesOf(state, 'events') : chosen);
  return (
    <fieldset class="field">
      <legend>Events</legend>
      {state.errors['/events'] && <p class="field-error">{state.errors['/events']}</p>}
      {eventGroups
        .filter((group) => types.some((type) => type.startsWith(`${group}.`)))
        .map((group) => (
          <div class="event-group">
            <label>
              <input type="checkbox" name="events" value={`${group}.*`} checked={ticked.has(`${group}.*`)} />{' '}
              <strong>{group}.*</strong> (all of this group)
            </label>
            {types
              .filter((type) => type.startsWith(`${group}.`))
              .map((type) => (
                <label class="event-type">
                  <input type="checkbox" name="events" value={type} checked={ticked.has(type)} /> <Code>{type}</Code> —{' '}
                  {webhookEventTypes[type].description}
                </label>
              ))}
          </div>
        ))}
    </fieldset>
  );
}

function Health({ endpoint }: { endpoint: WebhookEndpoint }) {
  if (!endpoint.enabled)
    return <Badge tone="bad">disabled{endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ''}</Badge>;
  if (endpoint.failingSince) return <Badge tone="warn">failing since {formatDate(endpoint.failingSince)}</Badge>;
  if (endpoint.lastSuccessAt) return <Badge tone="good">healthy</Badge>;
  return <Badge tone="neutral">nothing sent yet</Badge>;
}

function SecretNotice({ secret }: { secret: string }) {
  return (
    <div class="notice" role="status">
      <p>
        <strong>Copy the signing secret now:</strong> it is shown only this once. Receivers verify each delivery with it
        (Standard Webhooks).
      </p>
      <div class="secret">
        <span>{secret}</span>
        <CopyButton text={secret} />
      </div>
    </div>
  );
}

function EndpointsPage(props: {
  endpoints: Page<WebhookEndpoint>;
  state: FormState;
  everyOwner: boolean;
  eventTypes: WebhookEventType[];
  mayWrite: boolean;
  created?: { endpoint: WebhookEndpoint; secret: string } | undefined;
}) {
  const { endpoints, state, everyOwner, eventTypes, mayWrite, created } = props;
  return (
    <Layout
      title="Webhooks"
      lead={
        everyOwner
          ? 'Tell your own systems about every change as it happens: each event is signed and retried for three days.'
          : 'Tell your systems about changes to your own customers, entitlements and activations as they happen.'
      }
    >
      {created && <SecretNotice secret={created.secret} />}
      <Section title="Endpoints">
        <DataTable
          caption="Webhook endpoints"
          rows={endpoints.items}
          empty={{ title: 'No endpoints yet.', body: <p>Add one below to start receiving events.</p> }}
          columns={[
            { label: 'URL', cell: (e) => <a href={`/portal/webhooks/${e.id}`}>{e.url}</a> },
            { label: 'Events', cell: (e) => e.events.join(', ') },
            { label: 'Description', cell: (e) => e.description ?? '—' },
            ...(everyOwner ? [{ label: 'Owner', cell: (e: WebhookEndpoint) => e.accountId ?? 'producer' }] : []),
            { label: 'Health', cell: (e) => <Health endpoint={e} /> },
          ]}
        />
      </Section>
      {mayWrite && (
        <Section title="Add an endpoint">
          <Form action="/portal/webhooks" state={state} submit="Add endpoint">
            <TextField name="url" label="URL" state={state} required hint="An https address of your receiver." />
            <TextField name="description" label="Description" state={state} />
            <EventChoices state={state} types={eventTypes} chosen={[]} />
          </Form>
        </Section>
      )}
    </Layout>
  );
}

function EndpointPage(props: {
  endpoint: WebhookEndpoint;
  deliveries: Page<WebhookDelivery>;
  query: Record<string, string | undefined>;
  state: FormState;
  eventTypes: WebhookEventType[];
  mayWrite: boolean;
  secret?: string | undefined;
}) {
  const { endpoint, deliveries, query, state, eventTypes, mayWrite, secret } = props;
  const base = `/portal/webhooks/${endpoint.id}`;
  return (
    <Layout title={endpoint.url} lead={endpoint.description ?? 'A webhook endpoint.'}>
      {secret && <SecretNotice secret={secret} />}
      <Section title="Endpoint">
        <Facts
          items={[
            ['Health', <Health endpoint={endpoint} />],
            ['Last success', endpoint.lastSuccessAt ? formatDate(endpoint.lastSuccessAt) : '—'],
            ['Failing since', endpoint.failingSince ? formatDate(endpoint.failingSince) : '—'],
            ['Events', endpoint.events.join(', ')],
            ['Created', formatDate(endpoint.createdAt)],
          ]}
        />
        {mayWrite && (
          <div class="actions">
            <PostButton action={`${base}/test`} label="Send a ping" small />
            <PostButton
              action={`${base}/enabled`}
              label={endpoint.enabled ? 'Disable' : 'Enable'}
              fields={{ enabled: endpoint.enabled ? 'false' : 'true' }}
              small
            />
            <PostButton
              action={`${base}/rotate-secret`}
              label="Rotate secret"
              small
              confirm="Issue a new secret? The old one keeps signing beside it for 24 hours."
            />
            <PostButton
              action={`${base}/delete`}
              label="Delete"
              tone="danger"
              small
              confirm="Delete this endpoint? It receives nothing more."
            />
          </div>
        )}
      </Section>
      {mayWrite && (
        <Section title="Events it receives">
          <Form action={`${base}/events`} state={state} submit="Save events">
            <EventChoices state={state} types={eventTypes} chosen={endpoint.events} />
          </Form>
        </Section>
      )}
      <Section title="Deliveries">
        <FilterBar action={base}>
          <SelectField
            name="status"
            label="Status"
            options={outboxStatuses.map((s) => ({ value: s, label: s }))}
            blank="Any"
            value={query.status}
          />
        </FilterBar>
        <DataTable
          caption="Deliveries, newest first (kept 30 days)"
          rows={deliveries.items}
          empty={{ title: 'No deliveries.' }}
          columns={[
            { label: 'Event', cell: (d) => <Code>{d.eventType}</Code> },
            { label: 'Created', cell: (d) => formatDate(d.createdAt) },
            { label: 'Status', cell: (d) => <Badge tone={tones[d.status]}>{d.status}</Badge> },
            { label: 'Attempts', cell: (d) => String(d.attempts) },
            { label: 'Last answer', cell: (d) => (d.lastStatusCode ? String(d.lastStatusCode) : (d.lastError ?? '—')) },
            { label: 'Next attempt', cell: (d) => (d.nextAttemptAt ? formatDate(d.nextAttemptAt) : '—') },
            ...(mayWrite
              ? [
                  {
                    label: '',
                    cell: (d: WebhookDelivery) => (
                      <PostButton action={`/portal/webhooks/deliveries/${d.id}/retry`} label="Retry" small />
                    ),
                  },
                ]
              : []),
          ]}
        />
        <Pager path={base} query={query} nextCursor={deliveries.nextCursor} cursor={query.cursor} />
      </Section>
    </Layout>
  );
}

const tones = { pending: 'info', delivered: 'good', failed: 'bad', skipped: 'neutral' } as const;

/** Whether the actor may change endpoints: asked of the service, never decided here. */
async function mayWrite(ctx: ServiceContext, actor: Actor): Promise<boolean> {
  return (
    (
      await refusalOf(ctx, (c) =>
        createWebhookEndpoint(c, actor, { url: 'https://93.184.215.14/probe', events: ['ping.*'] }),
      )
    )?.code !== 'FORBIDDEN'
  );
}

export async function webhookPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;
  const eventsOf = (body: unknown) => {
    const raw = (body as Record<string, unknown> | undefined)?.events;
    return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  };

  const list = async (
    request: Parameters<typeof signedIn>[0],
    state: FormState,
    created?: { endpoint: WebhookEndpoint; secret: string },
  ) => {
    const { actor } = signedIn(request);
    const endpoints = await listWebhookEndpoints(ctx, actor, { limit: 100 });
    return (
      <EndpointsPage
        endpoints={endpoints}
        state={state}
        everyOwner={readsEveryEndpoint(actor)}
        eventTypes={hearableEventTypes(actor)}
        mayWrite={await mayWrite(ctx, actor)}
        created={created}
      />
    );
  };

  const one = async (request: Parameters<typeof signedIn>[0], state: FormState, secret?: string) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    const query = parseQuery(DeliveryQuery, request);
    const endpoint = await getWebhookEndpoint(ctx, actor, id);
    const deliveries = await listWebhookDeliveries(
      ctx,
      actor,
      id,
      { status: query.status },
      { cursor: query.cursor, limit: 50 },
    );
    return (
      <EndpointPage
        endpoint={endpoint}
        deliveries={deliveries}
        query={{ status: query.status, cursor: query.cursor }}
        state={state}
        eventTypes={hearableEventTypes(actor)}
        mayWrite={await mayWrite(ctx, actor)}
        secret={secret}
      />
    );
  };

  app.get('/webhooks', async (request, reply) => render.page(request, reply, await list(request, emptyForm)));

  app.post('/webhooks', async (request, reply) => {
    const { actor } = signedIn(request);
    return submit(web, request, reply, {
      schema: WebhookEndpointInput,
      extra: {
        events: eventsOf(request.body),
        ...(textOrNull(request.body, 'description') === null && { description: null }),
      },
      run: (input) => createWebhookEndpoint(ctx, actor, input),
      // The secret is shown on this answer, not after a redirect: it must not travel in a cookie or a URL.
      done: async ({ secret, ...endpoint }) =>
        render.page(request, reply, await list(request, emptyForm, { endpoint, secret }), { status: 201 }),
      again: (state) => list(request, state),
    });
  });

  app.get('/webhooks/:id', async (request, reply) => render.page(request, reply, await one(request, emptyForm)));

  app.post('/webhooks/:id/events', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    return submit(web, request, reply, {
      schema: WebhookEndpointUpdate,
      extra: { events: eventsOf(request.body) },
      run: (input) => updateWebhookEndpoint(ctx, actor, id, { events: input.events }),
      done: async () => render.redirect(reply, `/portal/webhooks/${id}`, 'Events saved.'),
      again: (state) => one(request, state),
    });
  });

  app.post('/webhooks/:id/enabled', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    const enabled = (request.body as Record<string, unknown> | undefined)?.enabled === 'true';
    await updateWebhookEndpoint(ctx, actor, id, { enabled });
    return render.redirect(reply, `/portal/webhooks/${id}`, enabled ? 'Endpoint enabled.' : 'Endpoint disabled.');
  });

  app.post('/webhooks/:id/test', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    await pingWebhookEndpoint(ctx, actor, id);
    return render.redirect(reply, `/portal/webhooks/${id}`, 'A ping is on its way.');
  });

  app.post('/webhooks/:id/rotate-secret', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    const { secret } = await rotateWebhookSecret(ctx, actor, id);
    return render.page(request, reply, await one(request, emptyForm, secret));
  });

  app.post('/webhooks/:id/delete', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    await deleteWebhookEndpoint(ctx, actor, id);
    return render.redirect(reply, '/portal/webhooks', 'Endpoint deleted.');
  });

  app.post('/webhooks/deliveries/:id/retry', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    const delivery = await retryWebhookDelivery(ctx, actor, id);
    return render.redirect(reply, `/portal/webhooks/${delivery.endpointId}`, 'The delivery is sent again.');
  });
}

function textOrNull(body: unknown, name: string): string | null | undefined {
  const raw = (body as Record<string, unknown> | undefined)?.[name];
  if (raw === undefined) return undefined;
  return typeof raw === 'string' && raw.trim() === '' ? null : (raw as string);
}
