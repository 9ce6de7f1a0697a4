import { AppError, type ErrorCode } from '../domain/errors.ts';
import { idPrefixes } from '../domain/ids.ts';
import { problemOf } from '../interface/problem.ts';

/**
 * Examples for the OpenAPI document, made from the schemas themselves so that they cannot drift
 * from what the routes accept and answer: a member's own `examples` first, else a realistic value
 * for its name (one story: ACME sells CAD Pro through its partner Northwind), else one for its
 * format or type. Redocly's `no-invalid-media-type-examples` checks each against its schema.
 */
type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const at = '2026-11-16T09:30:00.000Z';
const uuid = '0193a7c2e4d87b3a9f1c2d3e4f5a6b7c';

/**
 * Members whose value depends on the object they belong to (an `id`, a `name`, a `url`), by
 * component; components of inputs share the entity's values.
 */
const byComponent: Record<string, Record<string, Json>> = {
  Account: { id: `${idPrefixes.account}_${uuid}` },
  HandedOverAccount: { id: `${idPrefixes.account}_${uuid}`, name: 'Café Lumière' },
  Registration: { name: 'Camille Durand', email: 'camille@cafe-lumiere.example' },
  RegistrationInput: { policy: 'optional', fields: ['name', 'email', 'company'] },
  Contact: { id: `${idPrefixes.contact}_${uuid}`, name: 'Ada Moreau' },
  ContactInput: { name: 'Ada Moreau' },
  ApiKey: { id: `${idPrefixes.apiKey}_${uuid}`, name: 'Northwind web shop' },
  ApiKeyInput: { name: 'Northwind web shop' },
  User: { id: `${idPrefixes.user}_${uuid}`, name: 'Ada Moreau' },
  UserInput: { name: 'Ada Moreau' },
  UserChanges: { name: 'Ada Moreau' },
  Feature: { id: `${idPrefixes.feature}_${uuid}`, name: 'export-dwg' },
  FeatureInput: { name: 'export-dwg' },
  LicenseModel: { id: `${idPrefixes.licenseModel}_${uuid}`, name: 'Node-locked, one year', leaseSeconds: null },
  LicenseModelInput: { name: 'Node-locked, one year' },
  Product: { id: `${idPrefixes.product}_${uuid}`, name: 'CAD Pro' },
  ProductInput: { name: 'CAD Pro' },
  ProductChanges: { name: 'CAD Pro' },
  Entitlement: { id: 'ENT-ZVN50-5TJJ9', parentEntitlementId: null },
  LineItem: { parentActivationId: null },
  Event: { id: `${idPrefixes.event}_${uuid}` },
  Device: { id: `${idPrefixes.device}_${uuid}`, name: 'Drafting PC 3' },
  Activation: { id: `${idPrefixes.activation}_${uuid}` },
  Lease: { id: `${idPrefixes.lease}_${uuid}` },
  Validation: { valid: true },
  WebhookEndpoint: { id: `${idPrefixes.webhookEndpoint}_${uuid}`, url: 'https://erp.northwind.example/hooks/licentia' },
  WebhookEndpointInput: { url: 'https://erp.northwind.example/hooks/licentia' },
  WebhookEndpointUpdate: { url: 'https://erp.northwind.example/hooks/licentia' },
  WebhookDelivery: { id: `${idPrefixes.outbox}_${uuid}` },
  Message: { id: `${idPrefixes.message}_${uuid}`, to: 'ada@cafe-lumiere.example' },
  SplitStockInput: { id: 'BULK-NW-0002' },
  SimpleEntitlementInput: { id: 'ENT-ZVN50-5TJJ9' },
  BulkEntitlementInput: { id: 'BULK-4F8KQ-2M7TX', description: 'CAD Pro stock for the 2027 season' },
};

/** The component array items stand for when their array is named after it (`features`, `lineItems`). */
function componentOfItems(name: string | undefined): string | undefined {
  const item = singular(name);
  if (item === undefined) return undefined;
  const component = item.charAt(0).toUpperCase() + item.slice(1);
  return component in byComponent ? component : undefined;
}

/**
 * Members a request example leaves out although the schema allows them, because they are an
 * alternative to another member shown (the server takes one or the other) or apply to a rarer case.
 */
const leftOutOfRequests: Record<string, readonly string[]> = {
  RedeemKeyInput: ['accountId'],
  KeyLoadJsonBody: ['key', 'generate', 'prefix'],
  SplitStockInput: ['keys'],
  ActivateBody: ['publicKey', 'registration'],
  LicenseModelInput: ['leaseSeconds'],
  UserInput: ['password'],
};

