import { invalidField } from '../../domain/errors.ts';
import { isValidFingerprint, normalizeFingerprint } from '../../licensing/fingerprint-format.ts';

/**
 * A fingerprint as it is stored and compared: in NFC. The route's schema checked the form sent;
 * NFC can change the length, so the normalised form is checked again.
 */
export function checkedFingerprint(raw: string, field = '/fingerprint'): string {
  const fingerprint = normalizeFingerprint(raw);
  if (!isValidFingerprint(fingerprint)) {
    throw invalidField(field, 'must be 1–256 printable characters (in Unicode NFC), without leading or trailing space');
  }
  return fingerprint;
}

/** A fingerprint used only to look something up: normalised, never refused (a bad one finds nothing). */
export function fingerprintToFind(raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : normalizeFingerprint(raw);
}
