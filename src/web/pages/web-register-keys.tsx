import { counted } from '../../domain/words.ts';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Account } from '../../domain/accounts.ts';
import type { Actor } from '../../domain/actors.ts';
import { keyStates } from '../../domain/bulk.ts';
import { AppError } from '../../domain/errors.ts';
import { csvLines } from '../../interface/key-csv.ts';
import { KeyLoadJsonBody, SplitStockInput, VoidKeysInput } from '../../interface/schemas/web-register-keys-inputs.ts';
import { getAccount, listAccounts } from '../../services/accounts/read-accounts.ts';
import { keySourceFromJson } from '../../services/bulk/key-source.ts';
import { loadWebRegisterKeys, mayLoadKeys } from '../../services/bulk/load-web-register-keys.ts';
import { listStockSplits } from '../../services/bulk/read-stock.ts';
import { exportWebRegisterKeys, listWebRegisterKeys } from '../../services/bulk/read-web-register-keys.ts';
import { maySplitStock, splitBulkEntitlement } from '../../services/bulk/split-bulk-entitlement.ts';
import {
  mayVoidKeys,
  MAX_VOIDED_AT_ONCE,
  voidUnredeemedKeys,
  voidWebRegisterKeys,
} from '../../services/bulk/void-web-register-keys.ts';
import { getProduct } from '../../services/catalog/read-catalog.ts';
import { getEntitlement } from '../../services/entitlements/read-entitlements.ts';
import { type RefusedKey, keysPath, loadedMessage, refusedKeysOf, withKeyList } from '../components/keys.tsx';
import { type FormBody, textOf } from '../forms.ts';
import { signedIn } from '../session.ts';
import { type Web, parseQuery, submit } from '../web.ts';
import { keyUploadRoute } from './key-upload.tsx';
import { visibleEntitlements } from './stock.tsx';
import type { Forms, KeysView } from './web-register-key-forms.tsx';
import { KeysPage } from './web-register-keys-page.tsx';
import { csvReply } from '../../interface/csv-reply.ts';

const KEYS_PER_PAGE = 50;

const KeysQuery = Type.Object({
  state: Type.Optional(Type.Enum(keyStates)),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});

const VoidCountForm = Type.Object(
  { count: Type.Integer({ minimum: 1, maximum: MAX_VOIDED_AT_ONCE }) },
  { additionalProperties: false },
);

/** Account names the viewer may see; others stay unnamed (a partner never learns another partner's name). */
async function visibleNames(web: Web, actor: Actor, ids: (string | undefined)[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(ids.filter((i): i is string => i !== undefined))) {
    try {
      names.set(id, (await getAccount(web.ctx, actor, id)).name);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'NOT_FOUND') throw error;
    }
  }
  return names;
}

/** The API's wording speaks of `?partial=true`; the page has a box to tick instead. */
function refusal(error: unknown, field: string, box: string | undefined): unknown {
  const keys = refusedKeysOf(error);
  if (!(error instanceof AppError) || !keys) return error;
  const message = `${counted(keys.length, 'key')} refused, so nothing changed${box ? `; tick “${box}” to go ahead with the others` : ''}.`;
  return new AppError(error.code, message, { fields: [{ field, message }], extensions: error.extensions });
}

