/**
 * What an application embeds to activate, keep and check its licence. Nothing here touches the
 * server's database or HTTP code; it shares only the licence formats in src/licensing.
 */
export { LicentiaError, parseRetryAfter } from './errors.ts';
export {
  computeFingerprint,
  type FingerprintInputs,
  type FingerprintOptions,
  fingerprintInputs,
  fingerprintOf,
  FINGERPRINT_VERSION,
} from './fingerprint.ts';
export { FloatingSeat, type FloatingSeatOptions, heartbeatDelayMs, type SeatState } from './floating-seat.ts';
export { LicenseStore } from './license-store.ts';
export { LicentiaClient, type LicentiaClientOptions } from './licentia-client.ts';
export type * from './types.ts';
export { validationCodes } from './types.ts';
export { verifyOffline, type VerifyOfflineOptions } from './verify-offline.ts';

export type { Ed25519PublicJwk } from '../licensing/ed25519-jwk.ts';
export { LicensingError, type LicensingErrorCode } from '../licensing/errors.ts';
export { isValidFingerprint, normalizeFingerprint } from '../licensing/fingerprint-format.ts';
export type { LicenseClaims, LicenseDetails } from '../licensing/license-claims.ts';
export { parseLicenseFile, readLicenseToken } from '../licensing/license-file.ts';
export { decodeLicense, type LicenseVerification, type OfflineValidationCode } from '../licensing/license-token.ts';
export {
  createActivationRequest,
  createDeviceKeyPair,
  createReturnRequest,
  type DeviceKeyPair,
} from '../licensing/offline-request.ts';
