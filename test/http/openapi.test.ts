import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { operationCodes } from '../../src/http/openapi-document.ts';
import { describeEachBackend } from '../support/suite.ts';

/** What a refusal's media type declares: the problem schema with its codes, and a typical refusal. */
interface ProblemMedia {
  schema: { allOf: [unknown, { properties: { code: { enum: string[] } } }] };
  example: { code: string };
}

interface Media {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

interface Operation {
  operationId: string;
  description?: string;
  tags: string[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }> &
    Partial<Record<'4XX' | '4xx', { content: { 'application/problem+json': ProblemMedia } }>>;
}

/** The parts of the OpenAPI document these tests read; the first test validates the whole of it. */
interface OpenApiDocument {
  [member: string]: unknown;
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
  tags: { name: string; description: string }[];
}

async function openApiDocument(url: string): Promise<OpenApiDocument> {
  const r = await fetch(`${url}/api/v1/openapi.json`);
  assert.equal(r.status, 200);
  return (await r.json()) as OpenApiDocument;
}

describeEachBackend('OpenAPI and docs', (server) => {
  it('serves a valid OpenAPI 3.1 document generated from the routes', async () => {
    const doc = await openApiDocument(server().url);
    assert.equal(doc.openapi, '3.1.0');
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
    for (const path of [
      '/api/v1/entitlements',
      '/api/v1/entitlements/{id}/state',
      '/api/v1/api-keys',
      '/api/v1/events',
    ]) {
      assert.ok(doc.paths[path], `${path} documented`);
    }
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((op) => op.operationId));
    assert.equal(new Set(ids).size, ids.length, 'operation IDs are unique');
    assert.ok(
      ids.every((id) => typeof id === 'string'),
      'every operation has an ID',
    );
  });

  it('names every entity and input, describes every operation and its tag, and lists the codes of its refusals', async () => {
    const doc = await openApiDocument(server().url);
    for (const name of ['Account', 'Entitlement', 'LineItem', 'Activation', 'Problem', 'AccountInput', 'ActivateBody'])
      assert.ok(doc.components.schemas[name], `components/schemas/${name}`);
    const account = doc.paths['/api/v1/accounts']!.post;
    assert.deepEqual(account!.requestBody!.content['application/json']!.schema, {
      $ref: '#/components/schemas/AccountInput',
    });
    assert.deepEqual(account!.responses['201']!.content!['application/json']!.schema, {
      $ref: '#/components/schemas/Account',
    });
    const tags = new Map(doc.tags.map((t) => [t.name, t.description]));
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(op.description, `${where} has a description`);
        assert.ok(operationCodes[op.operationId], `${where} has its row of codes in operationCodes`);
        for (const tag of op.tags) assert.notEqual(tags.get(tag) ?? tag, tag, `tag ${tag} is described`);
        const refusal = op.responses['4XX'] ?? op.responses['4xx'];
        assert.deepEqual(Object.keys(refusal!.content), ['application/problem+json'], where);
        const codes: string[] = refusal!.content['application/problem+json'].schema.allOf[1].properties.code.enum;
        assert.ok(codes.includes('VALIDATION_FAILED'), where);
        for (const code of operationCodes[op.operationId] ?? []) assert.ok(codes.includes(code), `${where}: ${code}`);
      }
    const activate = doc.paths['/api/v1/activations']!.post!.responses['4XX']!.content['application/problem+json'];
    assert.ok(activate.schema.allOf[1].properties.code.enum.includes('COUNT_EXCEEDED'));
    assert.ok(
      activate.schema.allOf[1].properties.code.enum.includes('RATE_LIMITED'),
      'an open endpoint is rate-limited',
    );

    // What the server sends for a refusal is what the document says.
    const r = await fetch(`${server().url}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server().api.key}` },
      body: JSON.stringify({ name: '' }),
    });
    assert.equal(r.status, 400);
    assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(
      account!.responses['4XX']!.content['application/problem+json'].schema.allOf[1].properties.code.enum.includes(
        (await r.json()).code,
      ),
    );
  });

  it('gives every operation examples: each JSON body it takes or answers, valid against its schema, and its typical refusal', async () => {
    const doc = await openApiDocument(server().url);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
    addFormats(ajv);
    ajv.addSchema({ $id: 'licentia:doc', components: doc.components });
    const check = (where: string, schema: unknown, value: unknown) => {
      const validate = ajv.compile({
        $ref: '#/$defs/it',
        $defs: { it: JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"licentia:doc#/components/')) },
      });
      assert.ok(validate(value), `${where}: ${JSON.stringify(validate.errors)?.slice(0, 500)}`);
    };
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        const bodies = [
          ...Object.entries<Media>(op.requestBody?.content ?? {}).map(([type, media]): [string, string, Media] => [
            `${where} body`,
            type,
            media,
          ]),
          ...Object.entries(op.responses)
            .filter(([status]) => status.startsWith('2'))
            .flatMap(([status, response]) =>
              Object.entries<Media>(response.content ?? {}).map(([type, media]): [string, string, Media] => [
                `${where} ${status}`,
                type,
                media,
              ]),
            ),
        ];
        for (const [label, type, media] of bodies) {
          if (!type.endsWith('json')) continue;
          const values = media.examples ? Object.values(media.examples).map((e) => e.value) : [media.example];
          assert.ok(values.length > 0 && values.every((v) => v !== undefined), `${label} has an example`);
          for (const value of values) check(label, media.schema, value);
          checked += values.length;
        }
        const refusal = op.responses['4XX']!.content['application/problem+json'];
        const own = operationCodes[op.operationId] ?? [];
        assert.equal(refusal.example.code, own[0] ?? 'VALIDATION_FAILED', `${where}: its typical refusal`);
        assert.ok(refusal.schema.allOf[1].properties.code.enum.includes(refusal.example.code), where);
      }
    assert.ok(checked > 100, `${checked} examples checked`);

    // The examples are requests the server takes, not only valid shapes.
    for (const path of ['/api/v1/license-models', '/api/v1/features']) {
      const example = doc.paths[path]!.post!.requestBody!.content['application/json']!.example;
      assert.ok(typeof example === 'object' && example !== null && 'name' in example, path);
      const r = await fetch(`${server().url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server().api.key}` },
        body: JSON.stringify({ ...example, name: `${String(example.name)} ${path}` }),
      });
      assert.equal(r.status, 201, `${path}: ${await r.text()}`);
    }
  });

  it('generates TypeScript types that a small client type-checks against', async () => {
    const doc = (await (await fetch(`${server().url}/api/v1/openapi.json`)).json()) as OpenAPI3;
    const dir = mkdtempSync(join(tmpdir(), 'licentia-client-types-'));
    try {
      writeFileSync(join(dir, 'api.d.ts'), astToString(await openapiTS(doc)));
      writeFileSync(
        join(dir, 'client.ts'),
        [
          "import type { components, paths } from './api.js';",
          "type Account = components['schemas']['Account'];",
          "type NewAccount = paths['/api/v1/accounts']['post']['requestBody']['content']['application/json'];",
          "type Refusal = paths['/api/v1/accounts']['post']['responses']['4XX']['content']['application/problem+json'];",
          "type Page = paths['/api/v1/entitlements']['get']['responses'][200]['content']['application/json'];",
          'export async function createAccount(base: string, key: string, input: NewAccount): Promise<Account> {',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source, written out for the compiler
          "  const r = await fetch(`${base}/api/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });",
          '  if (!r.ok) {',
          '    const problem = (await r.json()) as Refusal;',
          "    const code: 'VALIDATION_FAILED' | 'UNKNOWN_REFERENCE' | string = problem.code;",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source, written out for the compiler
          '    throw new Error(`${problem.status} ${code}: ${problem.detail}`);',
          '  }',
          '  return (await r.json()) as Account;',
          '}',
          'export function firstActivationId(page: Page): string | undefined {',
          '  return page.items[0]?.lineItems[0]?.activationId;',
          '}',
          "const ok: NewAccount = { name: 'Contoso', type: 'customer' };",
          '// @ts-expect-error an account type the API does not know',
          "const wrongType: NewAccount = { name: 'Contoso', type: 'vendor' };",
          '// @ts-expect-error a code no refusal of this operation answers',
          "const wrongCode: Refusal['code'] = 'COUNT_EXCEEDED';",
          'export const examples = [ok, wrongType, wrongCode];',
        ].join('\n'),
      );
      const tsc = spawnSync(
        process.execPath,
        [
          join(process.cwd(), 'node_modules/typescript/bin/tsc'),
          '--noEmit',
          '--strict',
          '--target',
          'es2022',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--lib',
          'es2022,dom',
          join(dir, 'client.ts'),
        ],
        { encoding: 'utf8' },
      );
      assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves a readable reference at /docs without a key, named, with a way back to the portal, under the portal’s policy', async () => {
    const r = await fetch(`${server().url}/docs/`, { redirect: 'follow' });
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.match(html, /swagger-ui/i);
    assert.match(html, /<title>Licentia API reference<\/title>/);
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<\s]/, 'no inline script');
    const portal = await fetch(`${server().url}/sign-in`);
    assert.equal(r.headers.get('content-security-policy'), portal.headers.get('content-security-policy'));
    const bar = await fetch(`${server().url}/docs/static/theme/back-to-portal.js`);
    assert.equal(bar.status, 200);
    assert.match(await bar.text(), /href = '\/portal'/);
  });
});
