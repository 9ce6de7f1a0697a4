import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { toLicenseFile } from '../licensing/license-file.ts';

/** Where people reach this server, for links they will open later (sign-in links in mails). */
export function publicBaseUrl(config: Config, request: FastifyRequest): string {
  return config.publicUrl ?? `${request.protocol}://${request.host}`;
}

export function signInLinkUrl(base: string, secret: string): string {
  return `${base}/sign-in/link/${secret}`;
}

/**
 * A licence file whose verify line names this server as the person reached it: the services make
 * files with the configured public URL, and know no address without one.
 */
export function licenseFileHere(
  config: Config,
  request: FastifyRequest,
  license: { token: string; file: string },
): string {
  return config.publicUrl ? license.file : toLicenseFile(license.token, undefined, publicBaseUrl(config, request));
}
