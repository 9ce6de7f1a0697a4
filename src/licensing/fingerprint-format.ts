/**
 * What a device fingerprint may be: printable Unicode (letters of any script, so `Büro-PC` or a
 * machine name in Greek), 1–256 characters, no control or invisible format characters, no leading
 * or trailing space (which nobody would see). Compared in NFC, so that the same name typed on two
 * systems that compose accents differently is one device. Shared by the server, the client and the
 * offline request files.
 */
export const FINGERPRINT_MAX_CHARS = 256;

/** The JSON-schema pattern (Ajv compiles patterns with the `u` flag). */
export const FINGERPRINT_PATTERN_SOURCE = '^[^\\p{C}\\p{Z}](?:[^\\p{C}\\p{Zl}\\p{Zp}]{0,254}[^\\p{C}\\p{Z}])?$';
export const FINGERPRINT_PATTERN = new RegExp(FINGERPRINT_PATTERN_SOURCE, 'u');

/** The form a fingerprint is stored, compared and signed in. */
export function normalizeFingerprint(value: string): string {
  return value.normalize('NFC');
}

export function isValidFingerprint(value: unknown): value is string {
  return typeof value === 'string' && FINGERPRINT_PATTERN.test(normalizeFingerprint(value));
}
