import type { ComponentChildren } from 'preact';
import type { AuditEvent } from '../../domain/events.ts';
import type { Entitlement, LineItem } from '../../domain/entitlements.ts';
import type { LineItemOperation, TermChange } from '../../domain/lineage.ts';
import type { LineItemHistory } from '../../services/entitlements/line-item-history.ts';
import { type Names, productLabel } from '../choices.ts';
import { ActorName } from './actor-name.tsx';
import type { EventsWithActors } from '../lookups.ts';
import { Code, CopyButton, Section, formatDate } from './layout.tsx';
import { DataTable } from './table.tsx';

export function AccountRef({ id, names }: { id: string | null | undefined; names: Names }) {
  if (!id) return <span class="muted">—</span>;
  const account = names.accounts.get(id);
  // An account outside the reader's scope is named by its ID only, as the API shows it.
  if (!account) return <Code>{id}</Code>;
  return <a href={`/portal/accounts/${encodeURIComponent(id)}`}>{account.name}</a>;
}

export function productName(id: string | null | undefined, names: Names): string {
  if (!id) return '—';
  const product = names.products.get(id);
  return product ? productLabel(product) : id;
}

/** A date in a table cell, kept on one line. */
export function DateCell({ iso }: { iso: string | null | undefined }) {
  return <span class="nowrap">{formatDate(iso)}</span>;
}

export function expiry(date: string | null): string {
  return date ? formatDate(date) : 'Permanent';
}

/** Where the person who hands out a code has it mailed (a real send, with the code and how to activate). */
export function activationMailPath(lineItem: Pick<LineItem, 'entitlementId' | 'activationId'>): string {
  return `/portal/entitlements/${encodeURIComponent(lineItem.entitlementId)}/email?activationId=${encodeURIComponent(lineItem.activationId)}`;
}

/** An activation ID as a partner hands it out: to read, to copy, to send by mail. */
export function ActivationCode({
  lineItem,
  product,
  link = true,
}: {
  lineItem: LineItem;
  product: string;
  /** The ship-to address; the mail form starts with it. */
  email?: string | null;
  link?: boolean;
}) {
  const code = lineItem.activationId;
  return (
    <span class="activation-code">
      {link ? (
        <a href={`/portal/line-items/${encodeURIComponent(code)}`} class="mono">
          {code}
        </a>
      ) : (
        <Code>{code}</Code>
      )}
      <span class="activation-code-actions">
        <CopyButton text={code} />
        <a
          class="button button-small button-quiet"
          href={activationMailPath(lineItem)}
          aria-label={`Email ${code} (${product})`}
        >
          Email
        </a>
      </span>
    </span>
  );
}

/** A line item's quantity as used and total, with the overdraft the licence model allows beyond it. */
export function Usage({ lineItem, overdraft = 0 }: { lineItem: LineItem; overdraft?: number }) {
  const free = Math.max(lineItem.quantity - lineItem.activatedCount, 0);
  return (
    <span class="usage">
      <strong>{lineItem.activatedCount}</strong> of {lineItem.quantity} activated
      <span class="muted">
        {' '}
        · {free} free{overdraft > 0 ? ` (+${overdraft} overdraft)` : ''}
      </span>
    </span>
  );
}

const hiddenKeys = new Set([
  'updatedAt',
  'createdAt',
  'lineItems',
  'channelPartners',
  'webRegisterKeys',
  'entitlementId',
]);

function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** What an audit event changed, as "field: before → after" lines a person can read. */
export function changesOf(event: AuditEvent): string[] {
  const before = isRecord(event.before) ? event.before : undefined;
  const after = isRecord(event.after) ? event.after : undefined;
  if (!before && !after) return [];
  if (!before) return [describeCreated(after ?? {})];
  if (!after) return ['removed'];
  const lines: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (hiddenKeys.has(key)) continue;
    const [b, a] = [before[key], after[key]];
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    lines.push(key in before ? `${key}: ${shown(b)} → ${shown(a)}` : `${key}: ${shown(a)}`);
  }
  const [itemsBefore, itemsAfter] = [before.lineItems, after.lineItems];
  if (Array.isArray(itemsBefore) && Array.isArray(itemsAfter) && itemsBefore.length !== itemsAfter.length) {
    lines.push(`line items: ${itemsBefore.length} → ${itemsAfter.length}`);
  }
  return lines;
}

