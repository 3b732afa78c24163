// Alarm storms (告警风暴): a switch dies and 50 cameras go offline together; a power cut trips every
// perimeter beam. The control room needs one incident, not fifty rows and fifty beeps. When
// `stormThreshold` alerts of one type open within `stormWindowSec`, they become the members of one
// incident (an alert of type `incident`, source = the members' type); later alerts of that type join
// it while it is open and still growing. Pure: decisions here, the service applies them.
import { INCIDENT_TYPE, severityRank, type Alert, type AlertSeverity } from '../../protocol/index.ts';
import type { AlertInput } from './sink.ts';
import { openAlert, type Transition } from './lifecycle.ts';

export type StormDecision = { join: Alert } | { create: Alert[] } | null;

/**
 * For a newly opened alert: join the open incident of its type, start one with the recent alerts of
 * its type, or nothing. `open` holds the estate's unresolved alerts (the new one included or not).
 */
export function stormDecision(created: Alert, open: Iterable<Alert>, threshold: number, windowMs: number, now: number): StormDecision {
  if (created.type === INCIDENT_TYPE || created.incident !== undefined) return null;
  const recent: Alert[] = [];
  for (const a of open) {
    if (a.status === 'resolved') continue;
    if (a.type === INCIDENT_TYPE && a.detail.memberType === created.type && now - Number(a.detail.lastJoinedAt ?? a.openedAt) <= windowMs) return { join: a };
    if (a.type === created.type && a.incident === undefined && a.id !== created.id && now - a.openedAt <= windowMs) recent.push(a);
  }
  recent.push(created);
  return recent.length >= threshold ? { create: recent.sort((a, b) => a.id - b.id) } : null;
}

const LABELS: Record<string, [string, string]> = {
  device_offline: ['Devices offline', '设备离线'],
  intrusion: ['Intrusions', '入侵'],
  tamper: ['Cameras tampered', '摄像机遮挡'],
  fire: ['Fire detections', '火情'],
  smoke: ['Smoke detections', '烟雾'],
  falling_object: ['Falling objects', '高空抛物'],
  fire_lane_blocked: ['Fire lane blocked', '消防通道占用'],
  // raised by other modules through ctx.alerts
  patrol_missed: ['Checkpoints missed', '漏巡'],
  patrol_late: ['Checkpoints late', '迟巡'],
  patrol_sos: ['SOS calls', '保安求助'],
  blacklisted_plate: ['Blacklisted plates', '黑名单车辆'],
  vehicle_overstay: ['Vehicles overstaying', '车辆超时停留'],
};

export function incidentTitles(memberType: string, members: number): { title: string; titleZh: string } {
  const [en, zh] = LABELS[memberType] ?? [memberType, memberType];
  return { title: `Storm: ${members} × ${en}`, titleZh: `告警风暴：${zh} ×${members}` };
}

/** The incident's own AlertInput: the worst severity, the members' centre, the earliest observation. */
export function incidentInput(members: readonly Alert[]): AlertInput {
  const first = members[0];
  let severity: AlertSeverity = first.severity;
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (const m of members) {
    if (severityRank(m.baseSeverity) > severityRank(severity)) severity = m.baseSeverity;
    if (m.x !== undefined && m.y !== undefined) {
      sx += m.x;
      sy += m.y;
      n++;
    }
  }
  return {
    estate: first.estate,
    source: first.type,
    type: INCIDENT_TYPE,
    severity,
    tier: first.tier,
    ...incidentTitles(first.type, members.length),
    ...(n ? { x: Math.round((sx / n) * 100) / 100, y: Math.round((sy / n) * 100) / 100 } : {}),
    detail: { memberType: first.type },
    at: Math.min(...members.map((m) => m.firstSeen)),
  };
}

/** Opens the incident for its first members: its clock starts with the earliest of them. */
export function openIncident(members: readonly Alert[], id: number, now: number): Transition {
  const input = incidentInput(members);
  const opened = openAlert({ ...input, source: `${input.source}:${id}` }, id, input.tier ?? 'small', now);
  const openedAt = Math.min(...members.map((m) => m.openedAt));
  const alert: Alert = {
    ...opened.alert,
    openedAt,
    onSiteDue: openedAt + (opened.alert.onSiteDue - opened.alert.openedAt),
    fixDue: openedAt + (opened.alert.fixDue - opened.alert.openedAt),
    count: members.length,
    members: members.length,
    detail: { memberType: members[0].type, lastJoinedAt: now },
  };
  return { ...opened, alert, log: [{ ...opened.log[0], detail: { ...opened.log[0].detail, members: members.map((m) => m.id) } }] };
}

/** One more member: the count, the titles and (if worse) the severity follow. */
export function joinIncident(incident: Alert, member: Alert, now: number): Transition {
  const members = (incident.members ?? incident.count) + 1;
  const severity = severityRank(member.baseSeverity) > severityRank(incident.severity) ? member.baseSeverity : incident.severity;
  const memberType = String(incident.detail.memberType ?? member.type);
  const alert: Alert = {
    ...incident,
    ...incidentTitles(memberType, members),
    members,
    count: incident.count + 1,
    lastSeen: Math.max(incident.lastSeen, member.firstSeen),
    severity,
    detail: { ...incident.detail, lastJoinedAt: now },
    version: incident.version + 1,
    updatedAt: now,
  };
  return { alert, change: 'repeated', log: [{ at: now, actor: 'system', action: 'grouped', detail: { member: member.id, members } }] };
}

/** The open incident for this type, if any. */
export function memberTypeOf(incident: Alert): string | undefined {
  return incident.type === INCIDENT_TYPE ? String(incident.detail.memberType ?? '') || undefined : undefined;
}
