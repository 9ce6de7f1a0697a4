import { type KeyObject, sign, verify } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from './base64url.ts';
import { isRecord } from './ed25519-jwk.ts';

/** Far above any licence (a product with hundreds of features), far below a memory problem. */
export const MAX_TOKEN_CHARS = 128 * 1024;

export const COMPACT_JWS_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface CompactJws {
  header: Record<string, unknown>;
  payloadB64: string;
  signature: Buffer;
  /** `header.payload` as sent: what the signature covers. */
  signingInput: Buffer;
}

export type Split = { ok: true; jws: CompactJws } | { ok: false; reason: string };

/** The three parts of a compact JWS, strictly: canonical base64url, a JSON object header. */
export function splitCompactJws(token: unknown): Split {
  if (typeof token !== 'string') return { ok: false, reason: 'it is not a string' };
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: `it is longer than ${MAX_TOKEN_CHARS} characters` };
  if (!COMPACT_JWS_PATTERN.test(token))
    return { ok: false, reason: 'it is not a compact JWS (three base64url parts separated by dots)' };
  const [headerB64, payloadB64, signatureB64] = token.split('.') as [string, string, string];
  const header = parseJsonPart(headerB64);
  if (!isRecord(header)) return { ok: false, reason: 'its header is not a base64url JSON object' };
  const signature = decodeBase64url(signatureB64);
  if (signature === undefined) return { ok: false, reason: 'its signature is not canonical base64url' };
  return {
    ok: true,
    jws: { header, payloadB64, signature, signingInput: Buffer.from(`${headerB64}.${payloadB64}`, 'ascii') },
  };
}

export function parseJsonPart(part: string): unknown {
  const bytes = decodeBase64url(part);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

/** Ed25519 is deterministic and node:crypto signs synchronously: no promise on the hot path. */
export function signEd25519Jws(header: Record<string, unknown>, payload: unknown, privateKey: KeyObject): string {
  const signingInput = `${encodeBase64url(JSON.stringify(header))}.${encodeBase64url(JSON.stringify(payload))}`;
  const signature = sign(null, Buffer.from(signingInput, 'ascii'), privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

export function verifyEd25519(jws: CompactJws, publicKey: KeyObject): boolean {
  if (publicKey.asymmetricKeyType !== 'ed25519' || jws.signature.length !== 64) return false;
  try {
    return verify(null, jws.signingInput, publicKey, jws.signature);
  } catch {
    return false;
  }
}
