import type { KeyObject } from 'node:crypto';
import { type Jwks, keysFromJwks, toJwks } from '../../licensing/jwks.ts';
import type { LicenseSigningKey } from '../../licensing/license-token.ts';
import { UnreadableKeyError, isSealed } from '../../licensing/sealed-key.ts';
import { privateKeyFromPem } from '../../licensing/signing-key.ts';
import type { Store } from '../../store/database.ts';
import { findCurrentSigningKey, listPublicSigningKeys } from '../../store/signing-keys.ts';
import type { KeyVault } from '../signing-keys/key-vault.ts';

interface Loaded {
  signing: LicenseSigningKey;
  verification: Map<string, KeyObject>;
  jwks: Jwks;
  at: number;
}

/**
 * The signing keys, loaded once and held: the private key object is parsed a single time, not per
 * licence, and reading it never touches the database, so it is safe inside a transaction (on SQLite
 * the one connection is busy then). A rotation by `licentia keys rotate` is picked up by the
 * periodic refresh, or at once when a licence names a kid not seen yet.
 */
export class KeyRing {
  readonly #store: Store;
  readonly #vault: KeyVault;
  #loaded: Loaded | undefined;
  #lastUnknownReload = 0;

  constructor(store: Store, vault: KeyVault) {
    this.#store = store;
    this.#vault = vault;
  }

  /** Call outside any transaction: at start, and from the refresh timer. */
  async load(): Promise<void> {
    const current = await findCurrentSigningKey(this.#store.db);
    if (!current) throw new Error('no signing key: the server creates one at start');
    const jwks = toJwks(await listPublicSigningKeys(this.#store.db));
    // A plain PEM is a key written before keys were sealed; the server seals those at start.
    const pem = isSealed(current.storedPrivateKey)
      ? await this.#open(current.kid, current.storedPrivateKey)
      : current.storedPrivateKey;
    this.#loaded = {
      signing: { kid: current.kid, privateKey: privateKeyFromPem(pem) },
      verification: keysFromJwks(jwks),
      jwks,
      at: Date.now(),
    };
  }

  /** Reloads every `intervalMs` in the background; answers a function that stops it. */
  refreshEvery(intervalMs: number): () => void {
    const timer = setInterval(() => void this.load().catch(() => undefined), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  signingKey(): LicenseSigningKey {
    return this.#held().signing;
  }

  verificationKeys(): ReadonlyMap<string, KeyObject> {
    return this.#held().verification;
  }

  jwks(): Jwks {
    return this.#held().jwks;
  }

  /** Outside transactions: a kid we do not know may be a key rotated in by another process. */
  async reloadIfUnknown(kid: string | undefined): Promise<void> {
    if (kid === undefined || this.#held().verification.has(kid) || Date.now() - this.#lastUnknownReload < 5_000) return;
    this.#lastUnknownReload = Date.now();
    await this.load();
  }

  async #open(kid: string, sealed: string): Promise<string> {
    try {
      return await this.#vault.open(kid, sealed);
    } catch (error) {
      if (!(error instanceof UnreadableKeyError)) throw error;
      throw new Error(
        `${error.message}. Give this server the key-encryption key it was sealed with (${this.#vault.source()}), ` +
          'or sign new licences with a new key: `licentia keys rotate` (docs/security.md, "Recovery").',
        { cause: error },
      );
    }
  }

  #held(): Loaded {
    if (!this.#loaded) throw new Error('the key ring is used before it was loaded');
    return this.#loaded;
  }
}
