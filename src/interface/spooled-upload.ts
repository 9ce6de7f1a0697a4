import { processRuns } from '../store/processes.ts';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';

/**
 * A large text upload (a key file of a million lines) is written to a temporary file as it
 * arrives, and only then handed to the service. Memory stays flat, and on SQLite the write
 * transaction is not held open while a slow client is still sending.
 */
export interface SpooledUpload {
  path: string;
  bytes: number;
  sha256: string;
  lines(): AsyncIterable<string>;
}

declare module 'fastify' {
  interface FastifyRequest {
    spooled?: SpooledUpload;
  }
}

export function acceptSpooledText(app: FastifyInstance, limitBytes: number): void {
  app.addContentTypeParser('text/plain', (request: FastifyRequest, payload: Readable, done) => {
    spool(payload, limitBytes).then(
      (upload) => {
        request.spooled = upload;
        done(null, upload);
      },
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error)), undefined),
    );
  });
  app.addHook('onResponse', async (request) => {
    if (request.spooled) await rm(join(request.spooled.path, '..'), { recursive: true, force: true });
  });
}

/** Spool directories name the process that made them, so that a later start can tell them abandoned. */
const SPOOL_PREFIX = 'licentia-upload-';
const OWNED_SPOOL = /^licentia-upload-p(\d+)-/;

/**
 * At start: removes the spools of server processes that no longer run (killed in the middle of an
 * upload, they had no chance to), and spools of the older, unnamed kind over an hour old.
 * Answers how many were removed.
 */
export async function sweepAbandonedSpools(dir = tmpdir()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(SPOOL_PREFIX)) continue;
    const path = join(dir, name);
    const owner = OWNED_SPOOL.exec(name)?.[1];
    const abandoned =
      owner === undefined
        ? Date.now() -
            (await stat(path).then(
              (s) => s.mtimeMs,
              () => Date.now(),
            )) >
          3_600_000
        : !processRuns(Number(owner));
    if (!abandoned) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

async function spool(payload: Readable, limitBytes: number): Promise<SpooledUpload> {
  const dir = await mkdtemp(join(tmpdir(), `${SPOOL_PREFIX}p${process.pid}-`));
  const path = join(dir, 'body.txt');
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      payload,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          bytes += chunk.length;
          if (bytes > limitBytes)
            throw new AppError('PAYLOAD_TOO_LARGE', `The upload is larger than ${limitBytes} bytes.`);
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(path),
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    path,
    bytes,
    sha256: hash.digest('hex'),
    // Opened only when iteration starts: readline emits lines as soon as it exists, and lines
    // emitted before anyone iterates are lost.
    lines: async function* () {
      yield* createInterface({
        input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }),
        crlfDelay: Infinity,
      });
    },
  };
}
