import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { ActivationAnswerBody } from '../../src/http/schemas/activations.ts';
import { checkReportCounters } from '../../src/services/reports/check-report-counters.ts';
import type { Db } from '../../src/store/database.ts';
import * as accountCounters from '../../src/store/migrations/0018-account-report-counters.ts';
import { activatable } from '../support/activation-fixtures.ts';
import { runCli } from '../support/cli.ts';
import { account, created, partner } from '../support/fixtures.ts';
import type { TestServer } from '../support/server.ts';
import { describeEachBackend } from '../support/suite.ts';

type Step =
  | { kind: 'activate'; item: number; device: number; day: number }
  | { kind: 'return' | 'revoke'; pick: number; day: number }
  | { kind: 'transfer'; day: number };

/** Days from 2026-01-01: about five months, so that ranges cut months and quarters. */
const day = fc.integer({ min: 0, max: 150 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('activate' as const), item: fc.nat(2), device: fc.nat(5), day }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('return' as const, 'revoke' as const), pick: fc.nat(), day }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transfer' as const), day }) },
);

const dateOf = (d: number) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10);

/** Runs `work` with the server's clock at noon of day `d`. */
async function atDay<T>(server: TestServer, d: number, work: () => Promise<T>): Promise<T> {
  const ctx = server.running.ctx as { now: () => Date };
  const realNow = ctx.now;
  ctx.now = () => new Date(`${dateOf(d)}T12:00:00.000Z`);
  try {
    return await work();
  } finally {
    ctx.now = realNow;
  }
}

interface Tally {
  activations: number;
  returns: number;
  revocations: number;
}

