import { counted } from '../../domain/words.ts';
import type { FastifyError } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../domain/errors.ts';
import { statusOfError, toAppError } from '../../interface/problem.ts';
import { acceptSpooledText } from '../../interface/spooled-upload.ts';
import { type KeyLoadResult, loadWebRegisterKeys } from '../../services/bulk/load-web-register-keys.ts';
import { type RefusedKey, RejectedKeys, keysPath, loadedMessage, refusedKeysOf } from '../components/keys.tsx';
import { flash } from '../render.tsx';
import { SignInRequired, signedIn } from '../session.ts';
import { type Web, parseQuery } from '../web.ts';

const UploadQuery = Type.Object({ partial: Type.Optional(Type.Boolean()) });

/** What portal.js puts under the upload form when the file was refused as a whole. */
function UploadRefused({ rejected }: { rejected: RefusedKey[] }) {
  return (
    <div class="upload-answer" role="alert">
      <p class="form-error">
        {counted(rejected.length, 'key')} of the file {rejected.length === 1 ? 'was' : 'were'} refused, so none was
        loaded. Correct the file and upload it again, or load the others and skip these.
      </p>
      <p>
        <button type="button" class="button" data-resubmit="key-upload" data-tick="partial">
          Load the good keys, skip these
        </button>
      </p>
      <RejectedKeys rejected={rejected} title="Refused keys:" />
    </div>
  );
}

function UploadLoadedSome({ result }: { result: KeyLoadResult }) {
  return (
    <div class="upload-answer" role="status">
      <p class="flash flash-success">{loadedMessage(result.added, result.rejected.length)}</p>
      <RejectedKeys rejected={result.rejected} title="Skipped keys:" />
      <p>
        <a class="button" href={keysPath(result.entitlementId)}>
          See the keys
        </a>
      </p>
    </div>
  );
}

function UploadError({ message }: { message: string }) {
  return (
    <p class="form-error" role="alert">
      {message}
    </p>
  );
}

/**
 * The key file of the keys page, streamed as the API takes it: the body is spooled to a temporary
 * file and read line by line by the service, so a file of a million keys keeps memory flat. The
 * session and the CSRF token (a header, as portal.js sends it) are checked before the body is
 * read, so a forged upload is refused before anything is spooled.
 */
export async function keyUploadRoute(web: Web): Promise<void> {
  const { app, ctx, render } = web;
  await app.register(async (uploads) => {
    acceptSpooledText(uploads, ctx.config.keyUploadLimitBytes);
    uploads.addHook('onRequest', async (request) => {
      signedIn(request);
    });
    uploads.addHook('onRequest', (request, reply, done) => uploads.csrfProtection(request, reply, done));

    // Every answer is a fragment for the page that sent the file, errors included.
    uploads.setErrorHandler(async (error: FastifyError | AppError | Error, request, reply) => {
      let status: number;
      let message: string;
      const code = (error as FastifyError).code;
      if (error instanceof SignInRequired) {
        status = 401;
        message = 'Your session has ended. Sign in again, then upload the file again.';
      } else if (code === 'FST_CSRF_INVALID_TOKEN' || code === 'FST_CSRF_MISSING_SECRET') {
        status = 403;
        message =
          'This upload did not come from a page of this site, or the page has expired. Reload the page and try again.';
      } else {
        const appError = toAppError(error);
        status = statusOfError(appError);
        if (status >= 500) request.log.error({ err: error }, 'unhandled error');
        message =
          status >= 500
            ? 'The problem has been logged. Nothing of the file was loaded; please try again in a moment.'
            : appError.message;
      }
      return render.page(request, reply, <UploadError message={message} />, { status, fragment: true });
    });

    uploads.post(
      '/entitlements/:id/keys/upload',
      { bodyLimit: ctx.config.keyUploadLimitBytes, config: { csrfCheckedEarly: true } },
      async (request, reply) => {
        const { actor } = signedIn(request);
        const { id } = request.params as { id: string };
        const { partial } = parseQuery(UploadQuery, request);
        if (!request.spooled)
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Choose a key file; it is sent as plain text.');
        let result: KeyLoadResult;
        try {
          result = await loadWebRegisterKeys(
            ctx,
            actor,
            id,
            { kind: 'lines', lines: request.spooled.lines() },
            { partial: partial ?? false },
          );
        } catch (error) {
          const rejected = refusedKeysOf(error);
          if (!rejected) throw error;
          return render.page(request, reply, <UploadRefused rejected={rejected} />, { status: 422, fragment: true });
        }
        if (result.rejected.length > 0)
          return render.page(request, reply, <UploadLoadedSome result={result} />, { status: 201, fragment: true });
        // Not a redirect: the browser's XHR would follow it silently; portal.js goes to x-location itself.
        flash(reply, { kind: 'success', text: loadedMessage(result.added, 0) });
        return reply
          .code(201)
          .header('x-location', keysPath(result.entitlementId))
          .header('cache-control', 'no-store')
          .send();
      },
    );
  });
}
