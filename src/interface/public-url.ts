import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';

/** Where people reach this server, for links they will open later (sign-in links in mails). */
export function publicBaseUrl(config: Config, request: FastifyRequest): string {
  return config.publicUrl ?? `${request.protocol}://${request.host}`;
}

export function signInLinkUrl(base: string, secret: string): string {
  return `${base}/sign-in/link/${secret}`;
}
