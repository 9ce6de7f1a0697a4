import { type LookupAddress, lookup } from 'node:dns';
import { lookup as lookupAsync } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { isPublicAddress, urlProblem } from '../../domain/webhooks.ts';

/**
 * Whether a webhook URL may be used, asked at creation: its form (`urlProblem`), and every address
 * its name resolves to. Delivery asks again, through `safeLookup`, because DNS can change.
 */
export async function targetProblem(raw: string, allowPrivate: boolean): Promise<string | undefined> {
  const problem = urlProblem(raw, allowPrivate);
  if (problem || allowPrivate) return problem;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  try {
    const addresses = await lookupAsync(host, { all: true, verbatim: true });
    if (addresses.length === 0) return 'does not resolve';
    if (addresses.some((a) => !isPublicAddress(a.address)))
      return 'resolves to a loopback, private, link-local or metadata address';
    return undefined;
  } catch {
    return 'does not resolve';
  }
}

/**
 * The DNS lookup of a delivery: the connection goes to the address checked here, so a name that
 * resolves to a private address at delivery time (DNS rebinding) is refused, not followed.
 */
export function safeLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const allowed = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      if (allowed.length === 0) {
        const refused = Object.assign(new Error(`${hostname} resolves to an address webhooks may not reach`), {
          code: 'UNSAFE_TARGET',
        });
        return callback(refused, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const first = allowed[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
