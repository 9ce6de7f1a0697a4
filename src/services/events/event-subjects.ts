import type { Actor } from '../../domain/actors.ts';
import type { AuditEvent, EventSubject } from '../../domain/events.ts';
import { humanIdsOf } from '../../store/entitlements.ts';
import { requireProducer } from '../access.ts';
import type { ServiceContext } from '../context.ts';

/** A record's own words for itself, as the event holds it: a name (and version), a URL, an email. */
function recordLabel(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const r = record as Record<string, unknown>;
  const text = (key: string) => (typeof r[key] === 'string' && r[key] !== '' ? (r[key] as string) : undefined);
  const name = text('name');
  if (name) return text('version') ? `${name} ${text('version')}` : name;
  return text('url') ?? text('email');
}

/**
 * What the events of a page are about, in a person's words: an entitlement by its human ID, a line
 * item by its activation ID (both as they are now, or as the event recorded them once deleted), other
 * records by the name the event holds. Keyed by subject ID; a subject without words is absent.
 */
export async function eventSubjects(
  ctx: ServiceContext,
  actor: Actor,
  events: AuditEvent[],
): Promise<Map<string, EventSubject>> {
  requireProducer(actor);
  const ofType = (type: string) => [...new Set(events.filter((e) => e.subjectType === type).map((e) => e.subjectId))];
  const ids = await humanIdsOf(ctx.store.db, {
    entitlementPks: ofType('entitlement'),
    lineItemIds: ofType('line-item'),
  });
  const subjects = new Map<string, EventSubject>();
  for (const event of events) {
    if (subjects.has(event.subjectId)) continue;
    const recorded = event.after ?? event.before;
    if (event.subjectType === 'entitlement') {
      const now = ids.entitlements.get(event.subjectId);
      const id = now ?? recordedText(recorded, 'id');
      if (id) subjects.set(event.subjectId, { label: id, current: now !== undefined });
    } else if (event.subjectType === 'line-item') {
      const now = ids.lineItems.get(event.subjectId)?.activationId;
      const code = now ?? recordedText(recorded, 'activationId');
      if (code) subjects.set(event.subjectId, { label: code, current: now !== undefined });
    } else {
      const label = recordLabel(event.after) ?? recordLabel(event.before);
      if (label) subjects.set(event.subjectId, { label, current: true });
    }
  }
  return subjects;
}

function recordedText(record: unknown, key: string): string | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const value = (record as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
