import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JSX } from 'preact';
import { type Static, type TSchema, Type } from 'typebox';
import { AppError } from '../domain/errors.ts';
import { statusOfError } from '../interface/problem.ts';
import type { ServiceContext } from '../services/context.ts';
import { type FormBody, type FormState, parseForm, refusedForm } from './forms.ts';
import type { Renderer } from './render.tsx';

/** What every page module gets: the Fastify scope to add routes to, the services' context, the renderer. */
export interface Web {
  app: FastifyInstance;
  ctx: ServiceContext;
  render: Renderer;
}

export interface Submission<T extends TSchema, R> {
  schema: T;
  /** Values that do not come from the form, e.g. the `kind` of an entitlement. */
  extra?: Record<string, unknown>;
  run: (input: Static<T>) => Promise<R>;
  /** After success: usually a redirect to what was made or changed. */
  done: (result: R) => FastifyReply | Promise<FastifyReply>;
  /** The form again, showing what was typed and what was wrong with it. */
  again: (state: FormState) => JSX.Element | Promise<JSX.Element>;
}

/**
 * A form post: parsed and validated by the API's schema, handed to the service, then either the
 * next page or the form again with the refusal beside its fields (and the status the API would
 * give). Errors that are not about the form (not found, forbidden) become the portal's error page.
 */
export async function submit<T extends TSchema, R>(
  web: Web,
  request: FastifyRequest,
  reply: FastifyReply,
  submission: Submission<T, R>,
): Promise<FastifyReply> {
  const values = (request.body ?? {}) as FormBody;
  try {
    const input = parseForm(submission.schema, values, submission.extra);
    const result = await submission.run(input);
    return await submission.done(result);
  } catch (error) {
    if (!(error instanceof AppError) || !isAboutTheForm(error)) throw error;
    return web.render.page(request, reply, await submission.again(refusedForm(values, error)), {
      status: statusOfError(error),
    });
  }
}

/** A refusal a form shows beside its fields; the others (not found, forbidden, signed out) are pages of their own. */
export function isAboutTheForm(error: AppError): boolean {
  const status = statusOfError(error);
  return status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 404 && status !== 429;
}

/** A parsed query as text again, for filter fields and pager links to show. */
export function shownQuery(query: Record<string, unknown>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(query).map(([key, value]) => [key, value === undefined ? undefined : String(value)]),
  );
}

/** The schema of a form that is only a button: nothing but its CSRF token. */
export const NoInput = Type.Object({}, { additionalProperties: false });

/** A query string read with the same schema rules as a form; a bad one is a 400 page. */
export function parseQuery<T extends TSchema>(schema: T, request: FastifyRequest): Static<T> {
  return parseForm(schema, (request.query ?? {}) as FormBody);
}
