import type { JSX } from 'preact';
import { listActivations, listDevices } from '../../services/activations/read-activations.ts';
import { type StockKeyCounts, stockKeyCounts } from '../../services/bulk/stock-key-counts.ts';
import type { ServiceContext } from '../../services/context.ts';
import { listEntitlements } from '../../services/entitlements/read-entitlements.ts';
import { activationReport } from '../../services/reports/activation-report.ts';
import { portalView } from '../../services/portal-view.ts';
import type { PortalSession } from '../../services/users/sessions.ts';
import { ActivationTable } from '../components/activation-table.tsx';
import { Chart, type ChartConfig } from '../components/chart.tsx';
import { Code, Layout, Section, StateBadge } from '../components/layout.tsx';
import { DataTable } from '../components/table.tsx';
import { eventsWithActors } from '../lookups.ts';
import { signInActions } from '../../domain/events.ts';
import { FirstRunChecklist, firstRunSteps } from '../components/first-run.tsx';
import { namesForActivations } from './activations.tsx';
import { DeviceTable } from './devices.tsx';
import { EventTable } from './events.tsx';
import { groupName, reportChart } from './report-chart.ts';

const RECENT = 8;

function Stat({ value, label, href }: { value: number; label: string; href?: string }) {
  const body = (
    <div class="stat">
      <span class="stat-value">{value.toLocaleString('en')}</span>
      <span class="stat-label">{label}</span>
    </div>
  );
  return href ? (
    <a class="card card-link" href={href}>
      {body}
    </a>
  ) : (
    <div class="card">{body}</div>
  );
}

function QuickLinks({ links }: { links: { href: string; label: string; hint: string }[] }) {
  return (
    <Section title="Quick links">
      <ul class="quick-links">
        {links.map((l) => (
          <li>
            <a href={l.href}>{l.label}</a>
            <span class="muted"> · {l.hint}</span>
          </li>
        ))}
      </ul>
    </Section>
  );
}

function keysChart(stock: StockKeyCounts): ChartConfig {
  return {
    type: 'doughnut',
    data: {
      labels: ['Redeemed', 'In stock', 'Not on sale yet', 'Void'],
      datasets: [
        {
          label: 'Web register keys',
          data: [stock.redeemed, stock.inStock, stock.notOnSale, stock.void],
          backgroundColor: ['#009e73', '#2453b8', '#56b4e9', '#c3cad5'],
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: 'bottom' } },
    },
  };
}

function KeyStats({ stock, stockHref }: { stock: StockKeyCounts; stockHref?: string }) {
  return (
    <div class="cards dashboard-cards">
      <Stat value={stock.inStock} label="Keys in stock (deployed, unredeemed)" href={stockHref} />
      <Stat value={stock.redeemed} label="Keys redeemed" />
      <Stat value={stock.notOnSale} label="Keys not on sale yet (draft, test or suspended)" />
      <Stat value={stock.void} label="Keys void" />
    </div>
  );
}

/** The first days of this month and the last, as the report labels and takes them. */
function monthsAround(now: Date): { thisMonth: string; lastMonth: string; from: string } {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString();
  return { thisMonth: now.toISOString().slice(0, 7), lastMonth: first.slice(0, 7), from: first.slice(0, 10) };
}

