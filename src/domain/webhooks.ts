import { createHmac, randomBytes } from 'node:crypto';

/**
 * Webhook events: one type per audited action, named `noun.verb` (the audit action with `-`
 * written `_`), in groups by noun. `admin` marks events about the producer's own administration,
 * which no partner endpoint receives whatever it can read.
 *
 * Audited actions about sign-in secrets (sessions, sign-in links, passwords, two-factor sign-in,
 * server secrets) and about mail are not published: they say nothing a back office needs and would
 * widen who learns of sign-ins.
 * `test/unit/webhook-events.test.ts` fails when an audited action is neither published nor listed
 * here as unpublished, so a new action is a decision, not an accident.
 */
export const webhookEventTypes = {
  'account.created': { description: 'An account was created.' },
  'account.updated': { description: 'An account was renamed or moved.' },
  'account.handed_over': {
    description: 'A partner handed an anonymous end customer over to the producer as a named direct customer.',
  },
  'contact.created': { description: 'A contact was added to an account.' },
  'activation.created': { description: 'A device activated a line item (or an unredeemed web register key).' },
  'activation.license_renewed': { description: 'An activation’s licence was issued again with a new expiry.' },
  'activation.returned': { description: 'An activation was returned; its count is free again.' },
  'activation.revoked': { description: 'An activation was revoked by the producer.' },
  'lease.checked_out': { description: 'A floating seat was leased.' },
  'lease.released': { description: 'A floating seat was given back.' },
  'entitlement.created': { description: 'An entitlement was created (also by redemption, split or transfer).' },
  'entitlement.updated': { description: 'A draft or test entitlement was edited.' },
  'entitlement.deleted': { description: 'A draft or test entitlement was deleted.' },
  'entitlement.state_changed': { description: 'An entitlement moved to another state.' },
  'entitlement.ids_regenerated': { description: 'A draft or test entitlement got new IDs.' },
  'line_item.added': { description: 'A line item was added to a draft or test entitlement.' },
  'line_item.updated': { description: 'A draft or test line item was edited.' },
  'line_item.deleted': { description: 'A draft or test line item was deleted.' },
  'line_item.transferred': { description: 'A line item was transferred to another account.' },
  'line_item.split': { description: 'Part of a line item’s quantity moved to a new line item.' },
  'line_item.renewed': { description: 'A line item got a new expiration date.' },
  'line_item.upsold': { description: 'A line item’s quantity grew.' },
  'line_item.upgraded': { description: 'A line item moved to a newer product version.' },
  'web_register_keys.loaded': { description: 'Web register keys were loaded into a bulk entitlement.' },
  'web_register_keys.voided': { description: 'Unredeemed web register keys of a bulk entitlement were voided.' },
  'web_register_keys.split': { description: 'Stock of a bulk entitlement was split to a reseller.' },
  'web_register_key.voided': { description: 'One web register key was voided.' },
  'web_register_key.redeemed': { description: 'A web register key was redeemed into a simple entitlement.' },
  'product.created': { description: 'A product was added to the catalogue.' },
  'product.updated': { description: 'A product was changed.' },
  'feature.created': { description: 'A feature was added to the catalogue.' },
  'license_model.created': { description: 'A license model was added to the catalogue.' },
  'api_key.created': { description: 'An API key was created.', admin: true },
  'api_key.restored': { description: 'The configured admin key was restored at start.', admin: true },
  'api_key.revoked': { description: 'An API key was revoked.', admin: true },
  'user.created': { description: 'A portal user was created.' },
  'user.updated': { description: 'A portal user was changed or disabled.' },
  'signing_key.created': { description: 'A licence signing key was created.', admin: true },
  'webhook_endpoint.created': { description: 'A webhook endpoint was created.' },
  'webhook_endpoint.updated': { description: 'A webhook endpoint was changed, enabled or disabled.' },
  'webhook_endpoint.deleted': { description: 'A webhook endpoint was deleted.' },
  'webhook_endpoint.secret_rotated': { description: 'A webhook endpoint got a new signing secret.' },
  'webhook_endpoint.disabled': {
    description: 'Licentia disabled a failing endpoint (410 Gone, or 5 days without success).',
  },
} as const satisfies Record<string, { description: string; admin?: boolean }>;

export type WebhookEventType = keyof typeof webhookEventTypes;

/** Sent by `POST /webhook-endpoints/{id}/test` only; never subscribed to. */
export const PING = 'ping';

/** Audited actions that are deliberately not published (see above). */
export const unpublishedActions = [
  'session.created',
  'session.ended',
  'sign-in-link.created',
  'sign-in-link.used',
  'user.password-set',
  'two-factor.enabled',
  'two-factor.reset',
  'two-factor.challenged',
  'two-factor.code-refused',
  'two-factor.recovery-code-used',
  'two-factor.recovery-codes-replaced',
  'server-secret.created',
  'webhook-delivery.retried',
  // Housekeeping of key custody (a plain private key encrypted at rest): nothing changed that a
  // back office acts on.
  'signing-key.sealed',
  'webhook-endpoint.secrets-sealed',
  // Mail about mail: the recipient may be an anonymous end customer, whose address is the
  // partner's business; a mail's fate is read in GET /messages, not announced.
  'activation-ids.emailed',
  'license.emailed',
  'message.resent',
  'message.sent',
  'message.failed',
] as const;

export const eventTypeNames = Object.keys(webhookEventTypes) as WebhookEventType[];
export const eventGroups = [...new Set(eventTypeNames.map((type) => type.split('.')[0] as string))];

/** The event type of an audited action, if it is published. */
export function eventTypeOf(action: string): WebhookEventType | undefined {
  const type = action.replaceAll('-', '_');
  return type in webhookEventTypes ? (type as WebhookEventType) : undefined;
}

export function isAdminOnly(type: WebhookEventType): boolean {
  const entry: { description: string; admin?: boolean } = webhookEventTypes[type];
  return entry.admin === true;
}

/** Whether a subscription (exact types and `group.*` wildcards) takes an event type. */
export function subscribes(patterns: readonly string[], type: string): boolean {
  const group = type.split('.')[0];
  return patterns.some((pattern) => pattern === type || pattern === `${group}.*`);
}

/** The patterns an endpoint may subscribe with that name no event: each one is a mistake. */
export function unknownPatterns(patterns: readonly string[]): string[] {
  return patterns.filter(
    (pattern) =>
      !(pattern in webhookEventTypes) && !(pattern.endsWith('.*') && eventGroups.includes(pattern.slice(0, -2))),
  );
}

// --- Signatures (Standard Webhooks, https://www.standardwebhooks.com) ---

export const SECRET_PREFIX = 'whsec_';

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the secret's key. */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The headers of one attempt; during a rotation both secrets sign (space-separated, as the scheme allows). */
export function signedHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => signature(secret, id, timestamp, body)).join(' '),
  };
}
