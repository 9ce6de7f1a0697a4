import { after, before, describe } from 'node:test';
import type { Config } from '../../src/config.ts';
import { type Backend, backends } from './backends.ts';
import { type TestServer, startTestServer } from './server.ts';

/**
 * `describe` once per backend, with one server started before the tests of that block.
 * The callback receives a getter because the server exists only once `before` has run.
 */
export function describeEachBackend(
  title: string,
  body: (server: () => TestServer, backend: Backend) => void,
  overrides: Partial<Config> = {},
): void {
  for (const backend of backends) {
    describe(`${title} [${backend.name}]`, { skip: backend.skip }, () => {
      let server: TestServer | undefined;
      before(async () => {
        server = await startTestServer(backend, overrides);
      });
      after(async () => {
        await server?.close();
      });
      body(() => {
        if (!server) throw new Error('server not started');
        return server;
      }, backend);
    });
  }
}
