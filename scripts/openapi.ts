/**
 * Writes the OpenAPI document this server generates from its routes, as served at
 * /api/v1/openapi.json, to the file given (default: stdout). A server on a temporary SQLite file
 * answers it, so the document is exactly what integrators get. `npm test` lints it with Redocly.
 * Usage: node --import tsx scripts/openapi.ts [out.json]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'licentia-openapi-'));
try {
  const server = await startServer(
    { ...defaultConfig, port: 0, databaseUrl: `sqlite:${join(dir, 'openapi.db')}`, logLevel: 'silent' },
    false,
  );
  try {
    const document = await (await fetch(`${server.url}/api/v1/openapi.json`)).text();
    const out = process.argv[2];
    if (out) writeFileSync(out, document);
    else process.stdout.write(`${document}\n`);
  } finally {
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
