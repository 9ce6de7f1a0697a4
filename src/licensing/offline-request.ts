import { createPublicKey, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { armor, dearmor } from './armor.ts';
import { decodeBase64url, encodeBase64url } from './base64url.ts';
import { COMPACT_JWS_PATTERN, parseJsonPart, signEd25519Jws, splitCompactJws, verifyEd25519 } from './compact-jws.ts';
import {
  checkEd25519PublicJwk,
  type Ed25519PublicJwk,
  isRecord,
  publicJwkOf,
  publicKeyFromEd25519Jwk,
  sameEd25519Key,
} from './ed25519-jwk.ts';
import { LicensingError, type LicensingErrorCode } from './errors.ts';
import { isValidFingerprint, normalizeFingerprint } from './fingerprint-format.ts';

/**
 * Offline activation for a device that never reaches the server. The device writes an activation
 * request (its code, fingerprint and the public half of a key pair it keeps); someone carries the
 * file to the server, which answers a licence carrying that public key (`cnf`). To give the seat
 * back, the device signs a return request with its private key, so that nobody but that device can
 * return its licence; the server checks it against the key it stored at activation.
 */
export const ACTIVATION_REQUEST_LABEL = 'ACTIVATION REQUEST';
export const RETURN_REQUEST_LABEL = 'RETURN REQUEST';
export const RETURN_REQUEST_TYP = 'licentia-return-request';

/** What a typed or pasted activation code may look like before the server normalises it. */
export const REQUEST_CODE_PATTERN = /^(?=.*[A-Za-z0-9])[A-Za-z0-9._ -]{1,64}$/;
export const MAX_DEVICE_NAME_CHARS = 200;
const ACTIVATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

export function isValidDeviceName(value: unknown): value is string {
  return (
    typeof value === 'string' && [...value].length <= MAX_DEVICE_NAME_CHARS && !/[\p{Cc}\p{Zl}\p{Zp}]/u.test(value)
  );
}

export interface DeviceKeyPair {
  publicJwk: Ed25519PublicJwk;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export function createDeviceKeyPair(): DeviceKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicJwk: publicJwkOf(publicKey), publicKey, privateKey };
}

export interface ActivationRequest {
  v: 1;
  type: 'activation-request';
  code: string;
  fingerprint: string;
  deviceName: string;
  publicKey: Ed25519PublicJwk;
  createdAt: string;
  nonce: string;
}

export interface ReturnRequest {
  v: 1;
  type: 'return-request';
  /** The `jti` of the licence being returned. */
  activationId: string;
  fingerprint: string;
  createdAt: string;
  nonce: string;
  /** The key the request says it is signed with (its header `jwk`); trust it only once verified. */
  devicePublicKey: Ed25519PublicJwk;
}

export function createActivationRequest(input: {
  code: string;
  fingerprint: string;
  deviceName: string;
  devicePublicKey: Ed25519PublicJwk | KeyObject;
  now?: Date;
}): string {
  const publicKey =
    input.devicePublicKey instanceof KeyObject ? publicJwkOf(input.devicePublicKey) : input.devicePublicKey;
  const request: ActivationRequest = {
    v: 1,
    type: 'activation-request',
    code: input.code,
    fingerprint: normalizeFingerprint(input.fingerprint),
    deviceName: input.deviceName,
    publicKey: { kty: publicKey.kty, crv: publicKey.crv, x: publicKey.x },
    createdAt: (input.now ?? new Date()).toISOString(),
    nonce: randomBytes(16).toString('base64url'),
  };
  // The same checks the server makes, so a bad input fails here and not after a trip to the office.
  const problem = activationRequestProblem(request);
  if (problem)
    throw new LicensingError('INVALID_INPUT', `${problem.field.slice(1)} ${problem.reason}`, { field: problem.field });
  return armor(ACTIVATION_REQUEST_LABEL, encodeBase64url(JSON.stringify(request)), [
    'Licentia offline activation request. It holds no private key.',
    'Upload it to the licensing server (POST /api/v1/activations/offline) or send it to your',
    'vendor; the answer is a licence file for this device.',
    `Device: ${request.deviceName}`,
    `Created: ${request.createdAt}`,
  ]);
}