/** Values by member name. Each must be valid wherever that name is used (the lint checks). */
const byName: Record<string, Json> = {
  name: 'Northwind Software GmbH',
  accountId: 'acc_0193a7c2e4d87b3a9f1c2d3e4f5a6b01',
  parentAccountId: 'acc_0193a7c2e4d87b3a9f1c2d3e4f5a6b00',
  partnerAccountId: 'acc_0193a7c2e4d87b3a9f1c2d3e4f5a6b01',
  accountName: 'Café Lumière',
  role: 'partner',
  code: 'ACT-9GX4K-7PW2M-QH3TZ',
  state: 'deployed',
  endedAt: null,
  revokedAt: null,
  disabledAt: null,
  voidedAt: null,
  contactId: 'con_0193a7c2e4d87b3a9f1c2d3e4f5a6b02',
  soldTo: 'acc_0193a7c2e4d87b3a9f1c2d3e4f5a6b03',
  email: 'ada@northwind.example',
  shipToEmail: 'licences@northwind.example',
  phone: '+49 30 1234567',
  company: 'Café Lumière',
  address: '12 Rue des Lilas, 69002 Lyon',
  lines: ['Northwind Software GmbH', 'Licence desk', 'Friedrichstraße 100'],
  city: 'Berlin',
  postalCode: '10117',
  region: 'Berlin',
  country: 'DE',
  id: `${idPrefixes.account}_0193a7c2e4d87b3a9f1c2d3e4f5a6b01`,
  description: 'Two-seat licence for the Lyon office',
  period: '2026-11',
  added: 2,
  url: 'https://licentia.example.com/portal',
  productId: 'prd_0193a7c2e4d87b3a9f1c2d3e4f5a6b10',
  productName: 'CAD Pro',
  product: 'CAD Pro 2.1',
  licenseModelId: 'lm_0193a7c2e4d87b3a9f1c2d3e4f5a6b11',
  featureId: `${idPrefixes.feature}_0193a7c2e4d87b3a9f1c2d3e4f5a6b12`,
  version: '2.1',
  entitlementId: 'ENT-ZVN50-5TJJ9',
  parentEntitlementId: 'ENT-7QK2M-0XB4D',
  bulkEntitlementId: 'BULK-4F8KQ-2M7TX',
  redeemedEntitlementId: 'ENT-ZVN50-5TJJ9',
  activationId: 'ACT-9GX4K-7PW2M-QH3TZ',
  parentActivationId: 'ACT-5RZ8D-2KC6V-XW9JA',
  activationIds: ['ACT-9GX4K-7PW2M-QH3TZ'],
  webRegisterKey: 'NW-8K3QZ-T7M2X-4PRDA',
  key: 'NW-8K3QZ-T7M2X-4PRDA',
  keys: ['NW-8K3QZ-T7M2X-4PRDA', 'NW-2HC9L-VQ6TN-8BEXK'],
  keyPrefix: 'NW',
  entitlementIdPattern: '{key}-ENT',
  stockId: 'BULK-4F8KQ-2M7TX',
  loadId: 'load-2026-11-16',
  fingerprint: 'a41f0c7e9b2d4f1aa1e3c5b7d9f20468',
  deviceId: 'dev_0193a7c2e4d87b3a9f1c2d3e4f5a6b20',
  deviceName: 'Drafting PC 3',
  device: 'Drafting PC 3',
  userId: 'usr_0193a7c2e4d87b3a9f1c2d3e4f5a6b30',
  endpointId: 'whe_0193a7c2e4d87b3a9f1c2d3e4f5a6b7c',
  deliveryId: `${idPrefixes.outbox}_0193a7c2e4d87b3a9f1c2d3e4f5a6b40`,
  eventId: 'evt_0193a7c2e4d87b3a9f1c2d3e4f5a6b50',
  eventType: 'activation.created',
  events: ['activation.*', 'web_register_key.redeemed'],
  subject: 'Your licence for CAD Pro',
  subjectType: 'entitlement',
  subjectId: 'ENT-ZVN50-5TJJ9',
  partnerName: 'Northwind Software GmbH',
  note: 'As promised on the phone.',
  password: 'correct horse battery staple',
  token: 'eyJhbGciOiJFZERTQSIsImtpZCI6ImtfMDEifQ.eyJsaWQiOiJBQ1QtOUdYNEsifQ.c2lnbmF0dXJl',
  kid: 'k_0193a7c2',
  kty: 'OKP',
  crv: 'Ed25519',
  alg: 'EdDSA',
  use: 'sig',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
  prefix: 'lic_3fQ9',
  hash: 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c',
  signature: 'MEUCIQD3p2x0vQ',
  request: 'eyJ2IjoxLCJhY3RpdmF0aW9uSWQiOiJBQ1QtOUdYNEsifQ',
  message: 'must be at least 1',
  detail: 'The request is not valid.',
  type: 'https://licentia.dev/problems/validation-failed',
  title: 'Bad Request',
  field: '/quantity',
  chain: '0',
  reference: 'ENT-ZVN50-5TJJ9',
  from: '2026-10-01',
  to: '2026-12-31',
  at,
  quantity: 5,
  quantityPerKey: 1,
  count: 1,
  overdraft: 1,
  durationDays: 365,
  maxRehosts: 3,
  leaseSeconds: 3600,
  generate: 500,
  activatedCount: 2,
  attempts: 1,
  durationMs: 84,
  statusCode: 200,
  lastStatusCode: 200,
  lastError: null,
  error: null,
  nextCursor: null,
  response: '{"received":true}',
  body: '{"id":"evt_0193a7c2","type":"activation.created"}',
  startDate: '2026-11-16',
  expirationDate: '2027-11-15',
  disabledReason: null,
};

