import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';

/**
 * The OpenAPI document as /api/v1/openapi.json serves it, from a server on a temporary SQLite
 * file: exactly what integrators get.
 */
export async function servedOpenApi(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'licentia-openapi-'));
  try {
    const server = await startServer(
      { ...defaultConfig, port: 0, databaseUrl: `sqlite:${join(dir, 'openapi.db')}`, logLevel: 'silent' },
      false,
    );
    try {
      return await (await fetch(`${server.url}/api/v1/openapi.json`)).text();
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
