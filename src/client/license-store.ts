import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { COMPACT_JWS_PATTERN } from '../licensing/compact-jws.ts';
import { parseLicenseFile, toLicenseFile } from '../licensing/license-file.ts';

/**
 * The licence on disk at one path. Writes are atomic (a temporary file in the same directory,
 * flushed, then renamed over the old one), so a crash or a full disk never leaves half a licence,
 * and the file is readable by its owner only: a licence is not secret, but it is this device's.
 */
export class LicenseStore {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Saves a licence file, or a bare token as a licence file. Refuses anything else, leaving the old file as it was. */
  async save(fileOrToken: string): Promise<void> {
    const trimmed = fileOrToken.trim();
    let text: string;
    if (COMPACT_JWS_PATTERN.test(trimmed)) {
      text = toLicenseFile(trimmed);
    } else {
      parseLicenseFile(fileOrToken);
      text = fileOrToken;
    }
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = join(dir, `.${basename(this.path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await syncDirectory(dir);
  }

  /** The saved licence file, or undefined when there is none. */
  async load(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  /** The token of the saved licence, or undefined when there is none. Throws when the file is not a licence. */
  async loadToken(): Promise<string | undefined> {
    const text = await this.load();
    return text === undefined ? undefined : parseLicenseFile(text);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/** So that the rename itself survives a power cut. Not every platform can open a directory (Windows); there it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: the licence is written either way.
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
