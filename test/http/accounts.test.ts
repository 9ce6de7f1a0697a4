import assert from 'node:assert/strict';
import { it } from 'node:test';
import { account, apiKey, assertProblem, partner } from '../support/fixtures.ts';
import type { ApiResponse } from '../support/http.ts';
import { describeEachBackend } from '../support/suite.ts';
import type { AccountBody, ContactBody } from '../../src/http/schemas/entities.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';

describeEachBackend('accounts', (server) => {
  it('creates, reads, lists and renames accounts', async () => {
    const { api } = server();
    const p = await partner(api, { name: 'Distribution GmbH' });
    assert.match(p.id, /^acc_[0-9a-f]{32}$/);
    assert.deepEqual(
      { name: p.name, type: p.type, parentAccountId: p.parentAccountId, anonymous: p.anonymous },
      { name: 'Distribution GmbH', type: 'partner', parentAccountId: null, anonymous: false },
    );
    const child = await account(api, { parentAccountId: p.id, anonymous: true, name: 'Customer 17' });
    assert.equal(child.anonymous, true);
    assert.equal(child.parentAccountId, p.id);
    assert.deepEqual((await api.get<AccountBody>(`/accounts/${child.id}`)).body, child);
    const list = await api.get<PageBody<AccountBody>>(`/accounts?parentAccountId=${p.id}`);
    assert.deepEqual(
      list.body.items.map((a) => a.id),
      [child.id],
    );
    const renamed = await api.patch<AccountBody>(`/accounts/${child.id}`, { name: 'Customer 18' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'Customer 18');
    assert.equal(
      (await api.get<PageBody<AccountBody>>(`/accounts?anonymous=true&name=customer 18`)).body.items.length,
      1,
    );
  });

  it('keeps strings with quotes and SQL fragments verbatim', async () => {
    const { api } = server();
    const name = `O'Brien "Ltd"; DROP TABLE accounts; -- \\ % _ 漢字 🙂`;
    const a = await account(api, { name });
    assert.equal((await api.get<AccountBody>(`/accounts/${a.id}`)).body.name, name);
    const found = await api.get<PageBody<AccountBody>>(`/accounts?name=${encodeURIComponent('O\'Brien "Ltd"; DROP')}`);
    assert.deepEqual(
      found.body.items.map((x) => x.id),
      [a.id],
    );
    assert.equal(
      (await api.get<PageBody<AccountBody>>(`/accounts?name=${encodeURIComponent('%')}`)).body.items.some(
        (x) => x.id === a.id,
      ),
      true,
    );
  });

  it('refuses anonymous accounts that are not customers of a partner', async () => {
    const { api } = server();
    const c = await account(api);
    assertProblem(await api.post('/accounts', { name: 'x', type: 'customer', anonymous: true }), 422, 'UNPROCESSABLE');
    assertProblem(
      await api.post('/accounts', { name: 'x', type: 'customer', anonymous: true, parentAccountId: c.id }),
      422,
      'UNPROCESSABLE',
    );
    const p = await partner(api);
    assertProblem(
      await api.post('/accounts', { name: 'x', type: 'partner', anonymous: true, parentAccountId: p.id }),
      422,
      'UNPROCESSABLE',
    );
  });

  it('refuses bad input with problem documents and changes nothing', async () => {
    const { api } = server();
    const before = (await api.get<PageBody<AccountBody>>('/accounts?limit=1000')).body.items.length;
    assertProblem(await api.post('/accounts', { name: 'x', type: 'reseller' }), 400, 'VALIDATION_FAILED');
    assertProblem(await api.post('/accounts', { type: 'customer' }), 400, 'VALIDATION_FAILED');
    assertProblem(await api.post('/accounts', { name: '   ', type: 'customer' }), 400, 'VALIDATION_FAILED');
    assertProblem(await api.post('/accounts', { name: 42, type: 'customer' }), 400, 'VALIDATION_FAILED');
    assertProblem(
      await api.post('/accounts', { name: 'x', type: 'customer', anonymous: 'yes' }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(
      await api.post('/accounts', { name: 'x', type: 'customer', parentAccountId: 'acc_nope' }),
      422,
      'UNKNOWN_REFERENCE',
    );
    assertProblem(await api.post('/accounts', { name: 'a\u0000b', type: 'customer' }), 400, 'VALIDATION_FAILED');
    assertProblem(await api.get('/accounts/acc_nope'), 404, 'NOT_FOUND');
    assertProblem(await api.patch('/accounts/acc_nope', { name: 'x' }), 404, 'NOT_FOUND');
    assertProblem(await api.get('/accounts?limit=1001'), 400, 'VALIDATION_FAILED');
    assertProblem(await api.get('/accounts?cursor=bogus'), 400, 'VALIDATION_FAILED');
    assert.equal((await api.get<PageBody<AccountBody>>('/accounts?limit=1000')).body.items.length, before);
  });

  it('refuses a parent cycle', async () => {
    const { api } = server();
    const a = await partner(api);
    const b = await partner(api, { parentAccountId: a.id });
    assertProblem(await api.patch(`/accounts/${a.id}`, { parentAccountId: b.id }), 422, 'UNPROCESSABLE');
    assertProblem(await api.patch(`/accounts/${a.id}`, { parentAccountId: a.id }), 422, 'UNPROCESSABLE');
  });

  it('refuses a parent cycle made of moves sent at once', async () => {
    const { api } = server();
    for (let round = 0; round < 5; round++) {
      const a = await account(api);
      const b = await account(api);
      const moves = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0
            ? api.patch<AccountBody>(`/accounts/${a.id}`, { parentAccountId: b.id })
            : api.patch<AccountBody>(`/accounts/${b.id}`, { parentAccountId: a.id }),
        ),
      );
      assert.deepEqual(
        moves.filter((r) => r.status !== 200 && r.status !== 422).map((r) => r.text),
        [],
      );
      const parents = [
        (await api.get<AccountBody>(`/accounts/${a.id}`)).body.parentAccountId,
        (await api.get<AccountBody>(`/accounts/${b.id}`)).body.parentAccountId,
      ];
      assert.ok(parents.includes(null), `a cycle: ${a.id} → ${parents[0]}, ${b.id} → ${parents[1]}`);
    }
  });

  it('gives contacts to named accounts, never to anonymous ones', async () => {
    const { api } = server();
    const p = await partner(api);
    const contact = await api.post<ContactBody>(`/accounts/${p.id}/contacts`, {
      name: 'Ada',
      email: 'ada@example.com',
    });
    assert.equal(contact.status, 201);
    assert.match(contact.body.id, /^con_/);
    assert.deepEqual((await api.get<PageBody<ContactBody>>(`/accounts/${p.id}/contacts`)).body.items, [contact.body]);
    const anon = await account(api, { parentAccountId: p.id, anonymous: true });
    assertProblem(
      await api.post(`/accounts/${anon.id}/contacts`, { name: 'Bob', email: 'bob@example.com' }),
      422,
      'UNPROCESSABLE',
    );
    assertProblem(
      await api.post(`/accounts/${p.id}/contacts`, { name: 'Bob', email: 'not-an-email' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('lets a partner create and see its own customers only', async () => {
    const { api } = server();
    const p1 = await partner(api);
    const p2 = await partner(api);
    const p1Api = api.as(await apiKey(api, 'partner', p1.id));
    const mine = await p1Api.post<AccountBody>('/accounts', {
      name: 'End customer',
      type: 'customer',
      anonymous: true,
    });
    assert.equal(mine.status, 201);
    assert.equal(mine.body.parentAccountId, p1.id);
    assertProblem(await p1Api.post('/accounts', { name: 'x', type: 'partner' }), 403, 'FORBIDDEN');
    assertProblem(
      await p1Api.post('/accounts', { name: 'x', type: 'customer', parentAccountId: p2.id }),
      403,
      'FORBIDDEN',
    );
    assertProblem(await p1Api.get(`/accounts/${p2.id}`), 404, 'NOT_FOUND');
    const visible = (await p1Api.get<PageBody<AccountBody>>('/accounts?limit=1000')).body.items.map((a) => a.id).sort();
    assert.deepEqual(visible, [p1.id, mine.body.id].sort());
    assertProblem(await p1Api.patch(`/accounts/${p1.id}`, { name: 'renamed' }), 403, 'FORBIDDEN');
    assert.equal((await p1Api.patch<AccountBody>(`/accounts/${mine.body.id}`, { name: 'renamed' })).status, 200);
  });

  it('pages through accounts with cursors', async () => {
    const { api } = server();
    const parent = await partner(api);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await account(api, { parentAccountId: parent.id })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse<PageBody<AccountBody>> = await api.get<PageBody<AccountBody>>(
        `/accounts?parentAccountId=${parent.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.ok(page.body.items.length <= 2);
      seen.push(...page.body.items.map((a) => a.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ids);
  });
});
