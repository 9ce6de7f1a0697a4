import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { keysFromJwks } from '../../licensing/jwks.ts';
import type { LicenseClaims } from '../../licensing/license-claims.ts';
import { readLicenseToken } from '../../licensing/license-file.ts';
import { isoSeconds, type LicenseVerification, verifyLicense } from '../../licensing/license-token.ts';

/** A JWKS is a few hundred bytes; anything near this is not one. */
const MAX_JWKS_BYTES = 1024 * 1024;

/** Exit statuses, so that scripts can tell a licence that fails from a check that could not be made. */
const EXIT_NOT_VALID = 1;
const EXIT_CANNOT_CHECK = 2;

export function verifyCommand(program: Command): void {
  program
    .command('verify')
    .description("check a licence file offline against the producer's public keys (no server, no database)")
    .argument('<license-file>', 'the licence file (or a file holding a bare token)')
    .requiredOption(
      '--jwks <file-or-url>',
      'the public keys: a JWKS file, or an http(s) URL such as https://HOST/.well-known/jwks.json (fetched once)',
    )
    .option('--fingerprint <fingerprint>', 'the device the licence must be bound to')
    .addHelpText(
      'after',
      `
Exit status: 0 when the licence is VALID; ${EXIT_NOT_VALID} when it is not (EXPIRED, NOT_YET_VALID,
FINGERPRINT_MISMATCH, BAD_SIGNATURE); ${EXIT_CANNOT_CHECK} when it could not be checked (unreadable file, JWKS
unreachable or unusable). Suspension, revocation and returns are known only to the server.`,
    )
    .action(async (licenseFile: string, options: { jwks: string; fingerprint?: string }) => {
      let text: string;
      let keys: Map<string, KeyObject>;
      try {
        text = await readFile(licenseFile, 'utf8');
        keys = await loadKeys(options.jwks);
      } catch (error) {
        process.stderr.write(`licentia verify: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = EXIT_CANNOT_CHECK;
        return;
      }
      let result: LicenseVerification;
      try {
        result = verifyLicense(
          readLicenseToken(text),
          keys,
          options.fingerprint === undefined ? {} : { fingerprint: options.fingerprint },
        );
      } catch (error) {
        result = {
          valid: false,
          code: 'BAD_SIGNATURE',
          detail: error instanceof Error ? error.message : String(error),
        };
      }
      process.stdout.write(`${summary(licenseFile, result, options.fingerprint)}\n${result.code}: ${result.detail}\n`);
      if (!result.valid) process.exitCode = EXIT_NOT_VALID;
    });
}

async function loadKeys(source: string): Promise<Map<string, KeyObject>> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    const response = await fetch(source, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(15_000),
    }).catch((error: unknown) => {
      throw new Error(
        `could not fetch the JWKS from ${source}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
      );
    });
    if (!response.ok)
      throw new Error(`could not fetch the JWKS from ${source}: ${response.status} ${response.statusText}`);
    text = await response.text();
  } else {
    text = await readFile(source, 'utf8');
  }
  if (text.length > MAX_JWKS_BYTES) throw new Error(`${source} is too large to be a JWKS`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not JSON, so not a JWKS`);
  }
  const keys = keysFromJwks(parsed);
  if (keys.size === 0) throw new Error(`${source} holds no Ed25519 signing key with a kid`);
  return keys;
}

function summary(file: string, result: LicenseVerification, fingerprint: string | undefined): string {
  if (!('claims' in result))
    return `Licence file:     ${file}\n(contents not shown: they are not signed by a trusted key)\n`;
  const c: LicenseClaims = result.claims;
  const rows: [string, string][] = [
    ['Licence file', file],
    ['Product', `${c.lic.product.name} ${c.lic.product.version}`],
    ['Features', c.lic.features.map((f) => `${f.name} ${f.version} (${f.count})`).join(', ') || 'none'],
    ['Entitlement', c.lic.entitlementId],
    ['Activation code', c.lic.activationId],
    ['Activation', c.jti],
    ['Model', `${c.lic.model}, count ${c.lic.count}`],
    ['Device', c.sub],
    ...(fingerprint !== undefined && fingerprint !== c.sub
      ? ([['Checked against', fingerprint]] as [string, string][])
      : []),
    ['Issued', isoSeconds(c.iat)],
    ['Valid from', isoSeconds(c.nbf)],
    ['Expires', c.exp === undefined ? 'permanent' : isoSeconds(c.exp)],
    ['Issuer', c.iss],
    ['Signing key', result.kid],
    ...(c.lic.test ? ([['Test licence', 'yes: not for production use']] as [string, string][]) : []),
  ];
  // Printed as is to a terminal: a product name must not be able to move the cursor or clear the screen.
  return `${rows.map(([label, value]) => `${`${label}:`.padEnd(18)}${value.replace(/[\p{Cc}\p{Cf}]/gu, '?')}`).join('\n')}\n`;
}