export function parseActivationRequest(text: string): ActivationRequest {
  const fail = (reason: string, field?: string) =>
    failure('MALFORMED_ACTIVATION_REQUEST', 'not a Licentia activation request', reason, field);
  const armored = dearmor(text, ACTIVATION_REQUEST_LABEL, /^[A-Za-z0-9_-]+$/);
  if (!armored.ok) throw fail(armored.reason);
  const bytes = decodeBase64url(armored.body);
  if (bytes === undefined) throw fail('its block is not canonical base64url');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw fail('its block does not decode to JSON');
  }
  const problem = activationRequestProblem(value);
  if (problem) throw fail(`${problem.field.slice(1) || 'the request'} ${problem.reason}`, problem.field);
  const request = value as ActivationRequest;
  const jwk = request.publicKey;
  return { ...request, publicKey: { kty: jwk.kty, crv: jwk.crv, x: jwk.x } };
}

function activationRequestProblem(value: unknown): { field: string; reason: string } | undefined {
  if (!isRecord(value)) return { field: '', reason: 'must be a JSON object' };
  const exact = exactMembers(value, [
    'v',
    'type',
    'code',
    'fingerprint',
    'deviceName',
    'publicKey',
    'createdAt',
    'nonce',
  ]);
  if (exact) return exact;
  if (value.v !== 1)
    return { field: '/v', reason: `is version ${JSON.stringify(value.v)}; only version 1 is understood` };
  if (value.type !== 'activation-request') return { field: '/type', reason: 'must be "activation-request"' };
  if (typeof value.code !== 'string' || !REQUEST_CODE_PATTERN.test(value.code)) {
    return { field: '/code', reason: 'must be 1–64 characters of A–Z a–z 0–9 . _ - and space' };
  }
  if (!isValidFingerprint(value.fingerprint))
    return { field: '/fingerprint', reason: 'must be 1–256 printable characters, without leading or trailing space' };
  if (!isValidDeviceName(value.deviceName)) {
    return {
      field: '/deviceName',
      reason: `must be at most ${MAX_DEVICE_NAME_CHARS} characters, without control characters`,
    };
  }
  const jwk = checkEd25519PublicJwk(value.publicKey);
  if (!jwk.ok) return { field: `/publicKey${jwk.field}`, reason: jwk.reason };
  return commonProblem(value);
}

export function createReturnRequest(input: {
  activationId: string;
  fingerprint: string;
  devicePrivateKey: KeyObject;
  now?: Date;
}): string {
  const key = input.devicePrivateKey;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519')
    throw new LicensingError('INVALID_INPUT', 'a return request is signed with the device’s Ed25519 private key');
  const payload = {
    v: 1,
    type: 'return-request',
    activationId: input.activationId,
    fingerprint: normalizeFingerprint(input.fingerprint),
    createdAt: (input.now ?? new Date()).toISOString(),
    nonce: randomBytes(16).toString('base64url'),
  };
  const problem = returnPayloadProblem(payload);
  if (problem)
    throw new LicensingError('INVALID_INPUT', `${problem.field.slice(1)} ${problem.reason}`, { field: problem.field });
  const token = signEd25519Jws(
    { alg: 'EdDSA', typ: RETURN_REQUEST_TYP, jwk: publicJwkOf(createPublicKey(key)) },
    payload,
    key,
  );
  return armor(RETURN_REQUEST_LABEL, token, [
    `Licentia licence return request for activation ${payload.activationId}, signed by the device key.`,
    'Upload it to the licensing server (POST /api/v1/activations/offline/return) or send it to your',
    'vendor to give the seat back.',
    `Created: ${payload.createdAt}`,
  ]);
}

/**
 * A return request's content without checking who signed it: enough for the server to find the
 * activation, and the device key stored with it, before calling parseAndVerifyReturnRequest.
 */
export function readReturnRequest(text: string): ReturnRequest {
  const fail = (reason: string, field?: string) =>
    failure('MALFORMED_RETURN_REQUEST', 'not a Licentia return request', reason, field);
  const armored = dearmor(text, RETURN_REQUEST_LABEL, COMPACT_JWS_PATTERN);
  if (!armored.ok) throw fail(armored.reason);
  return readReturnJws(armored.body, fail).request;
}

/**
 * The return request, once its signature is proven to come from `expectedDevicePublicJwk`: the key
 * the server stored when it activated the device, not whichever key the request carries.
 */
