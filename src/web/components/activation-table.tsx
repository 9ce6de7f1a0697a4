import type { ComponentChildren } from 'preact';
import type { Activation } from '../../domain/activations.ts';
import { Badge, Code, DateCell, StateBadge, formatDate } from './layout.tsx';
import { type Column, DataTable } from './table.tsx';

export interface ActivationNames {
  products: Map<string, string>;
  accounts: Map<string, string>;
}

export function deviceLabel(activation: Pick<Activation, 'deviceName' | 'fingerprint'>): string {
  return activation.deviceName ?? activation.fingerprint;
}

export function ActivationState({ activation }: { activation: Pick<Activation, 'state' | 'test'> }) {
  return (
    <span class="badges">
      <StateBadge state={activation.state} />
      {activation.test && <Badge tone="info">test</Badge>}
    </span>
  );
}

/** Activations as a table: each row leads to the activation, where it can be returned or downloaded. */
export function ActivationTable({
  activations,
  names,
  showAccount,
  showDevice = true,
  empty,
  caption = 'Activations',
}: {
  activations: Activation[];
  names: ActivationNames;
  showAccount: boolean;
  showDevice?: boolean;
  empty: { title: string; body?: ComponentChildren };
  caption?: string;
}) {
  const columns: Column<Activation>[] = [
    {
      label: showDevice ? 'Device' : 'Activation',
      cell: (a) => (
        <a href={`/portal/activations/${a.id}`} class="cell-main">
          {showDevice ? deviceLabel(a) : formatDate(a.issuedAt)}
          {showDevice && a.deviceName && <span class="cell-sub mono">{a.fingerprint}</span>}
        </a>
      ),
    },
    {
      label: 'Activation code',
      cell: (a) => (
        <span class="nowrap">
          <Code>{a.activationId}</Code>
        </span>
      ),
    },
    { label: 'Product', cell: (a) => names.products.get(a.productId) ?? <Code>{a.productId}</Code> },
    ...(showAccount
      ? [
          {
            label: 'Account',
            cell: (a: Activation) => (
              <a href={`/portal/activations?account=${encodeURIComponent(a.accountId)}`}>
                {names.accounts.get(a.accountId) ?? a.accountId}
              </a>
            ),
          },
        ]
      : []),
    { label: 'State', cell: (a) => <ActivationState activation={a} /> },
    ...(showDevice ? [{ label: 'Activated', cell: (a: Activation) => <DateCell iso={a.issuedAt} /> }] : []),
    { label: 'Licence expires', cell: (a) => <DateCell iso={a.expiresAt} empty="Never" /> },
    { label: 'Count', numeric: true, cell: (a) => a.count },
  ];
  return <DataTable caption={caption} rows={activations} columns={columns} empty={empty} />;
}
