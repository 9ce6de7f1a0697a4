import type { TestServer } from './server.ts';
import { account } from './fixtures.ts';
import { PortalClient } from './portal-client.ts';
import { portalUser } from './browser.ts';

/**
 * A signed-in anonymous end customer of `partnerId`. No service makes a portal user for an
 * anonymous account (they keep no personal data), yet the portal must scope such a session if one
 * exists; so the account is made named, given its user, and only then marked anonymous in the
 * database, which is all that the session's scope is read from.
 */
export async function anonymousCustomer(
  server: TestServer,
  partnerId: string,
  name = 'Walk-in customer',
): Promise<{ client: PortalClient; accountId: string }> {
  const customer = await account(server.api, { name, parentAccountId: partnerId });
  const user = await portalUser(server.api, 'customer', customer.id);
  await server.running.ctx.store.db
    .updateTable('accounts')
    .set({ anonymous: 1 })
    .where('id', '=', customer.id)
    .execute();
  const client = new PortalClient(server.url);
  await client.signIn(user.email);
  return { client, accountId: customer.id };
}