export function parseAndVerifyReturnRequest(text: string, expectedDevicePublicJwk: Ed25519PublicJwk): ReturnRequest {
  const expected = checkEd25519PublicJwk(expectedDevicePublicJwk, { extraMembers: true });
  if (!expected.ok)
    throw new LicensingError('INVALID_INPUT', `the expected device key${expected.field} ${expected.reason}`);
  const fail = (reason: string, field?: string) =>
    failure('MALFORMED_RETURN_REQUEST', 'not a Licentia return request', reason, field);
  const armored = dearmor(text, RETURN_REQUEST_LABEL, COMPACT_JWS_PATTERN);
  if (!armored.ok) throw fail(armored.reason);
  const { request, verifyWith } = readReturnJws(armored.body, fail);
  const refuse = (reason: string) =>
    new LicensingError('RETURN_REQUEST_NOT_VERIFIED', `the return request is refused: ${reason}`);
  if (!sameEd25519Key(request.devicePublicKey, expected.jwk))
    throw refuse('it is signed by another device key than the one the licence was issued to');
  if (!verifyWith(publicKeyFromEd25519Jwk(expected.jwk))) throw refuse('its signature does not match');
  return request;
}

function readReturnJws(token: string, fail: (reason: string, field?: string) => LicensingError) {
  const split = splitCompactJws(token);
  if (!split.ok) throw fail(split.reason);
  const { header } = split.jws;
  if (split.jws.signature.length !== 64) throw fail('its signature is not an Ed25519 signature (64 bytes)');
  const exact = exactMembers(header, ['alg', 'typ', 'jwk']);
  if (exact) throw fail(`header ${exact.field.slice(1)} ${exact.reason}`, `/header${exact.field}`);
  if (header.alg !== 'EdDSA') throw fail('header alg must be "EdDSA"', '/header/alg');
  if (header.typ !== RETURN_REQUEST_TYP) throw fail(`header typ must be "${RETURN_REQUEST_TYP}"`, '/header/typ');
  const jwk = checkEd25519PublicJwk(header.jwk);
  if (!jwk.ok) throw fail(`header jwk${jwk.field} ${jwk.reason}`, `/header/jwk${jwk.field}`);
  const payload = parseJsonPart(split.jws.payloadB64);
  const problem = returnPayloadProblem(payload);
  if (problem) throw fail(`${problem.field.slice(1) || 'the payload'} ${problem.reason}`, problem.field);
  const p = payload as Omit<ReturnRequest, 'devicePublicKey'>;
  const request: ReturnRequest = {
    v: 1,
    type: 'return-request',
    activationId: p.activationId,
    fingerprint: p.fingerprint,
    createdAt: p.createdAt,
    nonce: p.nonce,
    devicePublicKey: { kty: 'OKP', crv: 'Ed25519', x: jwk.jwk.x },
  };
  return { request, verifyWith: (key: KeyObject) => verifyEd25519(split.jws, key) };
}

function returnPayloadProblem(value: unknown): { field: string; reason: string } | undefined {
  if (!isRecord(value)) return { field: '', reason: 'must be a JSON object' };
  const exact = exactMembers(value, ['v', 'type', 'activationId', 'fingerprint', 'createdAt', 'nonce']);
  if (exact) return exact;
  if (value.v !== 1)
    return { field: '/v', reason: `is version ${JSON.stringify(value.v)}; only version 1 is understood` };
  if (value.type !== 'return-request') return { field: '/type', reason: 'must be "return-request"' };
  if (typeof value.activationId !== 'string' || !ACTIVATION_ID_PATTERN.test(value.activationId)) {
    return { field: '/activationId', reason: 'must be an activation id (the licence’s jti)' };
  }
  if (!isValidFingerprint(value.fingerprint))
    return { field: '/fingerprint', reason: 'must be 1–256 printable characters, without leading or trailing space' };
  return commonProblem(value);
}

function commonProblem(value: Record<string, unknown>): { field: string; reason: string } | undefined {
  if (
    typeof value.createdAt !== 'string' ||
    !TIMESTAMP_PATTERN.test(value.createdAt) ||
    Number.isNaN(Date.parse(value.createdAt))
  ) {
    return { field: '/createdAt', reason: 'must be an ISO-8601 UTC timestamp' };
  }
  if (typeof value.nonce !== 'string' || !NONCE_PATTERN.test(value.nonce))
    return { field: '/nonce', reason: 'must be 16–128 base64url characters' };
  return undefined;
}

function exactMembers(
  value: Record<string, unknown>,
  names: readonly string[],
): { field: string; reason: string } | undefined {
  const unknown = Object.keys(value).find((k) => !names.includes(k));
  if (unknown !== undefined) return { field: `/${unknown}`, reason: 'is not a member of this document' };
  const missing = names.find((k) => !Object.hasOwn(value, k));
  if (missing !== undefined) return { field: `/${missing}`, reason: 'is missing' };
  return undefined;
}

function failure(code: LicensingErrorCode, what: string, reason: string, field?: string): LicensingError {
  return new LicensingError(code, `${what}: ${reason}`, field === undefined ? {} : { field });
}
