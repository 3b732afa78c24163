// Topic access rules, as pure functions of (identity, topic). The broker hooks call these.
import { CLUSTER_LINK_TOPIC, ESTATE_CHANNELS, isEventKind, parseDeviceTopic, type EventKind } from '../../protocol/index.ts';
import type { Identity } from './identity.ts';
import { userSeesEstate, userSeesGroup } from '../org/scope.ts';

export type PublishVerdict = { ok: true; kind: EventKind } | { ok: false; reason: 'forbidden_topic' | 'unknown_topic'; error: string };

/** A device publishes only `estates/{its estate}/devices/{its id}/{kind}`. */
export function devicePublishVerdict(device: { id: string; estate: string }, topic: string): PublishVerdict {
  const own = `estates/${device.estate}/devices/${device.id}/`;
  const parsed = parseDeviceTopic(topic);
  if (!topic.startsWith(own) || !parsed) {
    return { ok: false, reason: 'forbidden_topic', error: `device '${device.id}' may publish only below ${own} (got '${topic}')` };
  }
  if (!isEventKind(parsed.suffix)) {
    return {
      ok: false,
      reason: 'unknown_topic',
      error: `unknown topic '${topic}': publish to ${own}{checkin|camera|vehicle|position|status}`,
    };
  }
  return { ok: true, kind: parsed.suffix };
}

/**
 * Devices subscribe only below their own root (errors, future commands). Operators subscribe to
 * their estates' `live/…`, server channels (`alerts`, `patrol`, `occupancy`) and devices' `status`; `+` for the estate only when they may
 * see every estate. Unit and company scopes resolve through org/scope.ts; district screens read
 * `units/{u}/summary` / `companies/{c}/summary` within their scope.
 */
export function canSubscribe(who: Identity, filter: string): boolean {
  const levels = filter.split('/');
  if (who.type === 'device') {
    const own = `estates/${who.device.estate}/devices/${who.device.id}`;
    return filter === `${own}/#` || (filter.startsWith(`${own}/`) && filter.length > own.length + 1);
  }
  // every dashboard may read its node's cluster link state (it says what the dashboard may be missing)
  if (filter === CLUSTER_LINK_TOPIC) return true;
  // district screens: `units/{u}/summary` or `companies/{c}/summary`, no wildcards, within scope
  if ((levels[0] === 'units' || levels[0] === 'companies') && levels.length === 3 && levels[2] === 'summary') {
    const id = levels[1];
    if (id === '+' || id === '#' || id === '') return false;
    return userSeesGroup(who.user, { kind: levels[0] === 'units' ? 'unit' : 'company', id });
  }
  if (levels[0] !== 'estates' || levels.length < 3) return false;
  const estate = levels[1];
  // `+` for the estate only for users who see every estate: a wildcard never reaches past a scope
  const scoped = who.user.estate === null ? estate !== '#' : estate !== '+' && estate !== '#' && userSeesEstate(who.user, estate);
  if (!scoped) return false;
  switch (levels[2]) {
    case 'live':
      return levels.length === 4 && levels[3] !== '';
    case 'devices':
      return levels.length === 5 && levels[3] !== '#' && levels[4] === 'status';
    default:
      // alerts, patrol, occupancy …: the channel itself (or with /# for sub-topics)
      if (!(ESTATE_CHANNELS as readonly string[]).includes(levels[2])) return false;
      return levels.length === 3 || (levels.length === 4 && levels[3] === '#');
  }
}
