import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, defaultConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import type { Backend } from './backends.ts';
import { Api } from './http.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef-0123';

export interface TestServer {
  url: string;
  /** An admin client of the /api/v1 API. */
  api: Api;
  running: RunningServer;
  databaseUrl: string;
  close(): Promise<void>;
}

/** A real server on a free port over a fresh database of the backend. */
export async function startTestServer(backend: Backend, overrides: Partial<Config> = {}): Promise<TestServer> {
  const database = await backend.freshDatabase();
  // Mail without SMTP is written as files; never into the working tree (PostgreSQL's default is ./data/mail).
  const mailDir = mkdtempSync(join(tmpdir(), 'licentia-mail-'));
  const config: Config = {
    ...defaultConfig,
    mail: { ...defaultConfig.mail, dir: mailDir },
    port: 0,
    databaseUrl: database.url,
    adminKey: ADMIN_KEY,
    logLevel: 'silent',
    ...overrides,
  };
  // TEST_LOG=error (or any pino level) shows the servers' logs, e.g. the cause of a 500.
  const running = await startServer(config, process.env.TEST_LOG ? createLogger(process.env.TEST_LOG) : false);
  return {
    url: running.url,
    api: new Api(`${running.url}/api/v1`, ADMIN_KEY),
    running,
    databaseUrl: database.url,
    close: async () => {
      await recordProblemsAnswered(running);
      await running.close();
      await database.drop();
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}

/**
 * With LICENTIA_TEST_PROBLEM_LOG set (scripts/test.js sets it), appends every refusal this server
 * answered, as `METHOD route CODE` lines from its own metrics, so that after the suite
 * scripts/check-problem-codes.ts can hold them against the codes the OpenAPI document declares.
 */
async function recordProblemsAnswered(running: RunningServer): Promise<void> {
  const log = process.env.LICENTIA_TEST_PROBLEM_LOG;
  if (!log) return;
  const metric = running.metrics.registry.getSingleMetric('licentia_http_problems_total');
  if (!metric) return;
  const { values } = await metric.get();
  const lines = values.map(({ labels }) => `${labels.method} ${labels.route} ${labels.code}\n`);
  if (lines.length > 0) appendFileSync(log, lines.join(''));
}
