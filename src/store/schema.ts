/**
 * Table shapes as Kysely sees them. The columns are kept portable between SQLite and PostgreSQL:
 * timestamps are ISO-8601 UTC text (sortable, identical on both), booleans are 0/1 integers
 * (better-sqlite3 cannot bind booleans), JSON is text. Row mappers in each store module turn them
 * into domain values.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** 0 or 1. */
export type Flag = number;

export interface AccountsTable {
  id: string;
  name: string;
  type: string;
  parent_account_id: string | null;
  anonymous: Flag;
  created_at: string;
  updated_at: string;
}

export interface ContactsTable {
  id: string;
  account_id: string;
  name: string;
  email: string;
  phone: string | null;
  created_at: string;
  updated_at: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  account_id: string | null;
  prefix: string;
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface FeaturesTable {
  id: string;
  name: string;
  version: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

export interface LicenseModelsTable {
  id: string;
  name: string;
  kind: string;
  duration_days: number | null;
  overdraft: number;
  max_rehosts: number | null;
  allow_offline: Flag;
  lease_seconds: number | null;
  created_at: string;
  updated_at: string;
}

export interface ProductsTable {
  id: string;
  name: string;
  version: string;
  description: string | null;
  license_model_id: string;
  created_at: string;
  updated_at: string;
}

export interface ProductFeaturesTable {
  product_id: string;
  feature_id: string;
  count: number;
  position: number;
}

export interface EntitlementsTable {
  pk: string;
  id: string;
  id_generated: Flag;
  kind: string;
  state: string;
  sold_to: string | null;
  description: string | null;
  ship_to_email: string | null;
  ship_to_address: string | null;
  product_id: string | null;
  quantity_per_key: number | null;
  entitlement_id_pattern: string | null;
  registration: string | null;
  key_prefix: string | null;
  web_register_key: string | null;
  bulk_entitlement_pk: string | null;
  parent_entitlement_pk: string | null;
  created_at: string;
  updated_at: string;
  /** Counters of a bulk entitlement's keys, kept in step by the statements that change keys. */
  keys_total: Generated<number>;
  keys_unredeemed: Generated<number>;
  keys_redeemed: Generated<number>;
  keys_void: Generated<number>;
  /** The position the next loaded key gets. */
  key_seq: Generated<number>;
  /** What the redeemer registered, when the bulk entitlement's policy asked for it. */
  registration_data: string | null;
  /** Every new licence of its line items is mailed to the ship-to address (migration 0007). */
  email_licenses: Generated<Flag>;
}

export interface EntitlementPartnersTable {
  entitlement_pk: string;
  tier: string;
  account_id: string;
  contact_id: string | null;
}

export interface LineItemsTable {
  id: string;
  entitlement_pk: string;
  position: number;
  activation_id: string;
  activation_code: string;
  activation_id_generated: Flag;
  product_id: string;
  quantity: number;
  used_count: Generated<number>;
  start_date: string | null;
  expiration_date: string | null;
  state: string;
  parent_line_item_id: string | null;
  created_at: string;
  updated_at: string;
  /** Activations given back (returned or rehosted) by the customer side, limited by maxRehosts. */
  returns: Generated<number>;
  /** The number of its current terms; each lifecycle change keeps the old ones as a version (0012). */
  version: Generated<number>;
}

/** The terms a line item had before a lifecycle operation changed them (migration 0012). */
export interface LineItemVersionsTable {
  line_item_id: string;
  version: number;
  product_id: string;
  quantity: number;
  start_date: string | null;
  expiration_date: string | null;
  duration_days: number | null;
  state: string;
  operation: string;
  at: string;
  actor: string;
  event_id: string;
  successor_line_item_id: string | null;
}

/** `upgradesFrom` of a product: the products it may be upgraded from (migration 0012). */
export interface ProductUpgradesTable {
  product_id: string;
  from_product_id: string;
  position: number;
}

export interface EventsTable {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before: string | null;
  after: string | null;
  /**
   * The event's chain (migration 0016: `chainOf` its subject; 0 for events chained before) and its
   * place in that chain; both null on an event written with `LICENTIA_AUDIT_CHAIN` off.
   */
  chain: number | null;
  seq: number | null;
  prev_hash: string | null;
  hash: string | null;
}

export interface AuditChainHeadsTable {
  chain: number;
  seq: number;
  hash: string;
  /** The hash before the head's last event (what that event's `prev_hash` says). */
  prev_hash: string;
}

export interface AuditCheckpointsTable {
  /** How many events the checkpoint covers, all chains together; it only grows, so it names one. */
  count: number;
  /** The signed heads, as JSON: `[{chain, count, hash}]` of each chain that had events. */
  heads: string;
  at: string;
  kid: string;
  /** A compact JWS (EdDSA) of the checkpoint's claims, by the signing key `kid`. */
  signature: string;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  public_jwk: string;
  private_pkcs8: string;
  created_at: string;
  retired_at: string | null;
}

export interface WebRegisterKeysTable {
  /** The normalised key (src/domain/codes.ts normalizeCode). */
  code: string;
  /** The key as shown: as loaded, in upper case. */
  key: string;
  entitlement_pk: string;
  seq: number;
  state: string;
  load_id: string;
  created_at: string;
  redeemed_entitlement_pk: string | null;
  redeemed_at: string | null;
  voided_at: string | null;
}

export interface KeyLoadsTable {
  id: string;
  entitlement_pk: string;
  actor: string;
  source: string;
  added: number;
  rejected: number;
  first_seq: number | null;
  last_seq: number | null;
  created_at: string;
}

export interface PendingKeyLoadsTable {
  id: string;
  entitlement_pk: string;
  owner: string;
  first_seq: number;
  idempotency_scope: string | null;
  idempotency_key: string | null;
  created_at: string;
  touched_at: string;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status: number | null;
  response: string | null;
  created_at: string;
}

export interface DevicesTable {
  id: string;
  account_id: string;
  fingerprint: string;
  name: string | null;
  created_at: string;
  last_seen_at: string;
}

export interface ActivationsTable {
  id: string;
  line_item_id: string;
  entitlement_pk: string;
  device_id: string;
  fingerprint: string;
  count: number;
  /** active, returned or revoked */
  state: string;
  test: Flag;
  /** The line item's owner when activated; billing groups by these three. */
  account_id: string;
  tier1_account_id: string | null;
  /** The tier-2 partner (reseller) of the entitlement when activated (migration 0010). */
  tier2_account_id: Generated<string | null>;
  product_id: string;
  kid: string;
  /** The signed licence, returned again on a repeat activation of the same device. */
  token: string;
  /** The device's own Ed25519 public JWK, when it brought one (offline activation). */
  device_public_key: string | null;
  offline: Flag;
  issued_at: string;
  expires_at: string | null;
  /** When it was returned or revoked. */
  ended_at: string | null;
  /** Generated by the database: `YYYY-MM` of issued_at and ended_at, for billing (migration 0004). */
  issued_month: ColumnType<string, never, never>;
  ended_month: ColumnType<string | null, never, never>;
}

/**
 * Activations issued, returned and revoked per month and billing keys (migration 0011), kept by
 * `src/store/report-counters.ts` in each activation write's transaction. No tier is ''.
 */
export interface ReportCountersTable {
  month: string;
  /** issued, returned or revoked */
  event: string;
  test: Flag;
  tier1_account_id: string;
  tier2_account_id: string;
  account_id: string;
  product_id: string;
  n: number;
}

/** `report_counters` summed over partners and products (migration 0018). */
export interface ReportAccountCountersTable {
  test: Flag;
  month: string;
  account_id: string;
  issued: number;
  returned: number;
  revoked: number;
}

export interface LeasesTable {
  id: string;
  line_item_id: string;
  fingerprint: string;
  device_name: string | null;
  test: Flag;
  created_at: string;
  expires_at: string;
  released_at: string | null;
}

export interface UsersTable {
  id: string;
  /** Lower case; one user per address. */
  email: string;
  name: string;
  role: string;
  account_id: string | null;
  /** `scrypt$N$r$p$salt$key`; null until the user sets a password (e.g. after a sign-in link). */
  password_hash: string | null;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
}

export interface SessionsTable {
  id: string;
  secret_hash: string;
  user_id: string;
  /** How the user signed in: `password` or `link`. */
  method: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface SignInLinksTable {
  secret_hash: string;
  user_id: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface TwoFactorTable {
  user_id: string;
  /** The TOTP secret, encrypted with the server's two-factor key (src/services/users/two-factor-secrets.ts). */
  secret: string;
  /** The last TOTP time step accepted, so that no code is accepted twice. */
  last_step: number;
  enabled_at: string;
}

export interface TwoFactorRecoveryCodesTable {
  code_hash: string;
  user_id: string;
  used_at: string | null;
}

export interface TwoFactorChallengesTable {
  secret_hash: string;
  user_id: string;
  /** How the first step was passed: `password` or `link`; the session keeps it. */
  method: string;
  failures: number;
  created_at: string;
  expires_at: string;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: string;
}

export interface LimitCountersTable {
  key: string;
  /** Epoch milliseconds of the start of the counter's current fixed window. */
  window_start: number;
  window_ms: number;
  /** The count of the window before the current one. */
  previous_count: number;
  count: number;
}

export interface MessagesTable {
  id: string;
  kind: string;
  /** queued, sent or failed */
  status: string;
  recipient: string;
  subject: string;
  /** JSON `{text, html, attachments}`; null once a secret-carrying message is out of our hands. */
  body: string | null;
  secret: Flag;
  /** To an anonymous end customer: the address is the partner's business, not the producer's. */
  recipient_private: Flag;
  partner_account_id: string | null;
  /** What it is about, as people name it: an entitlement ID, an activation id. */
  reference: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export interface OutboxTable {
  id: string;
  kind: string;
  topic: string;
  target: string | null;
  event_id: string | null;
  payload: string;
  status: string;
  attempts: Generated<number>;
  next_attempt_at: string | null;
  claimed_by: string | null;
  claimed_until: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface OutboxAttemptsTable {
  id: string;
  outbox_id: string;
  at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response: string | null;
}

export interface EventCursorsTable {
  name: string;
  position: number;
  event_id: string | null;
  updated_at: string;
}

export interface WebhookEndpointsTable {
  id: string;
  account_id: string | null;
  url: string;
  /** JSON array of event types and `group.*` wildcards. */
  events: string;
  description: string | null;
  enabled: Flag;
  disabled_reason: string | null;
  disabled_at: string | null;
  /** The signing secret (`whsec_…`): the server signs with it, so it cannot be hashed. */
  secret: string;
  previous_secret: string | null;
  previous_secret_until: string | null;
  failing_since: string | null;
  last_success_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface Database {
  accounts: AccountsTable;
  contacts: ContactsTable;
  api_keys: ApiKeysTable;
  features: FeaturesTable;
  license_models: LicenseModelsTable;
  products: ProductsTable;
  product_features: ProductFeaturesTable;
  entitlements: EntitlementsTable;
  entitlement_partners: EntitlementPartnersTable;
  line_items: LineItemsTable;
  line_item_versions: LineItemVersionsTable;
  product_upgrades: ProductUpgradesTable;
  events: EventsTable;
  audit_chain_heads: AuditChainHeadsTable;
  audit_checkpoints: AuditCheckpointsTable;
  signing_keys: SigningKeysTable;
  web_register_keys: WebRegisterKeysTable;
  key_loads: KeyLoadsTable;
  pending_key_loads: PendingKeyLoadsTable;
  idempotency_keys: IdempotencyKeysTable;
  devices: DevicesTable;
  activations: ActivationsTable;
  report_counters: ReportCountersTable;
  report_account_counters: ReportAccountCountersTable;
  leases: LeasesTable;
  users: UsersTable;
  sessions: SessionsTable;
  two_factor: TwoFactorTable;
  two_factor_recovery_codes: TwoFactorRecoveryCodesTable;
  two_factor_challenges: TwoFactorChallengesTable;
  sign_in_links: SignInLinksTable;
  server_secrets: ServerSecretsTable;
  limit_counters: LimitCountersTable;
  messages: MessagesTable;
  outbox: OutboxTable;
  outbox_attempts: OutboxAttemptsTable;
  webhook_endpoints: WebhookEndpointsTable;
  event_cursors: EventCursorsTable;
}

export type Row<T extends keyof Database> = Selectable<Database[T]>;
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
export type RowUpdate<T extends keyof Database> = Updateable<Database[T]>;
export type { ColumnType };
