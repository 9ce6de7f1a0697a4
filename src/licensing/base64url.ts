/**
 * Buffer.from(text, 'base64url') skips characters it does not know and accepts non-canonical
 * trailing bits, so two different strings can decode to the same bytes. Everything signed or
 * parsed here goes through this strict form instead.
 */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function decodeBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

export function encodeBase64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}
