import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * The suite runs once per database backend. SQLite always; PostgreSQL when TEST_DATABASE_URL is
 * set. In CI an unreachable PostgreSQL fails the run; on a developer's machine it is skipped
 * with a notice. Every server gets a fresh database: a new SQLite file, a new PostgreSQL schema.
 */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A reason to skip, shown in the test output. */
  skip: string | false;
  freshDatabase(): Promise<FreshDatabase>;
}

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

const sqlite: Backend = {
  name: 'sqlite',
  skip: false,
  async freshDatabase() {
    const dir = mkdtempSync(join(tmpdir(), 'licentia-test-'));
    return {
      url: `sqlite:${join(dir, 'licentia.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const postgresUrl = process.env.TEST_DATABASE_URL;
const inCi = process.env.CI === 'true';

/**
 * Whether PostgreSQL answers, asked a few times: with several test files and a browser starting at
 * once on two cores, one connection attempt can miss its timeout although the server is up.
 */
async function reachable(url: string, attempts = 3): Promise<string | undefined> {
  let problem: string | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return problem;
}

async function postgresBackend(): Promise<Backend> {
  if (!postgresUrl) {
    if (inCi) throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL pass cannot run.');
    return { name: 'postgres', skip: 'TEST_DATABASE_URL is not set', freshDatabase: notAvailable };
  }
  const problem = await reachable(postgresUrl);
  if (problem !== undefined) {
    if (inCi) throw new Error(`CI=true and PostgreSQL at TEST_DATABASE_URL is unreachable: ${problem}`);
    process.stderr.write(`\n*** PostgreSQL unreachable (${problem}); its pass is skipped ***\n\n`);
    return { name: 'postgres', skip: `PostgreSQL unreachable: ${problem}`, freshDatabase: notAvailable };
  }
  return {
    name: 'postgres',
    skip: false,
    async freshDatabase() {
      const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
      await adminQuery(`create schema ${schema}`);
      const url = new URL(postgresUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return { url: url.toString(), drop: () => adminQuery(`drop schema if exists ${schema} cascade`) };
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function notAvailable(): Promise<FreshDatabase> {
  throw new Error('this backend is not available');
}

export const backends: Backend[] = [sqlite, await postgresBackend()];
