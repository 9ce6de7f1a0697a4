import { randomBytes, scrypt } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../../config.ts';
import { kekId, openPrivateKey, openText, sealPrivateKey, sealText } from '../../licensing/sealed-key.ts';

const KEY_FILE_NAME = 'licentia.key';
const SCRYPT_SALT = 'licentia signing-key encryption v1';

/**
 * Where the key-encryption key comes from when `LICENTIA_SECRET` is not set: `LICENTIA_SECRET_FILE`,
 * else a file beside the SQLite database, else (PostgreSQL) `./data/licentia.key`. Undefined for an
 * in-memory database, whose keys die with the process anyway.
 */
export function keyFilePath(config: Config): string | undefined {
  if (config.secretFile) return resolve(config.secretFile);
  const url = config.databaseUrl;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '' || path === ':memory:') return undefined;
    return join(dirname(resolve(path)), KEY_FILE_NAME);
  }
  return resolve('data', KEY_FILE_NAME);
}

/**
 * The key-encryption key that seals secrets in the database (the signing keys' private halves, the
 * webhook signing secrets), so that a copy of the database alone cannot sign licences or webhooks.
 * Loaded once, on first use.
 */
export class KeyVault {
  readonly #config: Config;
  #kek: Promise<Buffer> | undefined;

  constructor(config: Config) {
    this.#config = config;
  }

  kek(): Promise<Buffer> {
    this.#kek ??= loadKek(this.#config);
    return this.#kek;
  }

  /** Where the key lives, for messages to the operator. */
  source(): string {
    if (this.#config.secret) return 'LICENTIA_SECRET';
    return keyFilePath(this.#config) ?? '(memory: an in-memory database)';
  }

  async id(): Promise<string> {
    return kekId(await this.kek());
  }

  async seal(kid: string, pem: string): Promise<string> {
    return sealPrivateKey(await this.kek(), kid, pem);
  }

  async open(kid: string, stored: string): Promise<string> {
    return openPrivateKey(await this.kek(), kid, stored);
  }

  /** Any other secret, bound to what it belongs to (see `sealText`). */
  async sealSecret(binding: string, text: string): Promise<string> {
    return sealText(await this.kek(), binding, text);
  }

  async openSecret(binding: string, stored: string, what: string): Promise<string> {
    return openText(await this.kek(), binding, stored, what);
  }
}

async function loadKek(config: Config): Promise<Buffer> {
  if (config.secret) return derive(config.secret);
  const path = keyFilePath(config);
  if (!path) return randomBytes(32);
  return readOrCreateKeyFile(path);
}

function derive(secret: string): Promise<Buffer> {
  return new Promise((done, fail) =>
    scrypt(secret, SCRYPT_SALT, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? fail(error) : done(key),
    ),
  );
}

/**
 * Created on first start with 256 random bits, mode 0600. Written to a temporary file and linked
 * into place, so that two processes starting together agree on one key.
 */
async function readOrCreateKeyFile(path: string): Promise<Buffer> {
  try {
    return await readKeyFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  return readKeyFile(path);
}

async function readKeyFile(path: string): Promise<Buffer> {
  const text = (await readFile(path, 'utf8')).trim();
  const key = Buffer.from(text, 'base64url');
  if (key.length !== 32) throw new Error(`${path} is not a Licentia key file (256 bits, base64url)`);
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return key;
}
