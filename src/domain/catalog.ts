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
