import type { ActivationAnswerBody } from '../../src/http/schemas/activations.ts';
import { activatable } from './activation-fixtures.ts';
import { account, created, partner } from './fixtures.ts';
import type { TestServer } from './server.ts';

/**
 * A quarter of billing history, made with the server's clock set to each date: partners Alpha
 * Distribution (p1, selling to an anonymous end customer) and Beta Resellers (p2). October: three
 * of p1's activations, one of p2's, one test activation (and with `direct`, one sold with no
 * partner); November: two more of p1's, and one October activation returned; December 31: another
 * October one revoked.
 */
export async function billingHistory({ api, running }: TestServer, options: { direct?: boolean } = {}) {
  const ctx = running.ctx as { now: () => Date };
  const realNow = ctx.now;
  const at = (iso: string) => {
    ctx.now = () => new Date(iso);
  };
  try {
    const p1 = await partner(api, { name: 'Alpha Distribution' });
    const p2 = await partner(api, { name: 'Beta Resellers' });
    const customer = await account(api, { parentAccountId: p1.id, anonymous: true, name: 'Secret End Customer' });
    const sold = (tier1: string, soldTo: string, state?: 'test') =>
      activatable(api, {
        soldTo,
        state,
        quantity: 20,
        fields: { channelPartners: [{ accountId: tier1, tier: 'tier1' }] },
      });
    const a1 = await sold(p1.id, customer.id);
    const a2 = await sold(p2.id, p2.id);
    const t1 = await sold(p1.id, customer.id, 'test');
    const direct = options.direct ? await activatable(api) : undefined;
    const device = api.as(null);
    const activate = async (code: string, fp: string) =>
      (await device.post<ActivationAnswerBody>('/activations', { code, fingerprint: fp })).body;

    at('2026-10-15T10:00:00.000Z');
    const october = [await activate(a1.code, 'o1'), await activate(a1.code, 'o2'), await activate(a1.code, 'o3')];
    await activate(a2.code, 'b1');
    await activate(t1.code, 'test-1');
    if (direct) await activate(direct.code, 'd1');
    at('2026-11-10T10:00:00.000Z');
    await activate(a1.code, 'n1');
    await activate(a1.code, 'n2');
    await created(
      device.post(`/activations/${october[0]!.activation.id}/return`, { token: october[0]!.license.token }),
      200,
    );
    at('2026-12-31T23:59:59.000Z');
    await created(api.post(`/activations/${october[1]!.activation.id}/revoke`), 200);
    return { p1, p2, customer, a1 };
  } finally {
    ctx.now = realNow;
  }
}
