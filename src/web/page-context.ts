import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { PortalSession } from '../services/users/sessions.ts';

export interface Flash {
  kind: 'success' | 'error';
  text: string;
}

/** What every component of a page may need about the request it answers. */
export interface PageInfo {
  /** The signed-in person, if any. */
  session: PortalSession | undefined;
  /** The name of the signed-in person's account, shown in the header. */
  accountName: string | undefined;
  /** The CSRF token every form sends back. */
  csrfToken: string;
  /** The path of this page, to mark the current navigation entry. */
  path: string;
  flash: Flash | undefined;
  /** Cache-busting URLs of the portal's own assets. */
  assets: { css: string; js: string; icon: string; htmx: string; chart: string };
  /** How many times each element id has been handed out on this page (`uniqueId`). */
  ids: Map<string, number>;
}

export const PageContext = createContext<PageInfo | undefined>(undefined);

export function usePage(): PageInfo {
  const page = useContext(PageContext);
  if (!page) throw new Error('a portal component was rendered outside a page');
  return page;
}

/**
 * `base`, or `base-2`, `base-3`… when this page already has it: two forms on one page may have a
 * field of the same name, and a label must point at its own field. The first keeps the plain id.
 */
export function useUniqueId(base: string): string {
  const { ids } = usePage();
  const n = (ids.get(base) ?? 0) + 1;
  ids.set(base, n);
  return n === 1 ? base : `${base}-${n}`;
}
