import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';

const root = resolve(import.meta.dirname, '..', '..');

/** Every module a file pulls in, transitively, by its relative imports. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      queue.push(join(dirname(file), match[1] as string));
    }
  }
  return seen;
}

it('the client library reaches no server code: not the store, the services or HTTP', () => {
  const files = [...reachable(join(root, 'src/client/index.ts'))].map((f) => relative(root, f));
  assert.ok(files.includes('src/client/verify-offline.ts'), 'the walk follows the imports');
  assert.ok(files.includes('src/licensing/license-file.ts'));
  const forbidden = files.filter(
    (f) => /^src\/(store|services|http|cli)\//.test(f) || f === 'src/config.ts' || f === 'src/server.ts',
  );
  assert.deepEqual(forbidden, []);
});
