/**
 * The body each API route answers with on success, from the route schemas' static types, so a test's
 * `api.get(`/entitlements/${id}`)` is typed without naming the type at every call. A path that matches no
 * pattern (or is a plain `string`) gives `unknown`; a call can still name its type, `api.get<T>(…)`.
 * Problem answers are read through `assertProblem` or `problemOf`.
 */
import type { CreatedApiKeyBody } from '../../src/http/routes/api-keys.ts';
import type { CheckpointBody } from '../../src/http/routes/events.ts';
import type { MovedBody } from '../../src/http/routes/lifecycle.ts';
import type { MessageBody } from '../../src/http/routes/messages.ts';
import type { KeysReportBody, KeysStatementBody, ReportBody, StatementBody } from '../../src/http/routes/reports.ts';
import type { SignInLinkBody } from '../../src/http/routes/users.ts';
import type { KeyLoadBody, KeysVoidedBody, WebRegisterKeyBody } from '../../src/http/routes/web-register-keys.ts';
import type {
  WebhookDeliveryBody,
  WebhookDeliveryDetailBody,
  WebhookEndpointBody,
  WebhookEndpointWithSecretBody,
} from '../../src/http/routes/webhooks.ts';
import type {
  ActivationAnswerBody,
  ActivationBody,
  DeviceBody,
  LeaseBody,
  LicenseBody,
  ValidationBody,
} from '../../src/http/schemas/activations.ts';
import type {
  AccountBody,
  ApiKeyBody,
  ContactBody,
  EntitlementBody,
  EventBody,
  FeatureBody,
  HandedOverAccountBody,
  LicenseModelBody,
  LineItemBody,
  LineItemHistoryBody,
  ProductBody,
  UserBody,
} from '../../src/http/schemas/entities.ts';
import type { PageBody } from '../../src/interface/schemas/common.ts';

/** A path with or without a query string. */
type Q = '' | `?${string}`;
type Id = string;

/** The first pattern the path matches wins, so longer patterns come before their prefixes. */
type Find<P extends string, Routes> = Routes extends [[infer Pattern, infer Body], ...infer Rest]
  ? P extends Pattern
    ? Body
    : Find<P, Rest>
  : unknown;

type GetRoutes = [
  [`/accounts/${Id}/contacts${Q}`, PageBody<ContactBody>],
  [`/accounts/${Id}`, AccountBody],
  [`/accounts${Q}`, PageBody<AccountBody>],
  [`/activations/${Id}/license`, LicenseBody],
  [`/activations/${Id}`, ActivationBody],
  [`/activations${Q}`, PageBody<ActivationBody>],
  [`/api-keys/${Id}`, ApiKeyBody],
  [`/api-keys${Q}`, PageBody<ApiKeyBody>],
  [`/license-models/${Id}`, LicenseModelBody],
  [`/license-models${Q}`, PageBody<LicenseModelBody>],
  [`/features/${Id}`, FeatureBody],
  [`/features${Q}`, PageBody<FeatureBody>],
  [`/products/${Id}`, ProductBody],
  [`/products${Q}`, PageBody<ProductBody>],
  [`/devices/${Id}`, DeviceBody],
  [`/devices${Q}`, PageBody<DeviceBody>],
  [`/entitlements/${Id}/web-register-keys${Q}`, PageBody<WebRegisterKeyBody>],
  [`/entitlements/${Id}`, EntitlementBody],
  [`/entitlements${Q}`, PageBody<EntitlementBody>],
  [`/events/checkpoints${Q}`, PageBody<CheckpointBody>],
  [`/events${Q}`, PageBody<EventBody>],
  [`/line-items/${Id}/history${Q}`, LineItemHistoryBody],
  [`/line-items/${Id}`, LineItemBody],
  [`/messages${Q}`, PageBody<MessageBody>],
  [`/reports/activations${Q}`, ReportBody],
  [`/reports/keys${Q}`, KeysReportBody],
  [`/reports/partners/${Id}/statement${Q}`, StatementBody | KeysStatementBody],
  [`/users/${Id}`, UserBody],
  [`/users${Q}`, PageBody<UserBody>],
  [`/web-register-keys/${Id}`, WebRegisterKeyBody],
  [`/webhook-endpoints/${Id}/deliveries${Q}`, PageBody<WebhookDeliveryBody>],
  [`/webhook-endpoints/${Id}`, WebhookEndpointBody],
  [`/webhook-endpoints${Q}`, PageBody<WebhookEndpointBody>],
  [`/webhook-deliveries/${Id}`, WebhookDeliveryDetailBody],
];

type PostRoutes = [
  [`/accounts/${Id}/hand-over`, HandedOverAccountBody],
  [`/accounts/${Id}/contacts`, ContactBody],
  [`/accounts`, AccountBody],
  [`/activations/offline/return`, ActivationBody],
  [`/activations/offline`, ActivationAnswerBody],
  [`/activations/${Id}/rehost`, ActivationAnswerBody],
  [`/activations/${Id}/email`, MessageBody],
  [`/activations/${Id}/${'return' | 'revoke'}`, ActivationBody],
  [`/activations${Q}`, ActivationAnswerBody],
  [`/api-keys/${Id}/revoke`, ApiKeyBody],
  [`/api-keys`, CreatedApiKeyBody],
  [`/license-models`, LicenseModelBody],
  [`/features`, FeatureBody],
  [`/products`, ProductBody],
  [`/entitlements/${Id}/email`, MessageBody],
  [`/entitlements/${Id}/web-register-keys/void${Q}`, KeysVoidedBody],
  [`/entitlements/${Id}/web-register-keys${Q}`, KeyLoadBody],
  [`/entitlements/${Id}/${'state' | 'regenerate-ids' | 'line-items' | 'split'}`, EntitlementBody],
  [`/entitlements`, EntitlementBody],
  [`/leases/${Id}/${'heartbeat' | 'release'}`, LeaseBody],
  [`/leases${Q}`, LeaseBody],
  [`/licenses/validate`, ValidationBody],
  [`/line-items/${Id}/${'transfer' | 'split'}`, MovedBody],
  [`/line-items/${Id}/${'renew' | 'upsell' | 'upgrade'}`, LineItemBody],
  [`/messages/${Id}/resend`, MessageBody],
  [`/users/${Id}/sign-in-links`, SignInLinkBody],
  [`/users`, UserBody],
  [`/web-register-keys/${Id}/redeem`, EntitlementBody],
  [`/web-register-keys/${Id}/void`, WebRegisterKeyBody],
  [`/webhook-endpoints/${Id}/rotate-secret`, WebhookEndpointWithSecretBody],
  [`/webhook-endpoints/${Id}/test`, { deliveryId: string }],
  [`/webhook-endpoints`, WebhookEndpointWithSecretBody],
  [`/webhook-deliveries/${Id}/retry`, WebhookDeliveryBody],
];

type PatchRoutes = [
  [`/accounts/${Id}`, AccountBody],
  [`/products/${Id}`, ProductBody],
  [`/entitlements/${Id}`, EntitlementBody],
  [`/line-items/${Id}`, LineItemBody],
  [`/users/${Id}`, UserBody],
  [`/webhook-endpoints/${Id}`, WebhookEndpointBody],
];

export type RouteBody<Method extends string, P extends string> = Method extends 'GET'
  ? Find<P, GetRoutes>
  : Method extends 'POST'
    ? Find<P, PostRoutes>
    : Method extends 'PATCH'
      ? Find<P, PatchRoutes>
      : unknown;
