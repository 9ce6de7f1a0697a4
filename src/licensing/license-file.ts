import { isDeepStrictEqual } from 'node:util';
import { armor, dearmor } from './armor.ts';
import { COMPACT_JWS_PATTERN, MAX_TOKEN_CHARS, parseJsonPart } from './compact-jws.ts';
import { LicensingError } from './errors.ts';
import type { LicenseClaims } from './license-claims.ts';
import { decodeLicense, isoSeconds } from './license-token.ts';

export const LICENSE_LABEL = 'LICENSE';
export const LICENSE_BEGIN = '-----BEGIN LICENTIA LICENSE-----';
export const LICENSE_END = '-----END LICENTIA LICENSE-----';

/**
 * The licence as a file a person can recognise: comment lines say what it is, the armoured token
 * is what counts. The comments are made from the token's own claims, so the file never says
 * anything the token does not (no secret can slip in), and a reader cannot be told something the
 * signature does not back. `claims`, when given, must be the token's claims.
 */
export function toLicenseFile(token: string, claims?: LicenseClaims, serverUrl?: string): string {
  const decoded = decodeLicense(token).claims;
  const signed = parseJsonPart(token.split('.')[1] ?? '');
  if (claims !== undefined && !isDeepStrictEqual(JSON.parse(JSON.stringify(claims)), signed)) {
    throw new LicensingError('INVALID_INPUT', 'the claims given are not the claims of the token');
  }
  return armor(LICENSE_LABEL, token, describe(decoded, serverUrl));
}

/**
 * The licence file of a token just signed from `claims`, without decoding the token again: for the
 * signer, where the claims are the token's by construction (the activation path).
 */
export function licenseFileOfSigned(token: string, claims: LicenseClaims, serverUrl?: string): string {
  return armor(LICENSE_LABEL, token, describe(claims, serverUrl));
}

/** Where a server publishes its public keys; a file made where the server's address is unknown names a placeholder. */
export function jwksUrlOf(serverUrl: string | undefined): string {
  return `${serverUrl ?? 'https://LICENSING_SERVER'}/.well-known/jwks.json`;
}

/** `serverUrl`: where this server is reached (its public URL), for the verify line. */
function describe(c: LicenseClaims, serverUrl: string | undefined): string[] {
  const lic = c.lic;
  const features = lic.features.map((f) => `${f.name} ${f.version} (${f.count})`).join(', ');
  return [
    'Licentia licence: a signed statement that the device below may use this product.',
    'Only the block between the BEGIN and END lines counts; these comments are informative.',
    '',
    `Product:          ${lic.product.name} ${lic.product.version}`,
    ...(features ? [`Features:         ${features}`] : []),
    `Entitlement:      ${lic.entitlementId}`,
    `Activation code:  ${lic.activationId}`,
    `Activation:       ${c.jti}`,
    `Model:            ${lic.model}, count ${lic.count}`,
    `Device:           ${c.sub}`,
    `Issued:           ${isoSeconds(c.iat)}`,
    ...(c.nbf > c.iat ? [`Valid from:       ${isoSeconds(c.nbf)}`] : []),
    `Expires:          ${c.exp === undefined ? 'permanent' : isoSeconds(c.exp)}`,
    `Issuer:           ${c.iss}`,
    ...(lic.test ? ['', 'TEST LICENCE: issued from a test entitlement, not for production use.'] : []),
    '',
    "Verify it offline with the producer's public keys:",
    `  licentia verify THIS_FILE --jwks ${jwksUrlOf(serverUrl)}`,
  ];
}

/** The token of a licence file; comments, blank lines and CRLF line ends are fine. */
export function parseLicenseFile(text: string): string {
  const result = dearmor(text, LICENSE_LABEL, COMPACT_JWS_PATTERN);
  if (!result.ok) throw new LicensingError('MALFORMED_LICENSE_FILE', `not a Licentia licence file: ${result.reason}`);
  if (result.body.length > MAX_TOKEN_CHARS)
    throw new LicensingError('MALFORMED_LICENSE_FILE', 'not a Licentia licence file: the token is too long');
  return result.body;
}

/** A licence file or a bare token, as an application may have stored either: the token. */
export function readLicenseToken(fileOrToken: string): string {
  if (typeof fileOrToken !== 'string') throw new LicensingError('MALFORMED_LICENSE_FILE', 'a licence must be text');
  const trimmed = fileOrToken.trim();
  if (COMPACT_JWS_PATTERN.test(trimmed)) return trimmed;
  return parseLicenseFile(fileOrToken);
}
