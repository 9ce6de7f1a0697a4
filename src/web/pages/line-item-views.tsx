import type { FastifyRequest } from 'fastify';
import type { Activation } from '../../domain/activations.ts';
import { isEditable } from '../../domain/entitlement-states.ts';
import type { Page } from '../../domain/paging.ts';
import type { ServiceContext } from '../../services/context.ts';
import { upgradeTargets } from '../../services/lifecycle/change-line-item.ts';
import { targetAccountFilter } from '../../services/lifecycle/transfer-line-item.ts';
import type { LineItemHistory } from '../../services/entitlements/line-item-history.ts';
import type { LineItemLineage } from '../../services/entitlements/line-item-lineage.ts';
import { getLineItem, mayEditLineItems } from '../../services/entitlements/line-items.ts';
import { getEntitlement } from '../../services/entitlements/read-entitlements.ts';
import type { EventsWithActors } from '../lookups.ts';
import { type Names, accountChoices, namesOf, productLabel } from '../choices.ts';
import {
  AccountRef,
  ActivationCode,
  type ChangeRow,
  DateCell,
  ChangeTable,
  HistorySection,
  Usage,
  VersionsSection,
  expiry,
  productName,
} from '../components/entitlements.tsx';
import { Form } from '../components/form.tsx';
import { Facts, Layout, Section, StateBadge, formatDate } from '../components/layout.tsx';
import { DataTable, Pager } from '../components/table.tsx';
import type { FormState } from '../forms.ts';
import { signedIn } from '../session.ts';
import { entitlementPath } from './entitlements.tsx';
import { type Subject, type Offer, type Operation, offeredOperations } from './line-item-operations.tsx';

// A line item's page and its operation pages (transfer, split, change…) with their preview: the views the routes in line-items.tsx render.

export const lineItemPath = (activationId: string) => `/portal/line-items/${encodeURIComponent(activationId)}`;

export async function subjectOf(ctx: ServiceContext, request: FastifyRequest): Promise<Subject> {
  const { actor } = signedIn(request);
  const lineItem = await getLineItem(ctx, actor, (request.params as { activationId: string }).activationId);
  const entitlement = await getEntitlement(ctx, actor, lineItem.entitlementId);
  const names = await namesOf(ctx, actor, { accounts: [entitlement.soldTo], products: [lineItem.productId] });
  return { actor, lineItem, entitlement, names };
}

function LineItemFacts({ subject, overdraft }: { subject: Subject; overdraft?: number }) {
  const { lineItem, entitlement, names } = subject;
  const product = productName(lineItem.productId, names);
  return (
    <Facts
      items={[
        [
          'Activation ID',
          <ActivationCode lineItem={lineItem} product={product} email={entitlement.shipToEmail} link={false} />,
        ],
        ['Entitlement', <a href={entitlementPath(entitlement.id)}>{entitlement.id}</a>],
        ['Owner', <AccountRef id={entitlement.soldTo} names={names} />],
        ['Product', product],
        ['Activations', <Usage lineItem={lineItem} overdraft={overdraft} />],
        ['Starts', formatDate(lineItem.startDate)],
        ['Expires', expiry(lineItem.expirationDate)],
        ['State', <StateBadge state={lineItem.state} />],
      ]}
    />
  );
}

function LineagePanel({ lineage, names }: { lineage: LineItemLineage; names: Names }) {
  const { parent, children } = lineage;
  return (
    <Section title="Lineage" id="lineage">
      <p>
        {parent ? (
          <>
            Came from <a href={lineItemPath(parent.activationId)}>{parent.activationId}</a> (entitlement{' '}
            {parent.entitlementId}).
          </>
        ) : lineage.parentHidden ? (
          // Not its code: the line item it came from is someone else's, and may still be in use.
          'Came from a line item of another account, split or transferred to this one.'
        ) : (
          'This line item was created as it is; it came from no other.'
        )}
      </p>
      <DataTable
        caption="Line items that took over from this one"
        rows={children}
        empty={{ title: 'Nothing was split or transferred from it.' }}
        columns={[
          {
            label: 'Activation ID',
            cell: (li) => (
              <a href={lineItemPath(li.activationId)} class="mono">
                {li.activationId}
              </a>
            ),
          },
          { label: 'Entitlement', cell: (li) => <a href={entitlementPath(li.entitlementId)}>{li.entitlementId}</a> },
          { label: 'Product', cell: (li) => productName(li.productId, names) },
          { label: 'Quantity', numeric: true, cell: (li) => li.quantity },
          { label: 'State', cell: (li) => <StateBadge state={li.state} /> },
          { label: 'Created', cell: (li) => <DateCell iso={li.createdAt} /> },
        ]}
      />
    </Section>
  );
}

