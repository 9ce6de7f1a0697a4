import type { TSchema } from 'typebox';
import { type ErrorCode, errorCodes } from '../domain/errors.ts';
import * as accountsInputs from '../interface/schemas/accounts-inputs.ts';
import * as activationsInputs from '../interface/schemas/activations-inputs.ts';
import * as apiKeysInputs from '../interface/schemas/api-keys-inputs.ts';
import * as catalogInputs from '../interface/schemas/catalog-inputs.ts';
import { Problem } from '../interface/schemas/common.ts';
import * as entitlementsInputs from '../interface/schemas/entitlements-inputs.ts';
import * as lifecycleInputs from '../interface/schemas/lifecycle-inputs.ts';
import * as lineItemsInputs from '../interface/schemas/line-items-inputs.ts';
import * as messagesInputs from '../interface/schemas/messages-inputs.ts';
import * as reportsInputs from '../interface/schemas/reports-inputs.ts';
import * as usersInputs from '../interface/schemas/users-inputs.ts';
import * as webRegisterKeysInputs from '../interface/schemas/web-register-keys-inputs.ts';
import * as webhooksInputs from '../interface/schemas/webhooks-inputs.ts';
import { bodyExamples, problemExample } from './openapi-examples.ts';
import * as messages from './routes/messages.ts';
import * as webhooks from './routes/webhooks.ts';
import * as activations from './schemas/activations.ts';
import * as entities from './schemas/entities.ts';

/**
 * What the generated document gets after Fastify's swagger plugin has built it from the routes:
 * the entities and inputs as named component schemas (so a code generator names its types), error
 * answers as `application/problem+json` with the codes each operation may answer, and the tags'
 * descriptions. The routes stay the one source: nothing here describes an operation itself.
 */
type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every exported object schema of the entity and input modules, by its component name. */
function namedSchemas(): Map<string, TSchema> {
  const modules = [
    entities,
    activations,
    accountsInputs,
    activationsInputs,
    apiKeysInputs,
    catalogInputs,
    entitlementsInputs,
    lifecycleInputs,
    lineItemsInputs,
    reportsInputs,
    usersInputs,
    webRegisterKeysInputs,
    webhooksInputs,
    webhooks,
    messagesInputs,
    messages,
  ];
  const named = new Map<string, TSchema>([['Problem', Problem]]);
  for (const module of modules)
    for (const [exported, value] of Object.entries(module)) {
      // Query strings are documented as parameters, not as schemas.
      if (!isObject(value) || value.type !== 'object' || exported.endsWith('Query')) continue;
      // `AccountSchema` is the entity Account; inputs keep their names (`AccountInput`).
      named.set(exported.replace(/Schema$/, ''), value as TSchema);
    }
  return named;
}

/**
 * A key for deep equality that ignores the order of members and the plugin's rewritings
 * (`const: x` as `enum: [x]`, a record's pattern as `additionalProperties`).
 */
function canonical(value: Json): string {
  return JSON.stringify(value, (_key, v: Json) => {
    if (!isObject(v)) return v;
    const { const: constant, patternProperties, ...rest } = v;
    let node: JsonObject = 'const' in v ? { ...rest, enum: [constant] } : v;
    // A record's `patternProperties`, which the plugin turns into `additionalProperties`.
    if (isObject(patternProperties)) node = { ...rest, additionalProperties: Object.values(patternProperties)[0] };
    return Object.fromEntries(
      Object.keys(node)
        .sort()
        .map((k) => [k, node[k]]),
    );
  });
}

/** Replaces, depth first from the outside, every schema equal to a named one by a reference to it. */
function referTo(node: Json, names: Map<string, string>, except?: string): Json {
  if (Array.isArray(node)) return node.map((item) => referTo(item, names, except));
  if (!isObject(node)) return node;
  const name = names.get(canonical(node));
  if (name !== undefined && name !== except) return { $ref: `#/components/schemas/${name}` };
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, referTo(value, names, except)]));
}

