import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { endOfDate, startOfDate } from '../../domain/dates.ts';
import { AppError } from '../../domain/errors.ts';
import { type AuditEvent, type EventSubject, auditedActions, subjectTypes } from '../../domain/events.ts';
import type { Page } from '../../domain/paging.ts';
import { DateOnly, ResourceId, ShortText } from '../../interface/schemas/common.ts';
import { eventSubjects } from '../../services/events/event-subjects.ts';
import { listEvents } from '../../services/events/list-events.ts';
import { ActorName } from '../components/actor-name.tsx';
import { EventChange } from '../components/event-change.tsx';
import { SelectField, TextField } from '../components/form.tsx';
import { type Choices, PickerField } from '../components/pickers.tsx';
import { Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { type FormBody, type FormState, emptyForm, refusedForm } from '../forms.ts';
import { actorChoices, actorNames } from '../lookups.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery } from '../web.ts';

/** The API's filters, with calendar days for the range (a person picks dates, not instants). */
const EventListQuery = Type.Object({
  action: Type.Optional(ShortText),
  actor: Type.Optional(ShortText),
  subjectType: Type.Optional(ShortText),
  subjectId: Type.Optional(ResourceId),
  entitlement: Type.Optional(Type.String({ maxLength: 100 })),
  lineItem: Type.Optional(Type.String({ maxLength: 100 })),
  from: Type.Optional(DateOnly),
  to: Type.Optional(DateOnly),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

const PAGE_SIZE = 50;
const filterNames = ['action', 'actor', 'subjectType', 'subjectId', 'entitlement', 'lineItem', 'from', 'to'] as const;

function filterHref(values: Record<string, string>): string {
  return `/portal/events?${new URLSearchParams(values).toString()}`;
}

/** Where a subject's own page is, if it has one and still exists. */
function subjectHref(event: AuditEvent, subject: EventSubject | undefined): string | undefined {
  const id = encodeURIComponent(event.subjectId);
  if (subject && !subject.current) return undefined;
  switch (event.subjectType) {
    case 'entitlement':
      return subject && `/portal/entitlements/${encodeURIComponent(subject.label)}`;
    case 'line-item':
      return subject && `/portal/line-items/${encodeURIComponent(subject.label)}`;
    case 'account':
      return `/portal/accounts/${id}`;
    case 'product':
      return `/portal/catalog/products/${id}`;
    case 'license-model':
      return `/portal/catalog/license-models/${id}`;
    case 'activation':
      return `/portal/activations/${id}`;
    case 'user':
      return `/portal/users/${id}`;
    case 'webhook-endpoint':
      return `/portal/webhooks/${id}`;
    default:
      return undefined;
  }
}

/** `line-item` → "Line item". */
function typeWords(type: string): string {
  const words = type.replaceAll('-', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function SubjectCell({ event, subject }: { event: AuditEvent; subject: EventSubject | undefined }) {
  const href = subjectHref(event, subject);
  const label = subject?.label ?? event.subjectId;
  return (
    <span class="cell-main">
      {href ? <a href={href}>{label}</a> : <span class={subject ? undefined : 'mono'}>{label}</span>}
      <span class="cell-sub">
        {typeWords(event.subjectType)} ·{' '}
        <a href={filterHref({ subjectType: event.subjectType, subjectId: event.subjectId })} title={event.subjectId}>
          its events
        </a>
      </span>
    </span>
  );
}

export function EventTable({
  events,
  actors,
  subjects = new Map(),
  compact = false,
}: {
  events: AuditEvent[];
  actors: Map<string, string>;
  /** What each event is about, in words (`eventSubjects`). */
  subjects?: Map<string, EventSubject>;
  compact?: boolean;
}) {
  return (
    <DataTable
      caption="Audit events"
      rows={events}
      empty={{
        title: 'No event matches.',
        body: (
          <p>
            Every change made through the API or the portal is recorded here. Widen the date range or clear the filters.
          </p>
        ),
      }}
      columns={[
        { label: 'When', cell: (e) => <span class="nowrap">{formatDate(e.at)}</span> },
        { label: 'Action', cell: (e) => <a href={filterHref({ action: e.action })}>{e.action}</a> },
        {
          label: 'Subject',
          cell: (e) => <SubjectCell event={e} subject={subjects.get(e.subjectId)} />,
        },
        {
          label: 'By',
          cell: (e) => (
            <a href={filterHref({ actor: e.actor })} class="cell-main" title={e.actor}>
              <ActorName label={e.actor} names={actors} />
            </a>
          ),
        },
        ...(compact ? [] : [{ label: 'Change', cell: (e: AuditEvent) => <EventChange event={e} /> }]),
      ]}
    />
  );
}

const actionOptions = auditedActions.map((a) => ({ value: a, label: a }));
const subjectTypeOptions = subjectTypes.map((t) => ({ value: t, label: typeWords(t) }));

function EventsPage({
  events,
  actors,
  subjects,
  actorPicker,
  state,
  query,
}: {
  events: Page<AuditEvent>;
  actors: Map<string, string>;
  subjects: Map<string, EventSubject>;
  actorPicker: Choices;
  state: FormState;
  query: Record<string, string | undefined>;
}) {
  return (
    <Layout
      title="Audit log"
      lead="Every change, newest first: who did what, when, and what it changed. Each is written in the same transaction as the change itself."
    >
      <Section title="Filter">
        <FilterBar action="/portal/events">
          <SelectField
            name="action"
            label="Action"
            options={actionOptions}
            blank="Any action"
            state={state}
            value={query.action}
          />
          <PickerField name="actor" label="By" choices={actorPicker} blank="Anyone" state={state} value={query.actor} />
          <SelectField
            name="subjectType"
            label="Subject type"
            options={subjectTypeOptions}
            blank="Any"
            state={state}
            value={query.subjectType}
          />
          <TextField name="subjectId" label="Subject ID" state={state} value={query.subjectId} />
          <TextField
            name="entitlement"
            label="Entitlement"
            state={state}
            value={query.entitlement}
            placeholder="Its ID"
          />
          <TextField
            name="lineItem"
            label="Line item"
            state={state}
            value={query.lineItem}
            placeholder="Its activation code"
          />
          <TextField name="from" label="From" type="date" state={state} value={query.from} />
          <TextField name="to" label="To" type="date" state={state} value={query.to} />
        </FilterBar>
        {state.message && (
          <div class="form-error" role="alert">
            {state.message}
          </div>
        )}
      </Section>
      <Section title="Events">
        <EventTable events={events.items} actors={actors} subjects={subjects} />
        <Pager path="/portal/events" query={query} nextCursor={events.nextCursor} cursor={query.cursor} />
      </Section>
    </Layout>
  );
}

/** The entitlement filter is looked up first, so a refusal naming an entitlement is about that field. */
function missingField(error: AppError): string {
  return error.message.startsWith('Entitlement') ? '/entitlement' : '/lineItem';
}

function typed(request: FastifyRequest): FormBody {
  const raw = (request.query ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    filterNames.map((name) => [name, typeof raw[name] === 'string' ? (raw[name] as string) : undefined]),
  );
}

export async function eventPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/events', async (request, reply) => {
    const { actor } = signedIn(request);
    let events: Page<AuditEvent> = { items: [], nextCursor: null };
    let state = emptyForm;
    let status = 200;
    let query: Record<string, string | undefined> = {};
    try {
      const parsed = parseQuery(EventListQuery, request);
      query = { ...parsed };
      const { cursor, from, to, ...filter } = parsed;
      events = await listEvents(
        ctx,
        actor,
        { ...filter, from: from && startOfDate(from).toISOString(), to: to && endOfDate(to).toISOString() },
        { cursor, limit: PAGE_SIZE },
      );
    } catch (error) {
      if (!(error instanceof AppError) || (error.code !== 'VALIDATION_FAILED' && error.code !== 'NOT_FOUND'))
        throw error;
      // An entitlement or line item the filter names that does not exist for this reader: said beside its field.
      const refused =
        error.code === 'NOT_FOUND'
          ? new AppError('NOT_FOUND', error.message, {
              fields: [{ field: missingField(error), message: error.message }],
            })
          : error;
      const values = typed(request);
      state = refusedForm(values, refused);
      query = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
      status = error.code === 'NOT_FOUND' ? 404 : 400;
    }
    const [actors, subjects, actorPicker] = await Promise.all([
      actorNames(
        ctx,
        actor,
        events.items.map((e) => e.actor),
      ),
      eventSubjects(ctx, actor, events.items),
      actorChoices(ctx, actor),
    ]);
    return render.page(
      request,
      reply,
      <EventsPage
        events={events}
        actors={actors}
        subjects={subjects}
        actorPicker={actorPicker}
        state={state}
        query={query}
      />,
      { status },
    );
  });
}
