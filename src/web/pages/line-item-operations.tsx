import type { JSX } from 'preact';
import type { Static, TSchema } from 'typebox';
import type { Actor } from '../../domain/actors.ts';
import { allowsLifecycle } from '../../domain/entitlement-states.ts';
import type { Entitlement, LineItem } from '../../domain/entitlements.ts';
import {
  RenewLineItemInput,
  SplitLineItemInput,
  TransferLineItemInput,
  UpgradeLineItemInput,
  UpsellLineItemInput,
} from '../../interface/schemas/lifecycle-inputs.ts';
import type { ServiceContext } from '../../services/context.ts';
import {
  mayChangeLineItems,
  renewLineItem,
  upgradeLineItem,
  upsellLineItem,
} from '../../services/lifecycle/change-line-item.ts';
import { maySplitLineItems, splitLineItem } from '../../services/lifecycle/split-line-item.ts';
import {
  mayTransferLineItems,
  targetAccountFilter,
  transferLineItem,
} from '../../services/lifecycle/transfer-line-item.ts';
import type { Names } from '../choices.ts';
import { AccountRef, type ChangeRow, expiry, productName } from '../components/entitlements.tsx';
import { type Option, SelectField, TextField } from '../components/form.tsx';
import { Code, StateBadge } from '../components/layout.tsx';
import { type Choices, PickerField } from '../components/pickers.tsx';
import type { FormState } from '../forms.ts';

// The lifecycle operations a line item's page offers (transfer, split, renew, upsell, upgrade): each one's
// form, service call, preview rows and message. The pages that show and run them are in line-items.tsx.

/** A line item with what its pages show around it. */
export interface Subject {
  actor: Actor;
  lineItem: LineItem;
  entitlement: Entitlement;
  names: Names;
}

/** What an operation answers: the line item operated on and, for a transfer or split, the one that took over. */
interface Outcome {
  lineItem: LineItem;
  newLineItem?: LineItem;
  entitlementId?: string;
}

/** What an operation's form offers to choose from. */
export interface Offer {
  accounts: Choices;
  products: Option[];
}

export interface Operation {
  name: 'transfer' | 'split' | 'renew' | 'upsell' | 'upgrade';
  title: string;
  verb: string;
  lead: string;
  /** Whether to offer it to this person: the service's own policy; the service still decides each one. */
  offeredTo(actor: Actor): boolean;
  schema: TSchema;
  run(ctx: ServiceContext, actor: Actor, activationId: string, input: unknown): Promise<Outcome>;
  Fields(props: { state: FormState; subject: Subject; offer: Offer }): JSX.Element;
  /** What will change, from the line item as it is and what the operation answered inside a preview. */
  changes(subject: Subject, outcome: Outcome, input: unknown, names: Names): ChangeRow[];
  /** Account and product IDs the preview names. */
  mentions(input: unknown, outcome: Outcome): { accounts: string[]; products: string[] };
  /** The message after it is done; `names` holds what `mentions` named. */
  done(outcome: Outcome, input: unknown, names: Names): string;
}

function operation<T extends TSchema>(
  def: Omit<Operation, 'schema' | 'run' | 'changes' | 'mentions' | 'done'> & {
    schema: T;
    done(outcome: Outcome, input: Static<T>, names: Names): string;
    run(ctx: ServiceContext, actor: Actor, activationId: string, input: Static<T>): Promise<Outcome>;
    changes(subject: Subject, outcome: Outcome, input: Static<T>, names: Names): ChangeRow[];
    mentions?(input: Static<T>, outcome: Outcome): { accounts: string[]; products: string[] };
  },
): Operation {
  // The input reaching these has passed `schema` (parseForm), so it is a Static<T>.
  return {
    ...def,
    run: (ctx, actor, activationId, input) => def.run(ctx, actor, activationId, input as Static<T>),
    changes: (subject, outcome, input, names) => def.changes(subject, outcome, input as Static<T>, names),
    mentions: (input, outcome) => def.mentions?.(input as Static<T>, outcome) ?? { accounts: [], products: [] },
    done: (outcome, input, names) => def.done(outcome, input as Static<T>, names),
  };
}

const free = (li: LineItem) => Math.max(li.quantity - li.activatedCount, 0);

const newCode = 'a new activation ID, generated when applied';