export async function webRegisterKeyPages(web: Web): Promise<void> {
  const { app, ctx, render } = web;

  const view = async (request: FastifyRequest, id: string, forms: Forms): Promise<KeysView> => {
    const { actor } = signedIn(request);
    const query = request.method === 'GET' ? parseQuery(KeysQuery, request) : {};
    // The keys first: customers (403) and other partners (404) are refused by the service itself.
    const keys = await listWebRegisterKeys(
      ctx,
      actor,
      id,
      { state: query.state },
      { cursor: query.cursor, limit: KEYS_PER_PAGE },
    );
    const entitlement = await getEntitlement(ctx, actor, id);
    const product = entitlement.productId ? await getProduct(ctx, actor, entitlement.productId) : undefined;
    const splits = (await listStockSplits(ctx, actor, id, { limit: 100 })).items;
    const may = {
      load: mayLoadKeys(actor),
      void: mayVoidKeys(actor),
      split: maySplitStock(actor, entitlement.channelPartners),
    };
    const holders = entitlement.channelPartners.filter((p) => p.tier !== 'endCustomer').map((p) => p.accountId);
    let partners: Account[] = [];
    if (may.split) {
      const tier1 = entitlement.channelPartners.find((p) => p.tier === 'tier1')?.accountId;
      partners = (await listAccounts(ctx, actor, { type: 'partner' }, { limit: 1000 })).items.filter(
        (a) => a.id !== tier1,
      );
    }
    const parentVisible = (await visibleEntitlements(ctx, actor, [entitlement.parentEntitlementId])).size > 0;
    const names = await visibleNames(web, actor, [
      ...holders,
      ...splits.flatMap((s) => s.channelPartners.map((p) => p.accountId)),
    ]);
    return {
      entitlement,
      productLabel: product ? `${product.name} ${product.version}` : 'No product',
      keys,
      query: { state: query.state, cursor: query.cursor },
      splits,
      names,
      may,
      parentVisible,
      partnerOptions: partners.map((a) => ({ value: a.id, label: a.name })),
      uploadLimitBytes: ctx.config.keyUploadLimitBytes,
      forms,
    };
  };

  const page = async (request: FastifyRequest, reply: FastifyReply, id: string, forms: Forms = {}, status?: number) =>
    render.page(request, reply, <KeysPage view={await view(request, id, forms)} />, { status });

  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const partialOf = (request: FastifyRequest) => textOf((request.body ?? {}) as FormBody, '_partial') === 'true';

  app.get('/entitlements/:id/keys', async (request, reply) => page(request, reply, idOf(request)));

  await keyUploadRoute(web);

  app.post('/entitlements/:id/keys/paste', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    let refused: RefusedKey[] | undefined;
    request.body = withKeyList((request.body ?? {}) as FormBody, 'keys');
    return submit(web, request, reply, {
      schema: KeyLoadJsonBody,
      run: async (input) => {
        try {
          return await loadWebRegisterKeys(ctx, actor, id, keySourceFromJson(input), { partial: partialOf(request) });
        } catch (error) {
          refused = refusedKeysOf(error);
          throw refusal(error, 'keys', 'Add the good keys and skip the rejected ones');
        }
      },
      done: (result) =>
        render.redirect(reply, keysPath(result.entitlementId), loadedMessage(result.added, result.rejected.length)),
      again: async (state) => (
        <KeysPage
          view={await view(request, id, { paste: state, refused: refused && { form: 'paste', keys: refused } })}
        />
      ),
    });
  });

  app.post('/entitlements/:id/keys/generate', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: KeyLoadJsonBody,
      run: (input) => loadWebRegisterKeys(ctx, actor, id, keySourceFromJson(input), { partial: false }),
      done: (result) =>
        render.redirect(reply, keysPath(result.entitlementId), `Generated ${result.added.toLocaleString('en')} keys.`),
      again: async (state) => <KeysPage view={await view(request, id, { generate: state })} />,
    });
  });

  app.get('/entitlements/:id/keys/export', async (request, reply) => {
    const { actor } = signedIn(request);
    const query = parseQuery(KeysQuery, request);
    const exported = await exportWebRegisterKeys(ctx, actor, idOf(request), { state: query.state });
    const name = `${exported.entitlementId}-${query.state ?? 'all'}-keys.csv`;
    return csvReply(reply, name, { noStore: true }).send(Readable.from(csvLines(exported.batches)));
  });

  app.post('/entitlements/:id/keys/void', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    let refused: RefusedKey[] | undefined;
    request.body = withKeyList((request.body ?? {}) as FormBody, 'keys');
    return submit(web, request, reply, {
      schema: VoidKeysInput,
      run: async (input) => {
        try {
          return await voidWebRegisterKeys(ctx, actor, id, input.keys, { partial: partialOf(request) });
        } catch (error) {
          refused = refusedKeysOf(error);
          throw refusal(error, 'keys', 'Void the others if some cannot be voided');
        }
      },
      done: (result) =>
        render.redirect(
          reply,
          keysPath(id),
          `Voided ${counted(result.voided, 'key')}.${
            result.rejected.length > 0
              ? ` ${result.rejected.length} could not be voided: ${result.rejected
                  .map((r) => r.key)
                  .slice(0, 10)
                  .join(', ')}.`
              : ''
          }`,
        ),
      again: async (state) => (
        <KeysPage
          view={await view(request, id, { void: state, refused: refused && { form: 'void', keys: refused } })}
        />
      ),
    });
  });

  app.post('/entitlements/:id/keys/void-count', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    return submit(web, request, reply, {
      schema: VoidCountForm,
      run: (input) => voidUnredeemedKeys(ctx, actor, id, input.count),
      done: (result) => render.redirect(reply, keysPath(id), `Voided ${counted(result.voided, 'key')}.`),
      again: async (state) => <KeysPage view={await view(request, id, { voidCount: state })} />,
    });
  });

  app.post('/entitlements/:id/keys/split', async (request, reply) => {
    const { actor } = signedIn(request);
    const id = idOf(request);
    let refused: RefusedKey[] | undefined;
    const body = withKeyList((request.body ?? {}) as FormBody, 'keys');
    // Left blank, the list is not part of the request (the count is, then).
    if ((body.keys as string[]).length === 0) delete body.keys;
    request.body = body;
    return submit(web, request, reply, {
      schema: SplitStockInput,
      run: async (input) => {
        try {
          return await splitBulkEntitlement(ctx, actor, id, input);
        } catch (error) {
          refused = refusedKeysOf(error);
          throw refusal(error, 'keys', undefined);
        }
      },
      done: (created) => {
        const moved = created.webRegisterKeys?.total ?? 0;
        return render.redirect(
          reply,
          keysPath(created.id),
          `Moved ${counted(moved, 'key')} from ${id} into this new bulk entitlement.`,
        );
      },
      again: async (state) => (
        <KeysPage
          view={await view(request, id, { split: state, refused: refused && { form: 'split', keys: refused } })}
        />
      ),
    });
  });
}
