#!/usr/bin/env node
// The whole suite: every test file under test/, run by node's own test runner with TypeScript
// loaded through tsx. Each file runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
// Without arguments it first type-checks, then checks format, lint, the layer rules and the OpenAPI document.
// Usage: npm test [-- path/to/file.test.ts ...]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function testFiles(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === 'support' ? [] : testFiles(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

const args = process.argv.slice(2);
if (args.length === 0) {
  const typecheck = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit'], { stdio: 'inherit' });
  if (typecheck.status !== 0) {
    process.stderr.write('type check failed\n');
    process.exit(typecheck.status ?? 1);
  }
  // Format and lint (Biome): a tree that is not formatted, or breaks a lint rule, fails the suite.
  const check = spawnSync(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'check', '.'], {
    stdio: 'inherit',
  });
  if (check.status !== 0) {
    process.stderr.write('format or lint check failed: run `npm run fix`\n');
    process.exit(check.status ?? 1);
  }
  // The layer rules of ARCHITECTURE.md (.dependency-cruiser.cjs): an import across a layer, or a cycle, fails the suite.
  const deps = spawnSync(
    process.execPath,
    [
      'node_modules/dependency-cruiser/bin/dependency-cruise.mjs',
      'src',
      '--config',
      '.dependency-cruiser.cjs',
      '--output-type',
      'err',
    ],
    { stdio: 'inherit' },
  );
  if (deps.status !== 0) {
    process.stderr.write('dependency rules broken: see ARCHITECTURE.md and .dependency-cruiser.cjs\n');
    process.exit(deps.status ?? 1);
  }
  // The OpenAPI document the server generates, linted by Redocly CLI (rules in redocly.yaml).
  const dir = mkdtempSync(join(tmpdir(), 'licentia-openapi-'));
  const document = join(dir, 'openapi.json');
  const generated = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/openapi.ts', document], {
    stdio: 'inherit',
  });
  const lint =
    generated.status === 0
      ? spawnSync(
          process.execPath,
          ['node_modules/@redocly/cli/bin/cli.js', 'lint', document, '--config', 'redocly.yaml', '--format=summary'],
          {
            stdio: 'inherit',
            env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
          },
        )
      : generated;
  rmSync(dir, { recursive: true, force: true });
  if (lint.status !== 0) {
    process.stderr.write('the OpenAPI document does not pass `redocly lint` (redocly.yaml)\n');
    process.exit(lint.status ?? 1);
  }
}
const files = args.length > 0 ? args : testFiles('test');
const concurrency = process.env.TEST_CONCURRENCY ?? '3';
// The test servers write every refusal they answer here, to be held against the OpenAPI document.
const problemsDir = mkdtempSync(join(tmpdir(), 'licentia-problems-'));
const problemLog = join(problemsDir, 'problems.log');
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, LICENTIA_TEST_PROBLEM_LOG: problemLog } },
);
let status = result.status ?? 1;
if (status === 0 && existsSync(problemLog)) {
  const check = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-problem-codes.ts', problemLog], {
    stdio: 'inherit',
  });
  status = check.status ?? 1;
}
rmSync(problemsDir, { recursive: true, force: true });
process.exit(status);