/** Codes any operation may answer, whatever it does. */
function commonCodes(operation: JsonObject, path: string): ErrorCode[] {
  const open = Array.isArray(operation.security) && operation.security.length === 0;
  return [
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    // A wrong credential is refused even where none is needed.
    'UNAUTHENTICATED',
    ...(open ? (['RATE_LIMITED'] as const) : (['FORBIDDEN'] as const)),
    ...(path.includes('{') ? (['NOT_FOUND'] as const) : []),
    ...(operation.requestBody ? (['UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'] as const) : []),
  ];
}

const lifecycle: ErrorCode[] = ['INVALID_STATE', 'UNKNOWN_REFERENCE', 'UNPROCESSABLE'];
const activation: ErrorCode[] = [
  'COUNT_EXCEEDED',
  'INVALID_STATE',
  'UNPROCESSABLE',
  'ALREADY_REDEEMED',
  'REGISTRATION_REQUIRED',
  'REGISTRATION_NOT_ALLOWED',
  // An unknown code (the path names none, so it is not among the common codes).
  'NOT_FOUND',
];
const ending: ErrorCode[] = ['INVALID_STATE', 'UNPROCESSABLE', 'REHOST_LIMIT_REACHED'];

/**
 * The codes an operation answers beyond those any operation may (`commonCodes`): what its service
 * throws. Every operation has a row; test/http/openapi.test.ts fails for one without, and `npm test`
 * fails when a test server answers a code its operation's row does not list
 * (scripts/check-problem-codes.ts).
 */
export const operationCodes: Record<string, readonly ErrorCode[]> = {
  createApiKey: ['UNKNOWN_REFERENCE', 'UNPROCESSABLE'],
  listApiKeys: [],
  getApiKey: [],
  revokeApiKey: ['INVALID_STATE'],
  createLicenseModel: ['ALREADY_EXISTS'],
  listLicenseModels: [],
  getLicenseModel: [],
  createFeature: ['ALREADY_EXISTS'],
  listFeatures: [],
  getFeature: [],
  createProduct: ['ALREADY_EXISTS', 'UNKNOWN_REFERENCE', 'UPGRADE_CYCLE'],
  listProducts: [],
  getProduct: [],
  updateProduct: ['ALREADY_EXISTS', 'UNKNOWN_REFERENCE', 'UPGRADE_CYCLE'],
  createAccount: ['UNKNOWN_REFERENCE', 'UNPROCESSABLE'],
  listAccounts: [],
  getAccount: [],
  updateAccount: ['UNKNOWN_REFERENCE', 'UNPROCESSABLE'],
  handOverAccount: ['INVALID_STATE'],
  createContact: ['UNPROCESSABLE'],
  listContacts: [],
  createUser: ['ALREADY_EXISTS', 'UNKNOWN_REFERENCE', 'UNPROCESSABLE'],
  listUsers: [],
  getUser: [],
  updateUser: ['UNPROCESSABLE'],
  createSignInLink: ['INVALID_STATE'],
  createEntitlement: ['ALREADY_EXISTS', 'UNKNOWN_REFERENCE', 'UNPROCESSABLE'],
  listEntitlements: [],
  getEntitlement: [],
  updateEntitlement: lifecycle,
  deleteEntitlement: ['INVALID_STATE'],
  changeEntitlementState: ['INVALID_STATE'],
  regenerateEntitlementIds: ['INVALID_STATE', 'ALREADY_EXISTS'],
  addLineItem: ['ALREADY_EXISTS', ...lifecycle],
  getLineItem: [],
  getLineItemHistory: [],
  updateLineItem: lifecycle,
  deleteLineItem: ['INVALID_STATE'],
  loadWebRegisterKeys: ['KEYS_REJECTED', 'UNPROCESSABLE', 'IDEMPOTENCY_CONFLICT', 'INVALID_STATE'],
  listWebRegisterKeys: [],
  voidWebRegisterKeys: ['INVALID_STATE'],
  splitBulkEntitlement: ['ALREADY_EXISTS', 'UNKNOWN_REFERENCE', 'UNPROCESSABLE'],
  getWebRegisterKey: [],
  // Failed guesses at keys are limited per address (the 'keys' family), though the route needs a key.
  redeemWebRegisterKey: ['UNKNOWN_REFERENCE', 'RATE_LIMITED', ...activation],
  voidWebRegisterKey: ['INVALID_STATE'],
  activate: activation,
  listActivations: [],
  activateOffline: activation,
  returnOffline: ending,
  getActivation: [],
  getActivationLicense: ['INVALID_STATE'],
  returnActivation: ending,
  rehostActivation: ending,
  revokeActivation: ['INVALID_STATE'],
  validateLicense: [],
  checkoutLease: ['COUNT_EXCEEDED', 'INVALID_STATE', 'NOT_FOUND', 'UNPROCESSABLE'],
  heartbeatLease: ['INVALID_STATE'],
  releaseLease: ['INVALID_STATE'],
  listDevices: [],
  getDevice: [],
  transferLineItem: lifecycle,
  splitLineItem: lifecycle,
  renewLineItem: lifecycle,
  upsellLineItem: lifecycle,
  upgradeLineItem: [...lifecycle, 'UPGRADE_NOT_ALLOWED'],
  activationReport: [],
  keysReport: [],
  partnerStatement: ['UNPROCESSABLE'],
  listEvents: ['NOT_FOUND'],
  listAuditCheckpoints: [],
  createWebhookEndpoint: [],
  listWebhookEndpoints: [],
  getWebhookEndpoint: [],
  updateWebhookEndpoint: [],
  deleteWebhookEndpoint: [],
  rotateWebhookSecret: [],
  testWebhookEndpoint: [],
  listWebhookDeliveries: [],
  getWebhookDelivery: [],
  retryWebhookDelivery: ['INVALID_STATE'],
  liveness: [],
  readiness: ['UNAVAILABLE'],
  listMessages: [],
  resendMessage: ['INVALID_STATE', 'UNPROCESSABLE'],
  emailLicense: ['INVALID_STATE', 'UNPROCESSABLE'],
  emailActivationIds: ['INVALID_STATE', 'UNPROCESSABLE'],
};

