import { licenseExpiry } from '../../domain/activations.ts';
import type { LicenseModel, Product } from '../../domain/catalog.ts';
import type { LicenseClaims } from '../../licensing/license-claims.ts';
import type { Ed25519PublicJwk } from '../../licensing/ed25519-jwk.ts';
import { licenseFileOfSigned } from '../../licensing/license-file.ts';
import { signLicense } from '../../licensing/license-token.ts';
import type { LineItemRecord } from '../../store/entitlements.ts';
import type { ServiceContext } from '../context.ts';

export interface IssuedLicense {
  token: string;
  file: string;
  kid: string;
  expiresAt: Date | null;
}

/** Signs the licence of one activation (DESIGN.md §3 "Licence format"). */
export async function issueLicense(
  ctx: ServiceContext,
  options: {
    activationId: string;
    lineItem: LineItemRecord;
    entitlementId: string;
    product: Product;
    model: LicenseModel;
    fingerprint: string;
    count: number;
    test: boolean;
    issuedAt: Date;
    devicePublicKey?: Ed25519PublicJwk | undefined;
    /** When reissuing: the expiry computed from the original activation time. */
    expiresAt?: Date | null | undefined;
  },
): Promise<IssuedLicense> {
  const key = ctx.keyRing.signingKey();
  const iat = Math.floor(options.issuedAt.getTime() / 1000);
  const expiresAt =
    options.expiresAt !== undefined
      ? options.expiresAt
      : licenseExpiry(options.lineItem.expirationDate, options.model, options.issuedAt);
  const claims: LicenseClaims = {
    iss: ctx.config.issuer,
    sub: options.fingerprint,
    jti: options.activationId,
    iat,
    nbf: iat,
    ...(expiresAt !== null && { exp: Math.floor(expiresAt.getTime() / 1000) }),
    lic: {
      activationId: options.lineItem.activationId,
      entitlementId: options.entitlementId,
      product: { name: options.product.name, version: options.product.version },
      features: options.product.features.map((f) => ({ name: f.name, version: f.version, count: f.count })),
      model: options.model.kind,
      count: options.count,
      test: options.test,
    },
    ...(options.devicePublicKey && { cnf: { jwk: options.devicePublicKey } }),
  };
  const token = signLicense(claims, key);
  return {
    token,
    file: licenseFileOfSigned(token, claims, ctx.config.publicUrl),
    kid: key.kid,
    expiresAt: expiresAt && new Date(Math.floor(expiresAt.getTime() / 1000) * 1000),
  };
}
