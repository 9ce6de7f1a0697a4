import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * A secret as stored: AES-256-GCM under the key-encryption key, bound to what it belongs to (a
 * signing key's `kid`, a webhook endpoint): a sealed value moved to another row does not open.
 * The prefix names the format and which key-encryption key sealed it, so that a wrong secret is
 * told apart from a damaged row.
 */
const PREFIX = 'sealed:v1';

/** A short public name of a key-encryption key: the first 8 bytes of its SHA-256, in hex. */
export function kekId(kek: Buffer): string {
  return createHash('sha256').update(kek).digest('hex').slice(0, 16);
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(`${PREFIX}:`);
}

/** Seals `text` bound to `binding` (the additional authenticated data). */
export function sealText(kek: Buffer, binding: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(binding));
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  const parts = [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return [PREFIX, kekId(kek), ...parts].join(':');
}

export class UnreadableKeyError extends Error {}

/**
 * The text of a sealed value; UnreadableKeyError (naming it as `what`) when `kek` is not the key
 * it was sealed with, or the value was altered or moved.
 */
export function openText(kek: Buffer, binding: string, stored: string, what: string): string {
  const [format, version, sealedBy, iv, body, tag] = stored.split(':');
  if (`${format}:${version}` !== PREFIX || !sealedBy || !iv || !body || !tag)
    throw new UnreadableKeyError(`${what} is not in the sealed format`);
  if (sealedBy !== kekId(kek))
    throw new UnreadableKeyError(
      `${what} was sealed with key-encryption key ${sealedBy}, but this server has ${kekId(kek)}`,
    );
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(binding));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new UnreadableKeyError(`${what} does not open: its row was altered`);
  }
}

/**
 * The text of a value sealed in the format two-factor secrets had before they were sealed by
 * `sealText` (`v1.<iv>.<tag>.<body>`, bound to nothing); rows written then are still read.
 */
export function openUnboundV1(key: Buffer, stored: string, what: string): string {
  const [version, iv, tag, body] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined)
    throw new UnreadableKeyError(`${what} is not in a sealed format`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new UnreadableKeyError(`${what} does not open: its row was altered`);
  }
}

/** A signing key's private half (PKCS#8 PEM) sealed, bound to its `kid`. */
export function sealPrivateKey(kek: Buffer, kid: string, pem: string): string {
  return sealText(kek, kid, pem);
}

/** The PEM of a sealed signing key. */
export function openPrivateKey(kek: Buffer, kid: string, stored: string): string {
  return openText(kek, kid, stored, `signing key ${kid}`);
}