describeEachBackend('billing counters', (server) => {
  it('after any mix of activations, returns, revocations, test activations and transfers, the counters equal a recount of the rows, and reports over ranges that cut months equal a count of the activations', async () => {
    const { api } = server();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), fc.tuple(day, day), async (steps, [d1, d2]) => {
        run += 1;
        const p1 = await partner(api);
        const p2 = await partner(api);
        const customer = await account(api, { parentAccountId: p1.id, anonymous: true });
        const channel = {
          channelPartners: [
            { accountId: p1.id, tier: 'tier1' },
            { accountId: p2.id, tier: 'tier2' },
          ],
        };
        const items = [
          await activatable(api, { soldTo: p1.id, quantity: 50, fields: channel }),
          await activatable(api, { soldTo: customer.id, quantity: 50, fields: channel }),
          await activatable(api, { soldTo: customer.id, quantity: 50, state: 'test', fields: channel }),
        ];
        const codes = items.map((i) => i.code);
        const device = api.as(null);
        let transferred = false;
        for (const s of steps) {
          await atDay(server(), s.day, async () => {
            if (s.kind === 'activate') {
              const r = await device.post<ActivationAnswerBody>('/activations', {
                code: codes[s.item],
                fingerprint: `rc-${process.pid}-${run}-${s.device}`,
              });
              assert.ok([200, 201].includes(r.status), r.text);
            } else if (s.kind === 'transfer') {
              if (transferred) return;
              transferred = true;
              const r = await api.post(`/line-items/${codes[0]}/transfer`, {
                accountId: customer.id,
                activations: 'move',
              });
              assert.equal(r.status, 201, r.text);
              codes[0] = r.body.newLineItem.activationId;
            } else {
              const active: { id: string }[] = [];
              for (const owner of [p1.id, customer.id])
                active.push(...(await api.get(`/activations?account=${owner}&state=active&limit=1000`)).body.items);
              if (active.length === 0) return;
              const target = active[s.pick % active.length] as { id: string };
              const r = await api.post(`/activations/${target.id}/${s.kind}`);
              assert.equal(r.status, 200, r.text);
            }
          });
        }

        const check = await checkReportCounters(server().running.ctx);
        assert.deepEqual(check.disagreements, []);

        const [from, to] = [dateOf(Math.min(d1, d2)), dateOf(Math.max(d1, d2))];
        const expected = new Map<string, Tally>();
        const tally = (accountId: string, at: string, field: keyof Tally) => {
          if (at.slice(0, 10) < from || at.slice(0, 10) > to) return;
          const id = `${accountId} ${at.slice(0, 7)}`;
          const t = expected.get(id) ?? { activations: 0, returns: 0, revocations: 0 };
          t[field] += 1;
          expected.set(id, t);
        };
        for (const owner of [p1.id, customer.id]) {
          const rows = (await api.get(`/activations?account=${owner}&limit=1000`)).body.items;
          for (const a of rows) {
            if (a.test) continue;
            tally(a.accountId, a.issuedAt, 'activations');
            if (a.state === 'returned') tally(a.accountId, a.endedAt, 'returns');
            if (a.state === 'revoked') tally(a.accountId, a.endedAt, 'revocations');
          }
        }
        const report = await api.get(`/reports/activations?groupBy=account&period=month&from=${from}&to=${to}`);
        assert.equal(report.status, 200, report.text);
        const answered = new Map<string, Tally>();
        for (const r of report.body.items)
          if (r.accountId === p1.id || r.accountId === customer.id)
            answered.set(`${r.accountId} ${r.period}`, {
              activations: r.activations,
              returns: r.returns,
              revocations: r.revocations,
            });
        assert.deepEqual(Object.fromEntries(answered), Object.fromEntries(expected), `${from} … ${to}`);
      }),
      { numRuns: 12 },
    );
  });

  it('migration 0018 fills the per-account counters from the rows there are, as the writes keep them', async () => {
    const { api, running } = server();
    const customer = await account(api);
    const { code } = await activatable(api, { soldTo: customer.id, quantity: 5 });
    const device = api.as(null);
    const made = await Promise.all(
      [1, 2, 3].map((n) => created(device.post<ActivationAnswerBody>('/activations', { code, fingerprint: `m${n}` }))),
    );
    assert.equal((await api.post(`/activations/${made[0]?.activation.id}/return`)).status, 200);
    const db = running.ctx.store.db as unknown as Parameters<typeof accountCounters.up>[0];
    const kept = (
      await sql<
        Record<string, unknown>
      >`select * from report_account_counters order by test, month, account_id`.execute(running.ctx.store.db as Db)
    ).rows;
    await accountCounters.down(db);
    await accountCounters.up(db);
    const filled = (
      await sql<
        Record<string, unknown>
      >`select * from report_account_counters order by test, month, account_id`.execute(running.ctx.store.db as Db)
    ).rows;
    // The writes may leave a counter at zero (activations moved away by a transfer); the fill makes none.
    const counted = (rows: Record<string, unknown>[]) =>
      rows
        .map((r) => ({ ...r, issued: Number(r.issued), returned: Number(r.returned), revoked: Number(r.revoked) }))
        .filter((r) => r.issued !== 0 || r.returned !== 0 || r.revoked !== 0);
    assert.deepEqual(counted(filled), counted(kept));
    assert.ok(filled.some((r) => r.account_id === customer.id && Number(r.issued) === 3 && Number(r.returned) === 1));
    assert.deepEqual((await checkReportCounters(running.ctx)).disagreements, []);
  });

  it('counts concurrent activations and returns of one account and product exactly', async () => {
    const { api, running } = server();
    const customer = await account(api);
    const items = [
      await activatable(api, { soldTo: customer.id, quantity: 40 }),
      await activatable(api, { soldTo: customer.id, quantity: 40 }),
    ];
    const device = api.as(null);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        device.post<ActivationAnswerBody>('/activations', {
          code: items[n % 2]?.code,
          fingerprint: `concurrent-${process.pid}-${n}`,
        }),
      ),
    );
    for (const r of answers) assert.equal(r.status, 201, r.text);
    const ended = await Promise.all(
      answers
        .slice(0, 12)
        .map((r, n) => api.post(`/activations/${r.body.activation.id}/${n % 3 ? 'return' : 'revoke'}`)),
    );
    for (const r of ended) assert.equal(r.status, 200, r.text);
    assert.deepEqual((await checkReportCounters(running.ctx)).disagreements, []);
    const month = new Date().toISOString().slice(0, 10);
    const rows = (await api.get(`/reports/activations?groupBy=account&from=${month}&to=${month}`)).body.items;
    const row = rows.find((r: { accountId: string }) => r.accountId === customer.id);
    assert.deepEqual([row.activations, row.returns, row.revocations], [30, 8, 4]);
    // The default range ends today: this month from its counters less the rows after today.
    const byDefault = (await api.get('/reports/activations?groupBy=account')).body.items;
    const thisMonth = byDefault.find(
      (r: { accountId: string; period: string }) => r.accountId === customer.id && r.period === month.slice(0, 7),
    );
    assert.deepEqual([thisMonth.activations, thisMonth.returns, thisMonth.revocations], [30, 8, 4]);
  });

  it('deleting a test entitlement takes its activations out of the counters; `licentia reports check` names a counter that disagrees', async () => {
    const { api, running, databaseUrl } = server();
    const customer = await account(api);
    const test = await activatable(api, { soldTo: customer.id, state: 'test' });
    await created(api.as(null).post('/activations', { code: test.code, fingerprint: 'counted-test' }));
    await created(api.as(null).post('/activations', { code: test.code, fingerprint: 'counted-test-2' }));
    assert.deepEqual((await checkReportCounters(running.ctx)).disagreements, []);
    const counted = async () =>
      Number(
        (
          await sql<{
            n: number | string | null;
          }>`select sum(n) as n from report_counters where account_id = ${customer.id}`.execute(running.ctx.store.db)
        ).rows[0]?.n ?? 0,
      );
    assert.equal(await counted(), 2);
    assert.equal((await api.delete(`/entitlements/${test.entitlement.id}`)).status, 204);
    assert.equal(await counted(), 0);
    assert.deepEqual((await checkReportCounters(running.ctx)).disagreements, []);

    const agreed = runCli(['reports', 'check'], { env: { DATABASE_URL: databaseUrl } });
    assert.equal(agreed.status, 0, agreed.stderr);
    assert.match(agreed.stdout, /billing counters agree with the rows/);

    const sold = await activatable(api, { soldTo: customer.id });
    await created(api.as(null).post('/activations', { code: sold.code, fingerprint: 'counted' }));
    await sql`update report_counters set n = n + 1 where account_id = ${customer.id}`.execute(running.ctx.store.db);
    const disagreed = runCli(['reports', 'check'], { env: { DATABASE_URL: databaseUrl } });
    assert.equal(disagreed.status, 1, disagreed.stdout);
    assert.match(disagreed.stderr, new RegExp(`issued tier1=- tier2=- account=${customer.id} .*: counted 2, rows 1`));
    await sql`update report_counters set n = n - 1 where account_id = ${customer.id}`.execute(running.ctx.store.db);
    assert.equal(runCli(['reports', 'check'], { env: { DATABASE_URL: databaseUrl } }).status, 0);

    // The per-account counters (the producer's report by account) are recounted too.
    await sql`update report_account_counters set issued = issued + 3 where account_id = ${customer.id} and test = 0`.execute(
      running.ctx.store.db,
    );
    const perAccount = runCli(['reports', 'check'], { env: { DATABASE_URL: databaseUrl } });
    assert.equal(perAccount.status, 1, perAccount.stdout);
    assert.match(perAccount.stderr, new RegExp(`issued account=${customer.id} \\(per account\\): counted 4, rows 1`));
    await sql`update report_account_counters set issued = issued - 3 where account_id = ${customer.id} and test = 0`.execute(
      running.ctx.store.db,
    );
    assert.equal(runCli(['reports', 'check'], { env: { DATABASE_URL: databaseUrl } }).status, 0);
  });
});