function describeCreated(after: Record<string, unknown>): string {
  const parts = ['state', 'quantity', 'activationId', 'kind']
    .filter((k) => after[k] !== undefined)
    .map((k) => `${k}: ${shown(after[k])}`);
  return parts.length > 0 ? parts.join(', ') : 'created';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The History section of an entitlement's or a line item's page: its latest audit events, and a
 * link to the audit log filtered to it (`olderEventsHref`) when there are more.
 */
export function HistorySection({ history, olderEventsHref }: { history: EventsWithActors; olderEventsHref: string }) {
  return (
    <Section title="History" id="history">
      <EventHistory
        events={history.events.items}
        actors={history.actors}
        more={
          history.events.nextCursor && (
            <p class="more">
              <a href={olderEventsHref}>Older events in the audit log</a>
            </p>
          )
        }
      />
    </Section>
  );
}

/** The audit events of an entitlement or a line item, newest first. */
function EventHistory({
  events,
  actors,
  more,
}: {
  events: AuditEvent[];
  actors: Map<string, string>;
  more?: ComponentChildren;
}) {
  return (
    <>
      <DataTable
        caption="History"
        rows={events}
        empty={{
          title: 'No events yet.',
          body: <p>Every change to it will be listed here, with who made it and when.</p>,
        }}
        columns={[
          { label: 'When', cell: (e) => <span class="nowrap">{formatDate(e.at)}</span> },
          { label: 'What', cell: (e) => <code class="code nowrap">{e.action}</code> },
          {
            label: 'Who',
            cell: (e) => (
              <span class="cell-main" title={e.actor}>
                <ActorName label={e.actor} names={actors} />
              </span>
            ),
          },
          {
            label: 'Change',
            cell: (e) => {
              const lines = changesOf(e);
              return lines.length === 0 ? (
                <span class="muted">—</span>
              ) : (
                <ul class="change-lines">
                  {lines.slice(0, 8).map((line) => (
                    <li>{line}</li>
                  ))}
                </ul>
              );
            },
          },
        ]}
      />
      {more}
    </>
  );
}

const operationWords: Record<LineItemOperation, string> = {
  renew: 'Renewed',
  upsell: 'Upsold',
  upgrade: 'Upgraded',
  split: 'Split',
  transfer: 'Transferred',
};

const expiresText = (date: string | null) => (date === null ? 'permanent' : `expires ${formatDate(date)}`);

const lifetimeOf = (days: string | number | null) => (days === null ? 'permanent' : `${days} days`);

/** A change of a line item's terms in words: "Quantity: 2 → 5". */
function changeLine(change: TermChange, names: Names): string {
  const text = (value: string | number | null): string => {
    switch (change.field) {
      case 'productId':
        return productName(value === null ? null : String(value), names);
      case 'startDate':
        return value === null ? 'at once' : formatDate(String(value));
      case 'expirationDate':
        return expiry(value === null ? null : String(value));
      case 'durationDays':
        return lifetimeOf(value);
      default:
        return value === null ? '—' : String(value);
    }
  };
  return `${termLabels[change.field]}: ${text(change.from)} → ${text(change.to)}`;
}

const termLabels: Record<TermChange['field'], string> = {
  productId: 'Product',
  quantity: 'Quantity',
  startDate: 'Starts',
  expirationDate: 'Expires',
  durationDays: 'Licence lifetime',
  state: 'State',
};

/**
 * The Versions section of a line item's page: the terms it had before each lifecycle operation,
 * newest first, with what the operation changed, who made it and when (`history` from
 * `getLineItemHistory`, read like the line item; `actors` from `actorNames`).
 */
export function VersionsSection({
  history,
  names,
  actors,
  pager,
}: {
  history: LineItemHistory;
  names: Names;
  actors: Map<string, string>;
  pager?: ComponentChildren;
}) {
  const { current } = history;
  return (
    <Section title="Versions" id="versions">
      <p>
        Now version {current.version}: {productName(current.productId, names)}, quantity {current.quantity},{' '}
        {expiresText(current.expirationDate)}, licences{' '}
        {current.durationDays === null ? 'permanent' : `last ${current.durationDays} days`}.
      </p>
      <DataTable
        caption="Earlier versions of the line item"
        rows={history.items}
        empty={{
          title: 'No earlier versions.',
          body: <p>Renewals, upsells, upgrades, splits and transfers each keep the terms before them here.</p>,
        }}
        columns={[
          { label: 'Version', numeric: true, cell: (v) => v.version },
          { label: 'When', cell: (v) => <DateCell iso={v.at} /> },
          {
            label: 'Who',
            cell: (v) => (
              <span class="cell-main" title={v.actor}>
                <ActorName label={v.actor} names={actors} />
              </span>
            ),
          },
          { label: 'Operation', cell: (v) => operationWords[v.operation] },
          {
            label: 'What changed',
            cell: (v) => (
              <ul class="change-lines">
                {v.changes.map((change) => (
                  <li>{changeLine(change, names)}</li>
                ))}
                {v.successorActivationId && (
                  <li>
                    {v.operation === 'split' ? 'Split off to ' : 'Now '}
                    <a href={`/portal/line-items/${encodeURIComponent(v.successorActivationId)}`} class="mono">
                      {v.successorActivationId}
                    </a>
                  </li>
                )}
              </ul>
            ),
          },
          {
            label: 'Terms of this version',
            cell: (v) => (
              <span class="small">
                {productName(v.productId, names)} · quantity {v.quantity} · {expiresText(v.expirationDate)}
              </span>
            ),
          },
        ]}
      />
      {pager}
    </Section>
  );
}

/** One line of a preview: what a field is now, and what it will be. */
export interface ChangeRow {
  what: string;
  now: ComponentChildren;
  after: ComponentChildren;
}

export function ChangeTable({ rows, caption }: { rows: ChangeRow[]; caption: string }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table class="table change-table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">What</th>
            <th scope="col">Now</th>
            <th scope="col" aria-label="becomes"></th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr>
              <th scope="row">{row.what}</th>
              <td data-label="Now">{row.now}</td>
              <td class="change-arrow" aria-hidden="true">
                →
              </td>
              <td data-label="After">{row.after}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The entitlement's products, for list rows: a bulk entitlement's one product or its line items' ones. */
export function productsOf(entitlement: Entitlement): string[] {
  const ids =
    entitlement.kind === 'bulk' ? [entitlement.productId ?? ''] : entitlement.lineItems.map((li) => li.productId);
  return [...new Set(ids.filter((id) => id !== ''))];
}
