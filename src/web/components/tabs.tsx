import { usePage } from '../page-context.ts';

export interface Tab {
  href: string;
  label: string;
}

/** Pages of one area, side by side as tabs; each is a link, so each has its own address and works without scripts. */
export function Tabs({ tabs, label }: { tabs: Tab[]; label: string }) {
  const { path } = usePage();
  // The longest matching address wins, so a product's page marks the Products tab.
  const current = tabs
    .filter((tab) => path === tab.href || path.startsWith(`${tab.href}/`))
    .sort((a, b) => b.href.length - a.href.length)[0];
  return (
    <nav class="tabs" aria-label={label}>
      <ul>
        {tabs.map((tab) => (
          <li>
            <a href={tab.href} aria-current={tab === current ? 'page' : undefined}>
              {tab.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
