/**
 * Holds the refusals the test servers answered (`METHOD route CODE` lines that
 * test/support/server.ts writes from each server's metrics) against the codes the OpenAPI document
 * declares for each operation (src/http/openapi-document.ts). A code answered but not declared
 * fails: the document must not drift from what the services throw.
 * Usage: node --import tsx scripts/check-problem-codes.ts problems.log
 */
import { readFileSync } from 'node:fs';
import { servedOpenApi } from './served-openapi.ts';

interface Operation {
  operationId: string;
  responses: Record<
    string,
    { content?: Record<string, { schema?: { allOf?: { properties?: { code?: { enum?: string[] } } }[] } }> }
  >;
}

const document = JSON.parse(await servedOpenApi()) as { paths: Record<string, Record<string, Operation>> };
const declared = new Map<string, { operationId: string; codes: Set<string> }>();
for (const [path, item] of Object.entries(document.paths))
  for (const [method, operation] of Object.entries(item)) {
    const refusal = operation.responses['4XX']?.content?.['application/problem+json']?.schema?.allOf?.[1];
    // Fastify's route pattern: `/api/v1/entitlements/:id` for the document's `/api/v1/entitlements/{id}`.
    const route = path.replaceAll(/\{([^}]+)\}/g, ':$1');
    declared.set(`${method.toUpperCase()} ${route}`, {
      operationId: operation.operationId,
      codes: new Set(refusal?.properties?.code?.enum ?? []),
    });
  }

const undeclared = new Map<string, Set<string>>();
const lines = readFileSync(process.argv[2] ?? '', 'utf8')
  .split('\n')
  .filter(Boolean);
for (const line of lines) {
  const [method, route, code] = line.split(' ');
  const operation = declared.get(`${method} ${route}`);
  // Portal pages, /metrics and unmatched URLs are not operations of the document.
  if (operation === undefined || code === undefined || code === 'INTERNAL' || operation.codes.has(code)) continue;
  const codes = undeclared.get(operation.operationId) ?? new Set<string>();
  codes.add(code);
  undeclared.set(operation.operationId, codes);
}
if (undeclared.size > 0) {
  process.stderr.write('Refusals answered in the tests but not declared in the OpenAPI document (operationCodes):\n');
  for (const [operationId, codes] of undeclared) process.stderr.write(`  ${operationId}: ${[...codes].join(', ')}\n`);
  process.exit(1);
}
const kinds = new Set(lines);
process.stdout.write(
  `${kinds.size} kinds of refusal (route and code) answered in the tests, each declared by its operation\n`,
);
