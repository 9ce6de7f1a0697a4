import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { PageInfo } from './page-context.ts';

const require = createRequire(import.meta.url);
const ownRoot = join(dirname(fileURLToPath(import.meta.url)), 'assets');

/** Everything a page loads comes from this server: no CDN, no network at run time. */
const files = {
  css: { root: ownRoot, name: 'portal.css', url: '/assets/portal.css' },
  js: { root: ownRoot, name: 'portal.js', url: '/assets/portal.js' },
  icon: { root: ownRoot, name: 'favicon.svg', url: '/assets/favicon.svg' },
  htmx: { root: dirname(require.resolve('htmx.org')), name: 'htmx.min.js', url: '/assets/vendor/htmx.min.js' },
  chart: {
    root: dirname(require.resolve('chart.js')),
    name: 'chart.umd.min.js',
    url: '/assets/vendor/chart.umd.min.js',
  },
} as const;

function fingerprint(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 12);
}

/**
 * Serves the portal's assets. Their URLs carry a hash of the content, so browsers may keep them
 * for a year and still see a new version the moment it ships.
 */
export async function registerAssets(app: FastifyInstance): Promise<PageInfo['assets']> {
  await app.register(fastifyStatic, { root: ownRoot, serve: false, decorateReply: true });
  const urls = {} as Record<keyof typeof files, string>;
  for (const [key, file] of Object.entries(files) as [keyof typeof files, (typeof files)[keyof typeof files]][]) {
    urls[key] = `${file.url}?v=${fingerprint(join(file.root, file.name))}`;
    app.get(file.url, { schema: { hide: true } }, (request, reply) => {
      const versioned = typeof (request.query as Record<string, unknown>).v === 'string';
      return reply.sendFile(file.name, file.root, {
        immutable: versioned,
        maxAge: versioned ? '365d' : '5m',
        cacheControl: true,
      });
    });
  }
  // Browsers ask for this one by name, whatever the page says.
  app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) => reply.redirect(urls.icon, 301));
  return urls;
}