function problemContent(codes: readonly ErrorCode[], example: ErrorCode): JsonObject {
  return {
    'application/problem+json': {
      schema: {
        allOf: [
          { $ref: '#/components/schemas/Problem' },
          { type: 'object', properties: { code: { type: 'string', enum: [...codes] } } },
        ],
      },
      example: problemExample(example),
    },
  };
}

/** The refusal an integrator most needs to handle: the operation's own first, else a validation failure. */
function typicalRefusal(own: readonly ErrorCode[]): ErrorCode {
  return own[0] ?? 'VALIDATION_FAILED';
}

const successDescriptions: Record<string, string> = {
  '200': 'Done; the answer is the object as it is now.',
  '201': 'Created; the answer is the new object.',
  '202': 'Accepted; the work continues in the background.',
  '204': 'Done; there is nothing to answer.',
};

/** Gives every JSON body of an operation, asked or answered, an example made from its schema. */
function withExamples(operation: JsonObject, components: JsonObject): JsonObject {
  const exemplify = (content: Json, request: boolean): Json => {
    if (!isObject(content)) return content;
    return Object.fromEntries(
      Object.entries(content).map(([type, media]) =>
        isObject(media) &&
        type.endsWith('json') &&
        media.schema !== undefined &&
        media.example === undefined &&
        media.examples === undefined
          ? [type, { ...media, ...bodyExamples(media.schema, { components, request }) }]
          : [type, media],
      ),
    );
  };
  const body = operation.requestBody;
  const requestBody = isObject(body) ? { ...body, content: exemplify(body.content, true) } : body;
  const responses = isObject(operation.responses) ? { ...operation.responses } : {};
  for (const [status, response] of Object.entries(responses)) {
    if (!/^2/.test(status) || !isObject(response)) continue;
    responses[status] = {
      ...response,
      description:
        response.description === 'Default Response' ? (successDescriptions[status] ?? 'Done.') : response.description,
      ...(response.content !== undefined && { content: exemplify(response.content, false) }),
    };
  }
  return { ...operation, ...(requestBody !== undefined && { requestBody }), responses };
}

