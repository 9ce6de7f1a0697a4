import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, apiKey, assertProblem, created, partner } from '../support/fixtures.ts';
import { describeEachBackend } from '../support/suite.ts';

let emails = 0;
const email = (name = 'user') => `${name}-${process.pid}-${++emails}@example.com`;

describeEachBackend('portal users', (server) => {
  it('creates a user with a hashed password, never shown again', async () => {
    const { api, running } = server();
    const address = email('Dana');
    const user = await created(
      api.post('/users', {
        email: address.toUpperCase(),
        name: '  Dana Admin ',
        role: 'admin',
        password: 'correct horse battery',
      }),
    );
    assert.match(user.id, /^usr_/);
    assert.equal(user.email, address.toLowerCase(), 'emails are kept in lower case');
    assert.equal(user.name, 'Dana Admin');
    assert.equal(user.hasPassword, true);
    assert.equal(user.accountId, null);
    assert.ok(!('password' in user));
    const row = await running.ctx.store.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.match(row.password_hash ?? '', /^scrypt\$32768\$8\$1\$/);
    assert.ok(!row.password_hash?.includes('correct horse'));
    const events = await api.get(`/events?subjectId=${user.id}`);
    assert.equal(events.body.items[0]!.action, 'user.created');
    assert.ok(!JSON.stringify(events.body).includes('scrypt'), 'no hash in the audit log');
    assert.equal((await api.get(`/users/${user.id}`)).body.email, address.toLowerCase());
  });

  it('refuses bad users and stores nothing', async () => {
    const { api } = server();
    const p = await partner(api);
    const c = await account(api);
    const anonymous = await account(api, { parentAccountId: p.id, anonymous: true });
    const before = (await api.get('/users?limit=1000')).body.items.length;
    const taken = email();
    await created(api.post('/users', { email: taken, name: 'Taken', role: 'operator' }));
    assertProblem(
      await api.post('/users', { email: taken.toUpperCase(), name: 'Again', role: 'operator' }),
      409,
      'ALREADY_EXISTS',
    );
    assertProblem(
      await api.post('/users', { email: 'not-an-email', name: 'X', role: 'operator' }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(
      await api.post('/users', { email: email(), name: 'X', role: 'operator', password: 'short' }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(await api.post('/users', { email: email(), name: ' ', role: 'operator' }), 400, 'VALIDATION_FAILED');
    assertProblem(await api.post('/users', { email: email(), name: 'X', role: 'root' }), 400, 'VALIDATION_FAILED');
    assertProblem(await api.post('/users', { email: email(), name: 'X', role: 'partner' }), 400, 'VALIDATION_FAILED');
    assertProblem(
      await api.post('/users', { email: email(), name: 'X', role: 'partner', accountId: c.id }),
      422,
      'UNPROCESSABLE',
    );
    assertProblem(
      await api.post('/users', { email: email(), name: 'X', role: 'customer', accountId: 'acc_missing' }),
      422,
      'UNKNOWN_REFERENCE',
    );
    assertProblem(
      await api.post('/users', { email: email(), name: 'X', role: 'admin', accountId: p.id }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(
      await api.post('/users', { email: email(), name: 'X', role: 'customer', accountId: anonymous.id }),
      422,
      'UNPROCESSABLE',
    );
    assertProblem(
      await api.post('/users', { email: email(), name: 'X', role: 'operator', extra: 1 }),
      400,
      'VALIDATION_FAILED',
    );
    assert.equal((await api.get('/users?limit=1000')).body.items.length, before + 1);
  });

  it('stores names with quotes and SQL verbatim', async () => {
    const { api } = server();
    const name = `O'Brien "Bobby"; DROP TABLE users;--`;
    const user = await created(api.post('/users', { email: email(), name, role: 'operator' }));
    assert.equal((await api.get(`/users/${user.id}`)).body.name, name);
  });

  it('lets a partner manage its colleagues and its named customers, and nobody else', async () => {
    const { api } = server();
    const p = await partner(api);
    const q = await partner(api);
    const customer = await account(api, { parentAccountId: p.id });
    const partnerApi = api.as(await apiKey(api, 'partner', p.id));
    const colleague = await created(
      partnerApi.post('/users', { email: email(), name: 'Colleague', role: 'partner', accountId: p.id }),
    );
    const client = await created(
      partnerApi.post('/users', { email: email(), name: 'Client', role: 'customer', accountId: customer.id }),
    );
    const stranger = await created(
      api.post('/users', { email: email(), name: 'Stranger', role: 'partner', accountId: q.id }),
    );
    assertProblem(await partnerApi.post('/users', { email: email(), name: 'X', role: 'operator' }), 403, 'FORBIDDEN');
    const listed = (await partnerApi.get('/users')).body.items.map((u) => u.id).sort();
    assert.deepEqual(listed, [colleague.id, client.id].sort());
    assertProblem(await partnerApi.get(`/users/${stranger.id}`), 404, 'NOT_FOUND');
    assert.equal((await partnerApi.get(`/users?accountId=${customer.id}`)).body.items.length, 1);
  });

  it('disables and enables a user, and filters the list', async () => {
    const { api } = server();
    const user = await created(api.post('/users', { email: email('filter'), name: 'Op', role: 'operator' }));
    const disabled = await api.patch(`/users/${user.id}`, { disabled: true });
    assert.equal(disabled.status, 200);
    assert.ok(disabled.body.disabledAt);
    assertProblem(await api.post(`/users/${user.id}/sign-in-links`), 409, 'INVALID_STATE');
    const enabled = await api.patch(`/users/${user.id}`, { disabled: false, name: 'Operator' });
    assert.equal(enabled.body.disabledAt, null);
    assert.equal(enabled.body.name, 'Operator');
    assert.ok(
      (await api.get(`/users?role=operator&email=${encodeURIComponent(user.email.slice(0, 12))}`)).body.items.some(
        (u) => u.id === user.id,
      ),
    );
    assertProblem(await api.patch(`/users/${user.id}`, { disabled: 'yes' }), 400, 'VALIDATION_FAILED');
    assertProblem(await api.patch('/users/usr_missing', { disabled: true }), 404, 'NOT_FOUND');
    assertProblem(await api.get('/users?role=root'), 400, 'VALIDATION_FAILED');
  });

  it('makes one-use sign-in links on the public address', async () => {
    const { api, url } = server();
    const user = await created(api.post('/users', { email: email(), name: 'Linked', role: 'operator' }));
    const link = await created(api.post(`/users/${user.id}/sign-in-links`));
    assert.equal(link.userId, user.id);
    assert.ok(link.url.startsWith(`${url}/sign-in/link/`), link.url);
    assert.ok(Date.parse(link.expiresAt) > Date.now() + 71 * 3600_000);
    const events = await api.get(`/events?subjectId=${user.id}`);
    assert.ok(
      !JSON.stringify(events.body).includes(link.url.split('/').at(-1)!),
      'the link secret is not in the audit log',
    );
    assertProblem(await api.post('/users/usr_missing/sign-in-links'), 404, 'NOT_FOUND');
  });
});