async function producerHome(ctx: ServiceContext, session: PortalSession): Promise<JSX.Element> {
  const actor = session.actor;
  const [report, stock, recent, steps] = await Promise.all([
    activationReport(ctx, actor, { groupBy: 'partner', period: 'month' }),
    stockKeyCounts(ctx, actor),
    eventsWithActors(ctx, actor, { exceptActions: signInActions }, { limit: RECENT }),
    firstRunSteps(ctx, actor),
  ]);
  const thisMonth = report.items
    .filter((r) => r.period === monthsAround(ctx.now()).thisMonth)
    .reduce((n, r) => n + r.net, 0);
  return (
    <Layout title={`Welcome, ${session.user.name}`} lead="Your licensing business at a glance." charts>
      <FirstRunChecklist steps={steps} />
      <div class="cards dashboard-cards">
        <Stat value={thisMonth} label="Net billable activations this month" href="/portal/reports" />
        <Stat value={stock.inStock} label="Web register keys in stock" href="/portal/entitlements?kind=bulk" />
        <Stat value={stock.redeemed} label="Web register keys redeemed" />
        <Stat value={stock.bulkEntitlements} label="Bulk entitlements" href="/portal/entitlements?kind=bulk" />
      </div>
      <div class="grid-2 dashboard-grid">
        <Section title="Activations per month per partner" actions={<a href="/portal/reports">Billing report</a>}>
          {report.items.length === 0 ? (
            <p class="muted">
              No billable activation in the last 12 months yet. Deployed entitlements count here as soon as a device
              activates.
            </p>
          ) : (
            <>
              <Chart
                config={reportChart(report, `Net activations, ${report.from} to ${report.to}`)}
                label="Chart of net activations per month per partner over the last 12 months."
              />
              <details class="figures">
                <summary>The figures</summary>
                <DataTable
                  caption="Activations per month per partner"
                  rows={report.items}
                  empty={{ title: 'None' }}
                  columns={[
                    { label: 'Partner', cell: (r) => groupName(r) },
                    { label: 'Month', cell: (r) => r.period },
                    { label: 'Net', numeric: true, cell: (r) => r.net },
                  ]}
                />
              </details>
            </>
          )}
        </Section>
        <Section title="Web register keys">
          {stock.total === 0 ? (
            <p class="muted">
              No web register keys yet. Create a bulk entitlement for a partner, then upload or generate its keys.
            </p>
          ) : (
            <>
              <Chart
                config={keysChart(stock)}
                label={`Chart of web register keys: ${stock.redeemed} redeemed, ${stock.inStock} in stock, ${stock.notOnSale} not on sale yet, ${stock.void} void.`}
              />
              <p class="muted chart-caption">
                {stock.redeemed.toLocaleString('en')} redeemed · {stock.inStock.toLocaleString('en')} in stock ·{' '}
                {stock.notOnSale.toLocaleString('en')} not on sale yet · {stock.void.toLocaleString('en')} void, across{' '}
                {stock.bulkEntitlements} bulk entitlements.
              </p>
            </>
          )}
        </Section>
      </div>
      <Section title="Recent changes" actions={<a href="/portal/events">Audit log</a>}>
        <EventTable events={recent.events.items} actors={recent.actors} subjects={recent.subjects} compact />
      </Section>
      <QuickLinks
        links={[
          { href: '/portal/entitlements/new', label: 'New entitlement', hint: 'products for one customer' },
          { href: '/portal/entitlements/new?kind=bulk', label: 'New bulk entitlement', hint: 'stock for a partner' },
          {
            href: '/portal/entitlements?kind=bulk',
            label: 'Upload keys',
            hint: 'open a bulk entitlement and load its key file',
          },
          { href: '/portal/reports', label: 'Reports', hint: 'partner billing and statements' },
        ]}
      />
    </Layout>
  );
}

async function partnerHome(ctx: ServiceContext, session: PortalSession): Promise<JSX.Element> {
  const actor = session.actor;
  const months = monthsAround(ctx.now());
  const [report, stock, recent] = await Promise.all([
    activationReport(ctx, actor, { groupBy: 'partner', period: 'month', from: months.from }),
    stockKeyCounts(ctx, actor),
    listActivations(ctx, actor, { newestFirst: true }, { limit: RECENT }),
  ]);
  const net = (month: string) => report.items.filter((r) => r.period === month).reduce((n, r) => n + r.net, 0);
  const names = await namesForActivations(ctx, actor, recent.items, true);
  return (
    <Layout
      title={`Welcome, ${session.user.name}`}
      lead="Your stock, your customers' activations and what you will be billed."
    >
      <KeyStats stock={stock} stockHref="/portal/stock" />
      <div class="cards dashboard-cards">
        <Stat
          value={net(months.thisMonth)}
          label={`Net billable activations this month (${months.thisMonth})`}
          href="/portal/reports"
        />
        <Stat
          value={net(months.lastMonth)}
          label={`Net billable activations last month (${months.lastMonth})`}
          href={`/portal/reports?period=month&from=${months.from}`}
        />
      </div>
      <Section title="Recent activations of your customers" actions={<a href="/portal/activations">All activations</a>}>
        <ActivationTable
          activations={recent.items}
          names={names}
          showAccount
          caption="Recent activations"
          empty={{
            title: 'None of your customers has activated yet.',
            body: <p>Register a key for a customer, or hand out an activation code; its activations show here.</p>,
          }}
        />
      </Section>
      <QuickLinks
        links={[
          { href: '/portal/register', label: 'Register a key', hint: 'for an end customer, by name only' },
          { href: '/portal/stock', label: 'Stock', hint: 'your bulk entitlements and their keys' },
          { href: '/portal/reports', label: 'Billing', hint: 'your report and statements' },
        ]}
      />
    </Layout>
  );
}