/** Values by format, for members the table does not name. */
const byFormat: Record<string, Json> = {
  'date-time': at,
  date: '2026-11-16',
  email: 'ada@northwind.example',
  uri: 'https://licentia.example.com',
};

const formats: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d\d-\d\dT/,
  date: /^\d{4}-\d\d-\d\d$/,
  email: /^[^@\s]+@[^@\s]+$/,
  uri: /^https?:\/\//,
};

/** Whether a named value suits this member (the same name means a date in one place, an address in another). */
function fits(value: Json, schema: JsonObject): boolean {
  if (Array.isArray(schema.enum)) return schema.enum.includes(value);
  if (Array.isArray(value)) return schema.type === 'array';
  if (value === null) return true;
  if (schema.type === 'integer') return Number.isInteger(value);
  if (typeof value !== schema.type) return false;
  const format = typeof schema.format === 'string' ? formats[schema.format] : undefined;
  return typeof value !== 'string' || format === undefined || format.test(value);
}

interface Context {
  components: JsonObject;
  /** Answers show required members only (optional ones belong to other kinds of the object); requests show all. */
  request: boolean;
  /** The component being sampled, for its `id` and the members its requests leave out. */
  component?: string;
}

/** A sample of `raw` (a schema), as the member `name` of an object, if it is one. */
export function sample(raw: Json, context: Context, name?: string, depth = 0): Json {
  let schema = raw;
  let inner = context;
  while (isObject(schema) && typeof schema.$ref === 'string') {
    const component = schema.$ref.replace('#/components/schemas/', '');
    inner = { ...inner, component };
    schema = context.components[component];
  }
  if (!isObject(schema) || depth > 12) return null;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('const' in schema) return schema.const;
  const own = inner.component === undefined ? undefined : byComponent[inner.component];
  if (name !== undefined && own !== undefined && name in own && fits(own[name], schema)) return own[name];
  if (name !== undefined && name in byName && fits(byName[name], schema)) return byName[name];
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ['oneOf', 'anyOf'] as const) {
    const choices = schema[key];
    if (!Array.isArray(choices)) continue;
    const concrete = choices.filter((c) => !(isObject(c) && c.type === 'null'));
    return sample(concrete[0] ?? choices[0], inner, name, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((part) => sample(part, inner, name, depth + 1));
    return parts.every(isObject) ? Object.assign({}, ...parts) : parts[0];
  }
  if (schema.type === 'object' || isObject(schema.properties)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const leftOut = (inner.component !== undefined && leftOutOfRequests[inner.component]) || [];
    const out: JsonObject = {};
    for (const [member, child] of Object.entries(properties)) {
      const shown = required.has(member) || (context.request && !leftOut.includes(member));
      if (shown) out[member] = sample(child, inner, member, depth + 1);
    }
    return out;
  }
  if (schema.type === 'array') {
    const component = componentOfItems(name) ?? inner.component;
    return [sample(schema.items, { ...inner, component }, singular(name), depth + 1)];
  }
  if (typeof schema.format === 'string' && schema.format in byFormat) return byFormat[schema.format];
  if (schema.default !== undefined) return schema.default;
  switch (schema.type) {
    case 'string':
      return typeof schema.minLength === 'number' && schema.minLength > 4 ? 'x'.repeat(schema.minLength) : 'text';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/**
 * Examples of a body: one, or one per choice when the body is one of several named shapes (a simple
 * or a bulk entitlement), so that each shape is shown whole.
 */
export function bodyExamples(schema: Json, context: Context): { example: Json } | { examples: JsonObject } {
  const choices = isObject(schema) && Array.isArray(schema.oneOf) ? schema.oneOf : [];
  const named = choices.flatMap((choice) =>
    isObject(choice) && typeof choice.$ref === 'string' ? [choice.$ref.replace('#/components/schemas/', '')] : [],
  );
  if (named.length < 2 || named.length !== choices.length) return { example: sample(schema, context) };
  return {
    examples: Object.fromEntries(
      named.map((component) => [
        component,
        {
          summary: summaryOf(context.components[component]) ?? component,
          value: sample({ $ref: `#/components/schemas/${component}` }, context),
        },
      ]),
    ),
  };
}

/** The first sentence of a schema's description, as an example's title. */
function summaryOf(schema: Json): string | undefined {
  if (!isObject(schema) || typeof schema.description !== 'string') return undefined;
  return schema.description.split(/(?<=\.)\s/)[0];
}

function singular(name: string | undefined): string | undefined {
  return name?.endsWith('ies') ? `${name.slice(0, -3)}y` : name?.replace(/s$/, '');
}

/** A refusal of `code`, as the server writes it. */
export function problemExample(code: ErrorCode): JsonObject {
  return { ...problemOf(new AppError(code, problemDetails[code])), instance: 'urn:licentia:request:req-1a2b3c' };
}

/** What a person reads in each kind of refusal. */
const problemDetails: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'quantity must be at least 1.',
  MALFORMED_REQUEST: 'The body is not valid JSON.',
  UNAUTHENTICATED: 'A valid API key is needed (Authorization: Bearer …).',
  FORBIDDEN: 'This API key may not do that.',
  NOT_FOUND: 'Entitlement ENT-ZVN50-5TJJ9 was not found.',
  ALREADY_EXISTS: 'An entitlement with the ID ENT-ZVN50-5TJJ9 already exists.',
  INVALID_STATE: 'The entitlement is deployed; only a draft can be deleted.',
  ALREADY_REDEEMED: 'This web register key has already been registered.',
  COUNT_EXCEEDED: '2 activations were asked for; 1 of this code’s 5 is free.',
  REHOST_LIMIT_REACHED: 'This activation has been moved 3 times, the most its license model allows.',
  PAYLOAD_TOO_LARGE: 'The body is larger than 1 MB.',
  HEADERS_TOO_LARGE: 'The request headers are too large.',
  REQUEST_TIMEOUT: 'The request took too long to arrive.',
  UNSUPPORTED_MEDIA_TYPE: 'Send application/json.',
  NOT_ACCEPTABLE: 'This answer is available as application/json or text/csv.',
  UNKNOWN_REFERENCE: 'Product prd_0193a7c2e4d87b3a9f1c2d3e4f5a6b10 does not exist.',
  UNPROCESSABLE: 'A bulk entitlement needs a tier-1 partner.',
  REGISTRATION_REQUIRED: 'This key needs the end customer’s name and e-mail address.',
  REGISTRATION_NOT_ALLOWED: 'This key registers anonymously; leave out the customer’s details.',
  KEYS_REJECTED: '2 of the 500 keys were refused; nothing was loaded.',
  UPGRADE_NOT_ALLOWED:
    'Studio 5.0 cannot be upgraded to Viewer 2.0: an upgrade goes to a newer version of Studio, or to a product whose upgradesFrom lists Studio 5.0.',
  UPGRADE_CYCLE: 'Upgrades would go round in a circle: Studio 5.0 → Studio Pro 1.0 → Studio 5.0.',
  IDEMPOTENCY_CONFLICT: 'This load ID was used for other keys.',
  RATE_LIMITED: 'Too many attempts; try again in 30 seconds.',
  UNAVAILABLE: 'The database cannot be reached; try again shortly.',
  INTERNAL: 'Something went wrong on our side; it has been logged.',
};
