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
}

export const PageContext = createContext<PageInfo | undefined>(undefined);

export function usePage(): PageInfo {
  const page = useContext(PageContext);
  if (!page) throw new Error('a portal component was rendered outside a page');
  return page;
}
