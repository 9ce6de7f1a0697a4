import { Type } from 'typebox';
import type { Device } from '../../domain/activations.ts';
import type { Page } from '../../domain/paging.ts';
import { ResourceId } from '../../interface/schemas/common.ts';
import { getDevice, listActivations, listDevices } from '../../services/activations/read-activations.ts';
import { ActivationTable } from '../components/activation-table.tsx';
import { TextField } from '../components/form.tsx';
import { Code, Facts, Layout, Section, formatDate } from '../components/layout.tsx';
import { DataTable, FilterBar, Pager } from '../components/table.tsx';
import { accountNames } from '../lookups.ts';
import { accountChoices } from '../choices.ts';
import { type Choices, PickerField } from '../components/pickers.tsx';
import { signedIn } from '../session.ts';
import { type Web, parseQuery } from '../web.ts';
import { seesOtherAccounts } from '../../services/portal-view.ts';
import { namesForActivations } from './activations.tsx';

const DeviceListQuery = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 256 })),
  account: Type.Optional(ResourceId),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

const DeviceQuery = Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 400 })) });

const PAGE_SIZE = 50;

export function DeviceTable({
  devices,
  accounts,
  showAccount,
}: {
  devices: Device[];
  accounts: Map<string, string>;
  showAccount: boolean;
}) {
  return (
    <DataTable
      caption="Devices"
      rows={devices}
      empty={{
        title: 'No device matches.',
        body: <p>A device appears here once it has activated a licence. Clear the search to see them all.</p>,
      }}
      columns={[
        {
          label: 'Device',
          cell: (d) => (
            <a href={`/portal/devices/${d.id}`} class="cell-main">
              {d.name ?? d.fingerprint}
              {d.name && <span class="cell-sub mono">{d.fingerprint}</span>}
            </a>
          ),
        },
        ...(showAccount ? [{ label: 'Account', cell: (d: Device) => accounts.get(d.accountId) ?? d.accountId }] : []),
        { label: 'Active licences', numeric: true, cell: (d) => d.activeActivations },
        { label: 'Last seen', cell: (d) => <span class="nowrap">{formatDate(d.lastSeenAt)}</span> },
        { label: 'First seen', cell: (d) => <span class="nowrap">{formatDate(d.createdAt)}</span> },
      ]}
    />
  );
}

function DevicesPage({
  devices,
  accounts,
  query,
  showAccount,
  accountPicker,
}: {
  devices: Page<Device>;
  accounts: Map<string, string>;
  query: Record<string, string | undefined>;
  showAccount: boolean;
  /** The accounts to filter by, for a reader who sees several. */
  accountPicker: Choices | undefined;
}) {
  return (
    <Layout
      title="Devices"
      lead="The machines that hold licences. A device belongs to the account whose licence it activated."
      actions={
        <a class="button" href="/portal/activations">
          Activations
        </a>
      }
    >
      <Section title="Find devices">
        <FilterBar action="/portal/devices">
          <TextField
            name="search"
            label="Name or fingerprint"
            value={query.search}
            type="search"
            placeholder="Part of a name, or a fingerprint"
          />
          {accountPicker && (
            <PickerField
              name="account"
              label="Account"
              choices={accountPicker}
              blank="Any account"
              value={query.account}
            />
          )}
        </FilterBar>
        <DeviceTable devices={devices.items} accounts={accounts} showAccount={showAccount} />
        <Pager path="/portal/devices" query={query} nextCursor={devices.nextCursor} cursor={query.cursor} />
      </Section>
    </Layout>
  );
}

export async function devicePages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  app.get('/devices', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(DeviceListQuery, request);
    const devices = await listDevices(
      ctx,
      actor,
      { search: query.search, account: query.account },
      { cursor: query.cursor, limit: PAGE_SIZE },
    );
    const showAccount = seesOtherAccounts(actor);
    const accounts = showAccount
      ? await accountNames(
          ctx,
          actor,
          devices.items.map((d) => d.accountId),
        )
      : new Map<string, string>();
    return render.page(
      request,
      reply,
      <DevicesPage
        devices={devices}
        accounts={accounts}
        query={query}
        showAccount={showAccount}
        accountPicker={showAccount ? await accountChoices(ctx, actor) : undefined}
      />,
    );
  });

  app.get('/devices/:id', async (request, reply) => {
    const { actor } = signedIn(request);
    const { id } = request.params as { id: string };
    const query = parseQuery(DeviceQuery, request);
    const device = await getDevice(ctx, actor, id);
    const activations = await listActivations(
      ctx,
      actor,
      { deviceId: device.id, newestFirst: true },
      { cursor: query.cursor, limit: PAGE_SIZE },
    );
    const [names, accounts] = await Promise.all([
      namesForActivations(ctx, actor, activations.items, false),
      accountNames(ctx, actor, [device.accountId]),
    ]);
    return render.page(
      request,
      reply,
      <Layout
        title={device.name ?? device.fingerprint}
        lead="A device and every licence it has held."
        actions={
          <a class="button" href="/portal/devices">
            All devices
          </a>
        }
      >
        <Section title="Device">
          <Facts
            items={[
              ['Name', device.name],
              ['Fingerprint', <Code>{device.fingerprint}</Code>],
              [
                'Account',
                seesOtherAccounts(actor) ? (
                  <a href={`/portal/activations?account=${encodeURIComponent(device.accountId)}`}>
                    {accounts.get(device.accountId) ?? device.accountId}
                  </a>
                ) : (
                  accounts.get(device.accountId)
                ),
              ],
              ['Active licences', device.activeActivations],
              ['First seen', formatDate(device.createdAt)],
              ['Last seen', formatDate(device.lastSeenAt)],
            ]}
          />
        </Section>
        <Section title="Activations on this device">
          <ActivationTable
            activations={activations.items}
            names={names}
            showAccount={false}
            showDevice={false}
            caption="Activations on this device"
            empty={{ title: 'This device holds no activation.' }}
          />
          <Pager
            path={`/portal/devices/${device.id}`}
            query={{}}
            nextCursor={activations.nextCursor}
            cursor={query.cursor}
          />
        </Section>
      </Layout>,
    );
  });
}
