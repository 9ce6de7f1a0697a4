import { BlockList, isIP } from 'node:net';
import { type LookupAddress, lookup } from 'node:dns';
import { lookup as lookupAsync } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';

// --- Safe targets ---

/**
 * Addresses a webhook must not reach unless the producer allows it: loopback, private, carrier
 * NAT, link-local (where cloud metadata services live), multicast, reserved and unspecified.
 */
const forbidden = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is one a webhook may be sent to by default. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !forbidden.check(address, 'ipv4');
  if (family !== 6) return false;
  const lower = address.toLowerCase();
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1, or ::ffff:7f00:1) is judged as IPv4.
  const mapped = /^::ffff:(?:0:)?(.+)$/.exec(lower)?.[1];
  if (mapped !== undefined) {
    if (isIP(mapped) === 4) return isPublicAddress(mapped);
    const parts = mapped.split(':');
    if (parts.length === 2) {
      const high = Number.parseInt(parts[0] ?? '', 16);
      const low = Number.parseInt(parts[1] ?? '', 16);
      return isPublicAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
    }
    return false;
  }
  return !forbidden.check(lower, 'ipv6');
}

/**
 * What is wrong with a webhook URL on its face (before its name is resolved), or undefined. Only
 * `https`, no credentials in the URL; plain `http` only where private targets are allowed.
 */
export function urlProblem(raw: string, allowPrivate: boolean): string | undefined {
  if (!URL.canParse(raw)) return 'is not a URL';
  const url = new URL(raw);
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'must be an https URL';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (raw.length > 2000) return 'is too long';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) !== 0 && !isPublicAddress(host))
    return 'must not point at a loopback, private, link-local or metadata address';
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')))
    return 'must not point at a loopback, private, link-local or metadata address';
  return undefined;
}

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