export const tagDescriptions: Record<string, string> = {
  'API keys':
    'Keys that authenticate callers of this API, each with a role and, for partners and customers, an account.',
  Catalogue: 'License models, features and products: what can be sold.',
  Accounts: 'Customers and channel partners in a hierarchy, and their contacts.',
  Users: 'People who sign in to the portal, and their sign-in links.',
  Entitlements: 'What was sold: simple entitlements with line items, and bulk entitlements with web register keys.',
  'Line items':
    'The lines of an entitlement, each with its activation ID and count, and the versions lifecycle operations left of its terms.',
  'Web register keys': 'Keys of a bulk entitlement that a partner or an end customer registers into an entitlement.',
  Activations: 'Devices activating a line item, online or with an offline request file, and returning it.',
  Licences: 'Signed licences and their validation.',
  'Floating leases': 'Seats of floating license models, checked out and renewed by heartbeats.',
  Devices: 'The devices that hold activations.',
  'Lifecycle operations': 'Transfer, split, renew, upsell and upgrade of deployed line items.',
  'Partner billing': 'Monthly activation counts and prepaid stock (keys) per partner, and statements.',
  'Audit log': 'Every change, with who made it and what it changed.',
  Webhooks:
    'Endpoints that receive signed events (Standard Webhooks) about what changes, and the log of their deliveries.',
  Mail: 'Mail Licentia sends (certificates, licences, activation IDs, sign-in links): its delivery status, resending, and sending a licence or activation IDs on request.',
  operations: 'For load balancers and supervisors: whether the process is alive and whether it should get requests.',
};

export function finishDocument(document: JsonObject): JsonObject {
  const schemas = namedSchemas();
  const names = new Map<string, string>();
  for (const [name, schema] of schemas) names.set(canonical(schema), name);

  const components = isObject(document.components) ? document.components : {};
  const componentSchemas: JsonObject = {};
  for (const [name, schema] of schemas)
    componentSchemas[name] = referTo(JSON.parse(JSON.stringify(schema)) as Json, names, name);

  const paths: JsonObject = {};
  for (const [path, item] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    if (!isObject(item)) continue;
    const operations: JsonObject = {};
    for (const [method, raw] of Object.entries(item)) {
      if (!isObject(raw)) {
        operations[method] = raw;
        continue;
      }
      const operation = withExamples(referTo(raw, names) as JsonObject, componentSchemas);
      const own = operationCodes[String(operation.operationId)] ?? [];
      const codes = errorCodes.filter((c) => commonCodes(operation, path).includes(c) || own.includes(c));
      const responses = isObject(operation.responses) ? { ...operation.responses } : {};
      for (const status of Object.keys(responses)) {
        if (!/^[45]/.test(status)) continue;
        const server = status.startsWith('5');
        responses[status] = {
          description: server ? 'A fault of the server (a bug), as problem details.' : 'A refusal, as problem details.',
          content: problemContent(server ? ['INTERNAL'] : codes, server ? 'INTERNAL' : typicalRefusal(own)),
        };
      }
      operations[method] = { ...operation, responses };
    }
    paths[path] = operations;
  }

  const usedTags = new Set(
    Object.values(paths).flatMap((item) =>
      Object.values(item as JsonObject).flatMap((op) => (isObject(op) && Array.isArray(op.tags) ? op.tags : [])),
    ),
  );
  return {
    ...document,
    tags: [...usedTags].map((name) => ({ name, description: tagDescriptions[String(name)] ?? String(name) })),
    paths,
    components: {
      ...components,
      schemas: { ...(isObject(components.schemas) ? components.schemas : {}), ...componentSchemas },
    },
  };
}