export function LineItemPage(props: {
  subject: Subject;
  overdraft: number;
  lineage: LineItemLineage;
  activations: Page<Activation>;
  cursor: string | undefined;
  history: EventsWithActors | undefined;
  versions: LineItemHistory;
  versionsCursor: string | undefined;
  versionActors: Map<string, string>;
}) {
  const { subject, lineage, activations, history, versions } = props;
  const { actor, lineItem } = subject;
  const offered = offeredOperations(actor, lineItem);
  const path = lineItemPath(lineItem.activationId);
  return (
    <Layout
      title={`Line item ${lineItem.activationId}`}
      lead={
        <>
          <StateBadge state={lineItem.state} /> {productName(lineItem.productId, subject.names)} · quantity{' '}
          {lineItem.quantity}
        </>
      }
      actions={
        <>
          {offered.map((op) => (
            <a class="button" href={`${path}/${op.name}`}>
              {op.title}
            </a>
          ))}
          {mayEditLineItems(actor) && isEditable(subject.entitlement.state) && (
            <a class="button" href={`${path}/edit`}>
              Edit
            </a>
          )}
        </>
      }
    >
      <Section title="Details">
        <LineItemFacts subject={subject} overdraft={props.overdraft} />
      </Section>
      <LineagePanel lineage={lineage} names={subject.names} />
      <VersionsSection
        history={versions}
        names={subject.names}
        actors={props.versionActors}
        pager={
          <Pager
            path={path}
            query={{ cursor: props.cursor }}
            param="versions"
            label="Pages of versions"
            nextCursor={versions.nextCursor}
            cursor={props.versionsCursor}
          />
        }
      />
      <Section title="Activations" id="activations">
        <DataTable
          caption="Activations"
          rows={activations.items}
          empty={{
            title: 'No device has activated it yet.',
            body: (
              <p>
                Hand out the activation ID (copy it or email it, above); each device that activates with it appears
                here.
              </p>
            ),
          }}
          columns={[
            { label: 'Device', cell: (a) => a.deviceName ?? <span class="mono small">{a.fingerprint}</span> },
            { label: 'Count', numeric: true, cell: (a) => a.count },
            { label: 'State', cell: (a) => <StateBadge state={a.state} /> },
            { label: 'Licence', cell: (a) => (a.test ? 'test' : a.offline ? 'offline' : 'online') },
            { label: 'Issued', cell: (a) => <DateCell iso={a.issuedAt} /> },
            { label: 'Expires', cell: (a) => (a.expiresAt ? <DateCell iso={a.expiresAt} /> : 'never') },
          ]}
        />
        <Pager
          path={path}
          query={{ versions: props.versionsCursor }}
          label="Pages of activations"
          nextCursor={activations.nextCursor}
          cursor={props.cursor}
        />
      </Section>
      {history && (
        <HistorySection
          history={history}
          olderEventsHref={`/portal/events?lineItem=${encodeURIComponent(lineItem.activationId)}`}
        />
      )}
    </Layout>
  );
}

export type PreviewState =
  | { kind: 'none' }
  | { kind: 'changes'; rows: ChangeRow[] }
  | { kind: 'refused'; state: FormState };

export function PreviewPanel({ op, preview }: { op: Operation; preview: PreviewState }) {
  if (preview.kind === 'none') return <p class="muted">Preview shows what will change before anything does.</p>;
  if (preview.kind === 'refused') {
    const fields = Object.entries(preview.state.errors).filter(([name]) => name.startsWith('/'));
    return (
      <div class="form-error" role="alert">
        <p>
          <strong>This {op.title.toLowerCase()} would be refused.</strong>{' '}
          {fields.length === 0 ? preview.state.message : 'Please correct:'}
        </p>
        {fields.length > 0 && (
          <ul>
            {fields.map(([name, message]) => (
              <li>
                {name.slice(1)}: {message}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  return (
    <div class="preview-result">
      <p>
        <strong>Nothing has changed yet.</strong> This is what “{op.verb}” will do:
      </p>
      <ChangeTable rows={preview.rows} caption={`What the ${op.title.toLowerCase()} changes`} />
    </div>
  );
}

export function OperationPage({
  op,
  subject,
  offer,
  state,
  preview,
}: {
  op: Operation;
  subject: Subject;
  offer: Offer;
  state: FormState;
  preview: PreviewState;
}) {
  const path = `${lineItemPath(subject.lineItem.activationId)}/${op.name}`;
  return (
    <Layout title={`${op.title} ${subject.lineItem.activationId}`} lead={op.lead}>
      <p>
        <a href={lineItemPath(subject.lineItem.activationId)}>← Back to the line item</a>
      </p>
      <Section title="The line item now">
        <LineItemFacts subject={subject} />
      </Section>
      <Section title={op.title} id="operation">
        <div class="narrow">
          <Form action={path} state={state}>
            <op.Fields state={state} subject={subject} offer={offer} />
            <div class="form-actions">
              <button
                type="submit"
                class="button"
                formaction={`${path}/preview`}
                hx-post={`${path}/preview`}
                hx-target="#preview"
                hx-swap="innerHTML"
              >
                Preview the change
              </button>
              <button type="submit" class="button button-primary">
                {op.verb}
              </button>
            </div>
          </Form>
        </div>
        <div id="preview" class="preview" aria-live="polite">
          <PreviewPanel op={op} preview={preview} />
        </div>
      </Section>
    </Layout>
  );
}

export async function offerFor(ctx: ServiceContext, op: Operation, subject: Subject): Promise<Offer> {
  const { actor, lineItem } = subject;
  if (op.name === 'transfer' || op.name === 'split') {
    // The accounts the operation's service accepts: a partner's own customers; any for the producer.
    const accounts = await accountChoices(ctx, actor, targetAccountFilter(actor));
    return { accounts, products: [] };
  }
  if (op.name === 'upgrade') {
    // What the upgrade itself allows (`upgradeAllowed`), asked of its service.
    const targets = await upgradeTargets(ctx, actor, lineItem.activationId);
    return {
      accounts: { options: [], complete: true, idHint: '' },
      products: targets.map((p) => ({ value: p.id, label: productLabel(p) })),
    };
  }
  return { accounts: { options: [], complete: true, idHint: '' }, products: [] };
}
