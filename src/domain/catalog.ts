export const licenseModelKinds = ['node-locked', 'floating', 'uncounted'] as const;
export type LicenseModelKind = (typeof licenseModelKinds)[number];

export interface LicenseModel {
  id: string;
  name: string;
  kind: LicenseModelKind;
  /** Licences last this many days from activation; null means permanent. */
  durationDays: number | null;
  /** Activations allowed beyond a line item's quantity. */
  overdraft: number;
  /** How many times one line item's activations may move to another device; null means no limit. */
  maxRehosts: number | null;
  allowOffline: boolean;
  /** How long a floating seat's lease lasts without a heartbeat. */
  leaseSeconds: number | null;
  createdAt: string;
  updatedAt: string;
}

export const DEFAULT_LEASE_SECONDS = 900;

export interface Feature {
  id: string;
  name: string;
  version: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProductFeature {
  featureId: string;
  name: string;
  version: string;
  count: number;
}

export interface Product {
  id: string;
  name: string;
  version: string;
  description: string | null;
  licenseModelId: string;
  features: ProductFeature[];
  /** Products this one may be upgraded from, besides older versions of the same name (`upgradeAllowed`). */
  upgradesFrom: string[];
  createdAt: string;
  updatedAt: string;
}

/**
 * Orders product versions the way people write them: `2.10` after `2.9`, `5.0` after `5.0-beta`.
 * Numeric parts compare as numbers, others as text; a release sorts after its pre-releases.
 */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => v.split(/[.\-+_ ]/).filter((p) => p !== '');
  const [pa, pb] = [split(a), split(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const [x, y] = [pa[i], pb[i]];
    if (x === undefined || y === undefined) {
      // "5.0" vs "5.0-beta": the shorter one is the release unless the longer one goes on in numbers.
      const rest = (x ?? y) as string;
      const longerIsNewer = /^\d+$/.test(rest);
      return (x === undefined) === longerIsNewer ? -1 : 1;
    }
    const [nx, ny] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (nx !== ny) {
      return nx ? 1 : -1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** What the upgrade rule reads of a product. */
export type UpgradeNode = Pick<Product, 'id' | 'name' | 'version' | 'upgradesFrom'>;

/**
 * Whether a line item of `from` may be upgraded to `to`: a newer version of the same name, or a
 * product whose `upgradesFrom` names `from` (the catalogue allows it). Never to itself.
 */
export function upgradeAllowed(from: UpgradeNode, to: UpgradeNode): boolean {
  if (from.id === to.id) return false;
  if (to.upgradesFrom.includes(from.id)) return true;
  return from.name === to.name && compareVersions(to.version, from.version) > 0;
}

/**
 * A chain of upgrades that leads from `start` back to it in `catalogue`, as the product IDs along it
 * (first and last `start`), or null. Such a chain would let "upgrades" take a line item back to a
 * product it was upgraded from, so the catalogue refuses it.
 */
export function upgradeCycle(catalogue: readonly UpgradeNode[], start: string): string[] | null {
  const byId = new Map(catalogue.map((p) => [p.id, p]));
  const byName = new Map<string, UpgradeNode[]>();
  const upgradesOf = new Map<string, UpgradeNode[]>();
  for (const product of catalogue) {
    byName.set(product.name, [...(byName.get(product.name) ?? []), product]);
    for (const from of product.upgradesFrom) upgradesOf.set(from, [...(upgradesOf.get(from) ?? []), product]);
  }
  const next = (from: UpgradeNode): UpgradeNode[] =>
    [...(upgradesOf.get(from.id) ?? []), ...(byName.get(from.name) ?? [])].filter((to) => upgradeAllowed(from, to));
  const first = byId.get(start);
  if (!first) return null;
  // Depth first, each product expanded once: a path that reaches `start` again is the cycle.
  const seen = new Set<string>([start]);
  const stack: { node: UpgradeNode; path: string[] }[] = [{ node: first, path: [start] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: UpgradeNode; path: string[] };
    for (const to of next(node)) {
      if (to.id === start) return [...path, start];
      if (seen.has(to.id)) continue;
      seen.add(to.id);
      stack.push({ node: to, path: [...path, to.id] });
    }
  }
  return null;
}
