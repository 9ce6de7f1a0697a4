import type { Config } from '../../config.ts';
import type { Sender } from '../../mail/templates/layout.ts';

/** Who the templates say sent a message. */
export function senderOf(config: Config): Sender {
  return { producerName: config.mail.producerName, supportEmail: config.mail.supportEmail };
}

/**
 * Where people reach this server from a message read later, elsewhere: `LICENTIA_PUBLIC_URL`, else
 * the address it listens on (right on one machine, wrong behind a proxy: set the variable there).
 */
export function mailBaseUrl(config: Config): string {
  if (config.publicUrl) return config.publicUrl;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

export function activateUrl(config: Config): string {
  return `${mailBaseUrl(config)}/activate`;
}
