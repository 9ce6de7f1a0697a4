import { eventTypeNames, unpublishedActions } from './webhooks.ts';

export interface AuditEvent {
  id: string;
  at: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  before: unknown;
  after: unknown;
}

/** Every action the audit log records: the published event types (as actions are written) and the others. */
export const auditedActions: readonly string[] = [
  ...new Set([...eventTypeNames.map((type) => type.replaceAll('_', '-')), ...unpublishedActions]),
].sort();

/** Signing in and out: recorded, but not a change to the back office, so the dashboard leaves them out. */
export const signInActions: readonly string[] = [
  'session.created',
  'session.ended',
  'sign-in-link.used',
  'two-factor.challenged',
  'two-factor.code-refused',
  'two-factor.recovery-code-used',
];

/** The kinds of record audit events are about. */
export const subjectTypes: readonly string[] = [
  'account',
  'activation',
  'api-key',
  'contact',
  'entitlement',
  'feature',
  'lease',
  'license-model',
  'line-item',
  'message',
  'product',
  'server-secret',
  'signing-key',
  'user',
  'web-register-key',
  'webhook-delivery',
  'webhook-endpoint',
];

/** What an event is about, as a person reads it: a human ID or a name instead of an internal key. */
export interface EventSubject {
  label: string;
  /** False when the record is gone (a deleted draft): the label is the one the event recorded. */
  current: boolean;
}