async function customerHome(ctx: ServiceContext, session: PortalSession): Promise<JSX.Element> {
  const actor = session.actor;
  const [entitlements, devices] = await Promise.all([
    listEntitlements(ctx, actor, {}, { limit: 5 }),
    listDevices(ctx, actor, {}, { limit: 5 }),
  ]);
  return (
    <Layout title={`Welcome, ${session.user.name}`} lead="What you are entitled to, and the devices that use it.">
      <Section title="Your entitlements" actions={<a href="/portal/entitlements">All entitlements</a>}>
        <DataTable
          caption="Your entitlements"
          rows={entitlements.items}
          empty={{
            title: 'You have no entitlement yet.',
            body: <p>Your vendor or reseller adds them when you buy; ask them if one is missing.</p>,
          }}
          columns={[
            {
              label: 'Entitlement',
              cell: (e) => <a href={`/portal/entitlements/${encodeURIComponent(e.id)}`}>{e.id}</a>,
            },
            { label: 'State', cell: (e) => <StateBadge state={e.state} /> },
            { label: 'Activation codes', cell: (e) => e.lineItems.map((li) => <Code>{li.activationId}</Code>) },
            {
              label: 'In use',
              numeric: true,
              cell: (e) =>
                `${e.lineItems.reduce((n, li) => n + li.activatedCount, 0)} of ${e.lineItems.reduce((n, li) => n + li.quantity, 0)}`,
            },
          ]}
        />
      </Section>
      <Section title="Your devices" actions={<a href="/portal/activations">Devices and licences</a>}>
        <DeviceTable devices={devices.items} accounts={new Map()} showAccount={false} />
      </Section>
    </Layout>
  );
}

async function anonymousHome(ctx: ServiceContext, session: PortalSession): Promise<JSX.Element> {
  const actor = session.actor;
  const [activations, devices] = await Promise.all([
    listActivations(ctx, actor, { newestFirst: true, state: 'active' }, { limit: 20 }),
    listDevices(ctx, actor, {}, { limit: 20 }),
  ]);
  const names = await namesForActivations(ctx, actor, activations.items, false);
  return (
    <Layout
      title={`Welcome, ${session.user.name}`}
      lead="Your devices and their licences. Open one to download its licence file again, or to return it and free it for another device."
    >
      <Section
        title="Your licences"
        actions={activations.nextCursor ? <a href="/portal/activations">All of them</a> : undefined}
      >
        <ActivationTable
          activations={activations.items}
          names={names}
          showAccount={false}
          caption="Your licences"
          empty={{
            title: 'No device holds a licence of yours now.',
            body: (
              <p>
                Activate a device with your activation code at <a href="/activate">/activate</a>.
              </p>
            ),
          }}
        />
      </Section>
      <Section title="Your devices">
        <DeviceTable devices={devices.items} accounts={new Map()} showAccount={false} />
      </Section>
    </Layout>
  );
}

/** The home page of each kind of person: the producer's staff, a partner, a customer, an anonymous end customer. */
export function dashboardFor(ctx: ServiceContext, session: PortalSession): Promise<JSX.Element> {
  switch (portalView(session.actor)) {
    case 'producer':
      return producerHome(ctx, session);
    case 'partner':
      return partnerHome(ctx, session);
    case 'customer':
      return customerHome(ctx, session);
    case 'end-customer':
      return anonymousHome(ctx, session);
  }
}
