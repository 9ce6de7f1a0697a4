// The layer rules of ARCHITECTURE.md, checked on every `npm test` (and `npm run deps`).
// A rule broken here is a design decision to discuss, not a line to add to an exception list.

/** Everything of the server that a layer below it, or the client library, must not reach. */
const server = '^src/(store|services|interface|http|web|cli)/|^src/(config|server|logger)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A module cycle makes layers meaningless and load order fragile.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'src/domain holds types, states and rules; it imports nothing of ours but itself.',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'domain-does-no-io',
      severity: 'error',
      comment: 'src/domain does no I/O: no node built-ins, no database, no network.',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'licensing-touches-no-database',
      severity: 'error',
      comment: 'src/licensing (shared with the client) knows tokens and files, not the server.',
      from: { path: '^src/licensing/' },
      to: { path: server },
    },
    {
      name: 'store-below-services',
      severity: 'error',
      comment: 'src/store writes SQL and maps rows; it never calls a service or knows a front door.',
      from: { path: '^src/store/' },
      to: { path: '^src/(services|interface|http|web|cli)/|^src/server\\.ts$' },
    },
    {
      name: 'services-know-no-http',
      severity: 'error',
      comment: 'A service is a use case; the API and the portal call it, never the reverse.',
      from: { path: '^src/services/' },
      to: { path: '^src/(interface|http|web|cli)/|^src/server\\.ts$' },
    },
    {
      name: 'interface-is-neutral',
      severity: 'error',
      comment: 'src/interface is what the API and the portal share; it imports neither of them.',
      from: { path: '^src/interface/' },
      to: { path: '^src/(http|web|cli)/|^src/server\\.ts$' },
    },
    {
      name: 'http-is-not-web',
      severity: 'error',
      comment: 'The API and the portal are siblings composed in src/server.ts; what both need is in src/interface.',
      from: { path: '^src/http/' },
      to: { path: '^src/(web|cli)/|^src/server\\.ts$' },
    },
    {
      name: 'web-is-not-http',
      severity: 'error',
      comment: 'The portal and the API are siblings composed in src/server.ts; what both need is in src/interface.',
      from: { path: '^src/web/' },
      to: { path: '^src/(http|cli)/|^src/server\\.ts$' },
    },
    {
      name: 'client-is-not-server',
      severity: 'error',
      comment: 'src/client is embedded in applications: it may use src/licensing and src/domain, nothing of the server.',
      from: { path: '^src/client/' },
      to: { path: server },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/web/assets/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
