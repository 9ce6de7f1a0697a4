import { otherAccountActorLabel, producerActorLabel } from '../../domain/actors.ts';
/** Who made a change, in words: a person by name, a key as a key, the command line and devices as such. */
function actorText(label: string, names: Map<string, string>): { main: string; sub?: string } {
  const colon = label.indexOf(':');
  const [kind, id] = colon === -1 ? [label, ''] : [label.slice(0, colon), label.slice(colon + 1)];
  if (kind === 'user') return { main: names.get(label) ?? 'A user', sub: id };
  if (kind === 'api-key') return { main: 'API key', sub: id };
  if (kind === 'system') return { main: 'The licentia command' };
  if (kind === 'public') return { main: 'A device', sub: 'without a key' };
  if (kind === producerActorLabel) return { main: 'The producer' };
  if (kind === otherAccountActorLabel) return { main: 'Another account' };
  return { main: label };
}

/** An audit event's actor label (`user:usr_…`), with `names` from `actorNames`. */
export function ActorName({ label, names }: { label: string; names: Map<string, string> }) {
  const { main, sub } = actorText(label, names);
  return (
    <>
      {main}
      {sub && <span class="cell-sub mono">{sub}</span>}
    </>
  );
}