export const operations: Operation[] = [
  operation({
    name: 'transfer',
    title: 'Transfer',
    verb: 'Transfer',
    lead: 'Hand the whole line item to another account, as a partner hands stock to an end customer. The account gets a new entitlement with a new activation ID; this line item is closed.',
    offeredTo: mayTransferLineItems,
    schema: TransferLineItemInput,
    run: (ctx, actor, id, input) => transferLineItem(ctx, actor, id, input),
    Fields: ({ state, offer, subject }) => (
      <>
        <PickerField
          name="accountId"
          label="To account"
          choices={offer.accounts}
          state={state}
          required
          hint={targetHint(subject.actor)}
        />
        <SelectField
          name="activations"
          label="Its active activations"
          state={state}
          value="move"
          hint="Moved, the devices go to the new owner and keep their licences. Otherwise every activation must be returned first."
          options={[
            { value: 'move', label: 'Move them with it' },
            { value: 'require-returned', label: 'Refuse while any is active' },
          ]}
        />
        <TextField
          name="entitlementId"
          label="ID of the new entitlement"
          state={state}
          hint="Blank: generated."
          autocomplete="off"
        />
      </>
    ),
    changes: ({ lineItem, entitlement, names: current }, outcome, input, names) => {
      const next = outcome.newLineItem;
      return [
        {
          what: 'Owner',
          now: <AccountRef id={entitlement.soldTo} names={current} />,
          after: <AccountRef id={input.accountId} names={names} />,
        },
        { what: 'Activation ID', now: <Code>{lineItem.activationId}</Code>, after: `${newCode}; this one is closed` },
        {
          what: 'This line item',
          now: <StateBadge state={lineItem.state} />,
          after: <StateBadge state={outcome.lineItem.state} />,
        },
        { what: 'Quantity', now: lineItem.quantity, after: `${next?.quantity ?? 0} on the new line item` },
        {
          what: 'Active count',
          now: lineItem.activatedCount,
          after:
            input.activations === 'move'
              ? `${next?.activatedCount ?? 0}, moved with it`
              : `${next?.activatedCount ?? 0}`,
        },
        {
          what: 'Entitlement',
          now: <Code>{entitlement.id}</Code>,
          after: input.entitlementId ? <Code>{input.entitlementId}</Code> : 'a new one, its ID generated',
        },
        { what: 'Expires', now: expiry(lineItem.expirationDate), after: expiry(next?.expirationDate ?? null) },
      ];
    },
    mentions: (input) => ({ accounts: [input.accountId], products: [] }),
    done: (outcome, input, names) => {
      const owner = names.accounts.get(input.accountId)?.name ?? input.accountId;
      return `Transferred to ${owner}. The new activation ID is ${outcome.newLineItem?.activationId ?? ''}.`;
    },
  }),
  operation({
    name: 'split',
    title: 'Split',
    verb: 'Split',
    lead: 'Move part of the quantity that is not activated to a new line item, for the same owner or another account.',
    offeredTo: maySplitLineItems,
    schema: SplitLineItemInput,
    run: (ctx, actor, id, input) => splitLineItem(ctx, actor, id, input),
    Fields: ({ state, offer, subject }) => (
      <>
        <TextField
          name="quantity"
          label="Quantity to split off"
          type="number"
          min={1}
          state={state}
          required
          hint={`${free(subject.lineItem)} of ${subject.lineItem.quantity} are not activated; all of them may move.`}
        />
        <PickerField
          name="accountId"
          label="For account"
          choices={offer.accounts}
          state={state}
          blank="The same owner"
          hint={targetHint(subject.actor)}
        />
        <TextField
          name="entitlementId"
          label="ID of the new entitlement"
          state={state}
          hint="Only for another account (or to make a new entitlement): blank means generated."
          autocomplete="off"
        />
      </>
    ),
    changes: ({ lineItem, entitlement, names: current }, outcome, input, names) => {
      const next = outcome.newLineItem;
      const sameEntitlement = outcome.entitlementId === entitlement.id;
      return [
        { what: 'Quantity of this line item', now: lineItem.quantity, after: outcome.lineItem.quantity },
        { what: 'Not activated here', now: free(lineItem), after: free(outcome.lineItem) },
        { what: 'New line item', now: '—', after: `quantity ${next?.quantity ?? input.quantity}, ${newCode}` },
        {
          what: 'Its owner',
          now: <AccountRef id={entitlement.soldTo} names={current} />,
          after: <AccountRef id={input.accountId ?? entitlement.soldTo} names={input.accountId ? names : current} />,
        },
        {
          what: 'Its entitlement',
          now: <Code>{entitlement.id}</Code>,
          after: sameEntitlement ? (
            <Code>{entitlement.id}</Code>
          ) : input.entitlementId ? (
            <Code>{input.entitlementId}</Code>
          ) : (
            'a new one, its ID generated'
          ),
        },
      ];
    },
    mentions: (input) => ({ accounts: input.accountId ? [input.accountId] : [], products: [] }),
    done: (outcome) =>
      `Split ${outcome.newLineItem?.quantity ?? ''} off into ${outcome.newLineItem?.activationId ?? 'a new line item'}.`,
  }),
  operation({
    name: 'renew',
    title: 'Renew',
    verb: 'Renew',
    lead: 'A later expiration date on the same activation ID. Licences issued from now on carry it; a device gets it by activating again.',
    offeredTo: mayChangeLineItems,
    schema: RenewLineItemInput,
    run: async (ctx, actor, id, input) => ({ lineItem: await renewLineItem(ctx, actor, id, input.expirationDate) }),
    Fields: ({ state, subject }) => (
      <TextField
        name="expirationDate"
        label="New expiration date"
        type="date"
        state={state}
        required
        hint={`Now: ${expiry(subject.lineItem.expirationDate)}.`}
      />
    ),
    changes: ({ lineItem }, outcome) => [
      { what: 'Expires', now: expiry(lineItem.expirationDate), after: expiry(outcome.lineItem.expirationDate) },
    ],
    done: (outcome) => `Renewed: it now expires on ${expiry(outcome.lineItem.expirationDate)}.`,
  }),
  operation({
    name: 'upsell',
    title: 'Upsell',
    verb: 'Add quantity',
    lead: 'More quantity on the same activation ID: no device needs a new code.',
    offeredTo: mayChangeLineItems,
    schema: UpsellLineItemInput,
    run: async (ctx, actor, id, input) => ({ lineItem: await upsellLineItem(ctx, actor, id, input.quantity) }),
    Fields: ({ state, subject }) => (
      <TextField
        name="quantity"
        label="Quantity to add"
        type="number"
        min={1}
        state={state}
        required
        hint={`Now: ${subject.lineItem.quantity}.`}
      />
    ),
    changes: ({ lineItem }, outcome) => [
      { what: 'Quantity', now: lineItem.quantity, after: outcome.lineItem.quantity },
      { what: 'Not activated', now: free(lineItem), after: free(outcome.lineItem) },
    ],
    done: (outcome) => `Upsold: the quantity is ${outcome.lineItem.quantity} now.`,
  }),
  operation({
    name: 'upgrade',
    title: 'Upgrade',
    verb: 'Upgrade',
    lead: 'A newer version of the same product, or another product the catalogue allows (its “Upgrades from”). Devices activated before keep their product until they return it; new activations get the new one.',
    offeredTo: mayChangeLineItems,
    schema: UpgradeLineItemInput,
    run: async (ctx, actor, id, input) => ({ lineItem: await upgradeLineItem(ctx, actor, id, input.productId) }),
    Fields: ({ state, offer, subject }) =>
      offer.products.length === 0 ? (
        <p class="notice notice-warn">
          The catalogue has no newer version of {productName(subject.lineItem.productId, subject.names)}, and no product
          upgrades from it. <a href="/portal/catalog">Add one</a> first, or tick it under “Upgrades from” of another
          product.
        </p>
      ) : (
        <SelectField
          name="productId"
          label="Upgrade to"
          options={offer.products}
          state={state}
          blank="Choose a product…"
          required
        />
      ),
    changes: ({ lineItem, names: current }, outcome, _input, names) => [
      {
        what: 'Product',
        now: productName(lineItem.productId, current),
        after: productName(outcome.lineItem.productId, names),
      },
    ],
    mentions: (input) => ({ accounts: [], products: [input.productId] }),
    done: (outcome, _input, names) => `Upgraded to ${productName(outcome.lineItem.productId, names)}.`,
  }),
];

function targetHint(actor: Actor): string {
  return targetAccountFilter(actor).parentAccountId === undefined ? 'Any account.' : 'One of your customers.';
}

/** Operations this person is offered; the service still decides each one. */
export function offeredOperations(actor: Actor, lineItem: LineItem): Operation[] {
  if (!allowsLifecycle(lineItem.state)) return [];
  return operations.filter((op) => op.offeredTo(actor));
}
