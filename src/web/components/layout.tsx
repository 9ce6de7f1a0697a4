import type { ComponentChildren } from 'preact';
import type { Actor, Role } from '../../domain/actors.ts';
import { mayManageApiKeys } from '../../services/api-keys/read-api-keys.ts';
import { portalView } from '../../services/portal-view.ts';
import { usePage } from '../page-context.ts';

interface NavEntry {
  href: string;
  label: string;
}

/** What each person finds in the menu of its portal; the services decide what each page then shows it. */
export function navigationFor(actor: Actor): NavEntry[] {
  switch (portalView(actor)) {
    case 'producer':
      return [
        { href: '/portal', label: 'Home' },
        { href: '/portal/catalog', label: 'Catalogue' },
        { href: '/portal/accounts', label: 'Accounts' },
        { href: '/portal/entitlements', label: 'Entitlements' },
        { href: '/portal/activations', label: 'Activations' },
        { href: '/portal/devices', label: 'Devices' },
        { href: '/portal/reports', label: 'Reports' },
        { href: '/portal/events', label: 'Audit log' },
        { href: '/portal/outbox', label: 'Outbox' },
        { href: '/portal/users', label: 'Users' },
        { href: '/portal/webhooks', label: 'Webhooks' },
        ...(mayManageApiKeys(actor) ? [{ href: '/portal/api-keys', label: 'API keys' }] : []),
      ];
    case 'partner':
      return [
        { href: '/portal', label: 'Home' },
        { href: '/portal/stock', label: 'Stock' },
        { href: '/portal/register', label: 'Register a key' },
        { href: '/portal/entitlements', label: 'Entitlements' },
        { href: '/portal/accounts', label: 'Customers' },
        { href: '/portal/activations', label: 'Activations' },
        { href: '/portal/reports', label: 'Billing' },
        { href: '/portal/outbox', label: 'Outbox' },
        { href: '/portal/users', label: 'Users' },
        { href: '/portal/webhooks', label: 'Webhooks' },
      ];
    case 'customer':
      return [
        { href: '/portal', label: 'Home' },
        { href: '/portal/entitlements', label: 'Entitlements' },
        { href: '/portal/activations', label: 'Devices and licences' },
      ];
    case 'end-customer':
      return [{ href: '/portal', label: 'Home' }];
  }
}

const roleLabels: Record<Role, string> = {
  admin: 'Producer admin',
  operator: 'Producer',
  partner: 'Partner',
  customer: 'Customer',
};

function isCurrent(path: string, href: string): boolean {
  return href === '/portal' ? path === '/portal' : path === href || path.startsWith(`${href}/`);
}

export interface LayoutProps {
  title: string;
  /** Buttons or links beside the title. */
  actions?: ComponentChildren;
  /** A line under the title. */
  lead?: ComponentChildren;
  /** The page draws charts (loads Chart.js). */
  charts?: boolean;
  children: ComponentChildren;
}

