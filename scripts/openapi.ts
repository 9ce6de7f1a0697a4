/**
 * Writes the OpenAPI document this server generates from its routes, as served at
 * /api/v1/openapi.json, to the file given (default: stdout). `npm test` lints it with Redocly.
 * Usage: node --import tsx scripts/openapi.ts [out.json]
 */
import { writeFileSync } from 'node:fs';
import { servedOpenApi } from './served-openapi.ts';

const document = await servedOpenApi();
const out = process.argv[2];
if (out) writeFileSync(out, document);
else process.stdout.write(`${document}\n`);
