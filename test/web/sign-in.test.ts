import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PASSWORD, portalUser } from '../support/browser.ts';
import { postSignIn } from '../support/portal-client.ts';
import { describeEachBackend } from '../support/suite.ts';

/** A password sign-in from the client address `from` (the server trusts X-Forwarded-For here). */
function signIn(baseUrl: string, from: string, email: string, password: string): Promise<Response> {
  return postSignIn(baseUrl, email, password, { 'x-forwarded-for': from });
}

describeEachBackend(
  'portal sign-in throttling',
  (server) => {
    it('stops an address after ten wrong passwords for an account, without locking the person out from elsewhere', async () => {
      const { api, url } = server();
      const user = await portalUser(api, 'operator');
      const other = await portalUser(api, 'operator');
      for (let i = 0; i < 10; i++)
        assert.equal((await signIn(url, '198.51.100.7', user.email, 'not the password')).status, 401);
      const stopped = await signIn(url, '198.51.100.7', user.email, PASSWORD);
      assert.equal(stopped.status, 429, 'even the right password, from that address');
      assert.ok(Number(stopped.headers.get('retry-after')) > 60);
      assert.match(await stopped.text(), /Too many failed sign-ins for this account/);
      assert.equal(
        (await signIn(url, '203.0.113.9', user.email, PASSWORD)).status,
        303,
        'the person, elsewhere, still signs in',
      );
      assert.equal(
        (await signIn(url, '198.51.100.7', other.email, PASSWORD)).status,
        303,
        'and others from that address too',
      );
    });

    it('stops an account guessed at from many addresses after fifty wrong passwords', async () => {
      const { api, url } = server();
      const user = await portalUser(api, 'operator');
      for (let i = 0; i < 50; i++)
        assert.equal((await signIn(url, `192.0.2.${i % 10}`, user.email, `guess ${i}`)).status, 401);
      assert.equal((await signIn(url, '203.0.113.50', user.email, PASSWORD)).status, 429);
    });
  },
  { trustProxy: true },
);