/** Every page: header, menu for the role, the flash message, the title, the content. */
export function Layout({ title, actions, lead, charts, children }: LayoutProps) {
  const page = usePage();
  const session = page.session;
  const nav = session ? navigationFor(session.actor) : [];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Licentia`}</title>
        <meta
          name="htmx-config"
          content='{"includeIndicatorStyles":false,"allowEval":false,"selfRequestsOnly":true,"historyCacheSize":0}'
        />
        <link rel="icon" href={page.assets.icon} type="image/svg+xml" />
        <link rel="stylesheet" href={page.assets.css} />
        <script src={page.assets.htmx} defer></script>
        {charts && <script src={page.assets.chart} defer></script>}
        <script src={page.assets.js} defer></script>
      </head>
      <body hx-headers={JSON.stringify({ 'x-csrf-token': page.csrfToken })}>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <a class="brand" href={session ? '/portal' : '/'}>
            <span class="brand-mark" aria-hidden="true">
              L
            </span>
            Licentia
          </a>
          {session && (
            <div class="whoami">
              <span class="whoami-name">
                {session.user.name}
                <span class="whoami-role">
                  {roleLabels[session.user.role]}
                  {page.accountName ? ` · ${page.accountName}` : ''}
                </span>
              </span>
              <a href="/portal/profile" class="button button-quiet">
                Profile
              </a>
              <form method="post" action="/sign-out" class="inline-form">
                <input type="hidden" name="_csrf" value={page.csrfToken} />
                <button type="submit" class="button button-quiet">
                  Sign out
                </button>
              </form>
            </div>
          )}
        </header>
        <div class={nav.length > 0 ? 'shell' : 'shell shell-plain'}>
          {nav.length > 0 && (
            <nav class="sidenav" aria-label="Main">
              <ul>
                {nav.map((entry) => (
                  <li>
                    <a href={entry.href} aria-current={isCurrent(page.path, entry.href) ? 'page' : undefined}>
                      {entry.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <main id="main" tabIndex={-1}>
            {page.flash && (
              <div class={`flash flash-${page.flash.kind}`} role={page.flash.kind === 'error' ? 'alert' : 'status'}>
                {page.flash.text}
              </div>
            )}
            <div class="page-head">
              <div>
                <h1>{title}</h1>
                {lead && <p class="lead">{lead}</p>}
              </div>
              {actions && <div class="page-actions">{actions}</div>}
            </div>
            {children}
          </main>
        </div>
      </body>
    </html>
  );
}

export function Section({
  title,
  actions,
  children,
  id,
}: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  id?: string;
}) {
  return (
    <section class="section" id={id} aria-labelledby={id ? `${id}-title` : undefined}>
      <div class="section-head">
        <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
        {actions && <div class="section-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

/** Facts about one thing, as a definition list. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([label, value]) => (
        <div class="fact">
          <dt>{label}</dt>
          <dd>{value === null || value === undefined || value === '' ? <span class="muted">—</span> : value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What an empty list says: that it is empty, and what to do about it. */
export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children && <div class="empty-body">{children}</div>}
    </div>
  );
}

export function Badge({
  tone,
  children,
}: {
  tone: 'neutral' | 'good' | 'warn' | 'bad' | 'info';
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

const stateTones: Record<string, 'neutral' | 'good' | 'warn' | 'bad' | 'info'> = {
  draft: 'neutral',
  test: 'info',
  deployed: 'good',
  inactive: 'warn',
  obsolete: 'bad',
  active: 'good',
  returned: 'neutral',
  revoked: 'bad',
  queued: 'info',
  sent: 'good',
  failed: 'bad',
  unredeemed: 'info',
  redeemed: 'good',
  void: 'bad',
};

export function StateBadge({ state }: { state: string }) {
  return <Badge tone={stateTones[state] ?? 'neutral'}>{state}</Badge>;
}

/** A button that copies `text` (portal.js); without scripts, the text is there to select. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  return (
    <button
      type="button"
      class="button button-small button-quiet copy"
      data-copy={text}
      aria-label={`${label} ${text}`}
    >
      {label}
    </button>
  );
}

export function Code({ children }: { children: ComponentChildren }) {
  return <code class="code">{children}</code>;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return iso.length <= 10 ? iso : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * A date and time for a table cell: the time may go under the date, so that a table of several
 * dates still fits a desk-sized window; neither part is broken itself.
 */
export function DateCell({ iso, empty = '—' }: { iso: string | null | undefined; empty?: string }) {
  if (!iso) return <>{empty}</>;
  if (iso.length <= 10) return <time datetime={iso}>{iso}</time>;
  return (
    <time datetime={iso} class="date-cell">
      <span class="nowrap">{iso.slice(0, 10)}</span> <span class="nowrap">{`${iso.slice(11, 16)} UTC`}</span>
    </time>
  );
}
