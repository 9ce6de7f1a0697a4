import { Type } from 'typebox';
import { LongText, Nullable, Strict } from './common.ts';

/** What a caller sends to the webhook routes: the API validates requests with these, the portal its forms. */
const EventPattern = Type.String({
  minLength: 3,
  maxLength: 100,
  description: 'An event type, or a group wildcard such as `activation.*`.',
  examples: ['activation.*', 'entitlement.state_changed'],
});

export const WebhookEndpointInput = Strict({
  url: Type.String({
    minLength: 1,
    maxLength: 2000,
    description:
      'An https URL that resolves to a public address (unless LICENTIA_WEBHOOKS_ALLOW_PRIVATE=true). Checked again at every delivery.',
  }),
  events: Type.Array(EventPattern, { minItems: 1, maxItems: 100 }),
  description: Type.Optional(Nullable(LongText)),
  enabled: Type.Optional(Type.Boolean()),
});

export const WebhookEndpointUpdate = Type.Partial(WebhookEndpointInput, { additionalProperties: false });
