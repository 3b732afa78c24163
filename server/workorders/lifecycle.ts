// The work-order lifecycle as pure functions, like server/alerts/lifecycle.ts: each returns the order
// after the change and the timeline entries to keep, or a refusal (HTTP 409) saying why not. The
// deadlines come from the one 54321 clock (protocol/clock.ts); a pause stops it. No I/O here.
import {
  clockElapsed,
  deadlines,
  isWorkOrderDone,
  warnAt,
  type Rating,
  type RectificationPlan,
  type SlaTier,
  type WorkOrder,
  type WorkOrderChange,
  type WorkOrderLogEntry,
  type WorkOrderNotice,
  type WorkOrderStatus,
  type PhotoRef,
} from '../../protocol/index.ts';

export const SYSTEM = 'system';

export interface Transition {
  order: WorkOrder;
  change: WorkOrderChange;
  log: WorkOrderLogEntry[];
  notice?: WorkOrderNotice;
}

export type RefusalReason =
  | 'done'
  | 'paused'
  | 'not_paused'
  | 'not_dispatched'
  | 'not_accepted'
  | 'not_on_site'
  | 'not_resolved'
  | 'already_rated'
  | 'already_spam'
  | 'same_tier'
  | 'not_assignee';

export interface Refusal {
  refused: true;
  reason: RefusalReason;
  error: string;
}

export type Outcome = Transition | Refusal;
export const isRefusal = (o: Outcome | null | undefined): o is Refusal => !!o && 'refused' in o;

const refuse = (reason: RefusalReason, error: string): Refusal => ({ refused: true, reason, error });

/** Tiers whose orders need a rectification plan (整改台账). */
export const needsPlanFor = (tier: SlaTier): boolean => tier === 'complex' || tier === 'special';

/** What intake knows of a new order: the WorkOrder's own fields, photos optional. */
export type NewOrder = Pick<
  WorkOrder,
  'estate' | 'source' | 'category' | 'tier' | 'department' | 'description' | 'building' | 'floor' | 'unit' | 'room' | 'x' | 'y' | 'lat' | 'lon' | 'address' | 'reporter' | 'mediaUrls' | 'alert'
> & { photos?: PhotoRef[] };

function bump(o: WorkOrder, patch: Partial<WorkOrder>, now: number): WorkOrder {
  return { ...o, ...patch, version: o.version + 1, updatedAt: now };
}

/** Drops keys whose value is undefined (stored JSON stays small, equal orders compare equal). */
function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

const clockOf = (o: WorkOrder) => ({ startedAt: o.openedAt, tier: o.tier, pausedMs: o.pausedMs, pausedAt: o.pausedAt });

/** A new order: the 54321 clock starts now (server time). */
export function createOrder(input: NewOrder, id: number, actor: string, now: number): Transition {
  const order: WorkOrder = clean({
    id,
    estate: input.estate,
    source: input.source,
    category: input.category,
    tier: input.tier,
    status: 'new',
    description: input.description,
    building: input.building,
    floor: input.floor,
    unit: input.unit,
    room: input.room,
    x: input.x,
    y: input.y,
    lat: input.lat,
    lon: input.lon,
    address: input.address,
    reporter: input.reporter && (input.reporter.name || input.reporter.phone) ? clean({ ...input.reporter }) : undefined,
    photos: input.photos ?? [],
    mediaUrls: input.mediaUrls?.length ? input.mediaUrls : undefined,
    alert: input.alert,
    department: input.department,
    openedAt: now,
    updatedAt: now,
    version: 1,
    pausedMs: 0,
    ...deadlines({ startedAt: now, tier: input.tier }),
    warned: 0,
    escalation: 0,
    reopenCount: 0,
    spam: false,
    needsPlan: needsPlanFor(input.tier),
  } as WorkOrder);
  return {
    order,
    change: 'created',
    log: [{ at: now, actor, action: 'created', detail: clean({ source: input.source, category: input.category, tier: input.tier, alert: input.alert, photos: order.photos.length || undefined }) }],
  };
}

const ACTIVE: readonly WorkOrderStatus[] = ['new', 'dispatched', 'accepted', 'on_site', 'reopened'];

function notActive(o: WorkOrder, what: string): Refusal | null {
  if (isWorkOrderDone(o.status)) return refuse('done', `work order ${o.id} is ${o.status}: it cannot be ${what}`);
  if (o.status === 'paused') return refuse('paused', `work order ${o.id} is paused (${o.pauseReason}): resume it first`);
  return null;
}

/** Dispatch (派单) to a team and/or a person; again on a dispatched or accepted order = reassign. */
export function dispatch(o: WorkOrder, actor: string, to: { team?: string; assignee?: string }, now: number, note?: string): Outcome {
  const no = notActive(o, 'dispatched');
  if (no) return no;
  const reassign = o.status === 'dispatched' || o.status === 'accepted' || o.status === 'on_site';
  // someone new must accept (and a reassigned on-site order keeps its proof: the clock saw it)
  const status: WorkOrderStatus = o.status === 'on_site' ? 'on_site' : 'dispatched';
  const next = bump(o, { status, team: to.team ?? o.team, assignee: to.assignee, dispatchedAt: o.dispatchedAt ?? now, ...(status === 'dispatched' ? { acceptedAt: undefined, acceptedBy: undefined } : {}) }, now);
  const change = reassign ? 'reassigned' : 'dispatched';
  return {
    order: clean(next),
    change,
    log: [{ at: now, actor, action: change, ...(note ? { text: note } : {}), detail: clean({ team: to.team, assignee: to.assignee, previous: reassign ? (o.assignee ?? o.team ?? null) : undefined }) }],
  };
}

/** Accept (接单). From new it is a self-assignment. */
export function accept(o: WorkOrder, actor: string, now: number, note?: string): Outcome {
  const no = notActive(o, 'accepted');
  if (no) return no;
  if (o.status !== 'new' && o.status !== 'dispatched' && o.status !== 'reopened') {
    return refuse('not_dispatched', `work order ${o.id} is ${o.status}: only a new, dispatched or reopened order can be accepted`);
  }
  const next = bump(o, { status: 'accepted', acceptedAt: now, acceptedBy: actor, assignee: o.assignee ?? actor, dispatchedAt: o.dispatchedAt ?? now }, now);
  return { order: next, change: 'accepted', log: [{ at: now, actor, action: 'accepted', ...(note ? { text: note } : {}) }] };
}

/** On site (到场), proven by presence (server/alerts/on-site.ts). The first proof sets the measured time. */
export function arrive(o: WorkOrder, by: string, at: number, now: number, evidence: Record<string, unknown> = {}): Outcome {
  const no = notActive(o, 'proven on site');
  if (no) return no;
  if (o.status === 'on_site') return refuse('not_accepted', `work order ${o.id} is already on site (${o.onSiteBy})`);
  if (o.status === 'new') return refuse('not_accepted', `work order ${o.id} is new: accept it before arriving`);
  const at2 = Math.min(now, Math.max(o.openedAt, at));
  const first = o.onSiteAt === undefined;
  const next = bump(o, { status: 'on_site', ...(first ? { onSiteAt: at2, onSiteBy: by, onSiteMs: clockElapsed(clockOf(o), at2) } : {}), acceptedAt: o.acceptedAt ?? at2, acceptedBy: o.acceptedBy ?? by }, now);
  return { order: next, change: 'on_site', log: [{ at: now, actor: by, action: 'on_site', detail: { ...evidence, onSiteAt: at2, ...(first ? { seconds: Math.round(next.onSiteMs! / 1000) } : { again: true }) } }] };
}

/** Notes at any time (after closing too: the follow-up belongs on the record). */
export function addNote(o: WorkOrder, actor: string, text: string, now: number, internal = false): Transition {
  return { order: bump(o, {}, now), change: 'noted', log: [{ at: now, actor, action: 'note', text, ...(internal ? { detail: { internal: true } } : {}) }] };
}

export function addPhotos(o: WorkOrder, actor: string, photos: PhotoRef[], now: number): Outcome {
  if (o.status === 'cancelled') return refuse('done', `work order ${o.id} is cancelled: no more photos`);
  const have = new Set(o.photos.map((p) => p.hash));
  const added = photos.filter((p) => !have.has(p.hash));
  return { order: bump(o, { photos: [...o.photos, ...added] }, now), change: 'photo', log: [{ at: now, actor, action: 'photo', detail: { photos: added.map((p) => p.hash), bytes: added.reduce((s, p) => s + p.bytes, 0) } }] };
}

/** Pause (挂起): waiting for parts or the owner. The clock stops until resume. */
export function pause(o: WorkOrder, actor: string, reason: string, now: number): Outcome {
  const no = notActive(o, 'paused');
  if (no) return no;
  const next = bump(o, { status: 'paused', pausedFrom: o.status, pausedAt: now, pauseReason: reason }, now);
  return { order: next, change: 'paused', log: [{ at: now, actor, action: 'paused', text: reason, detail: { from: o.status } }] };
}

/** The pause time is added to the clock and every deadline moves by it. */
function endPause(o: WorkOrder, now: number): Partial<WorkOrder> {
  if (o.pausedAt === undefined) return {};
  const pausedMs = o.pausedMs + Math.max(0, now - o.pausedAt);
  return { pausedMs, pausedAt: undefined, pauseReason: undefined, pausedFrom: undefined, ...deadlines({ startedAt: o.openedAt, tier: o.tier, pausedMs }) };
}

export function resume(o: WorkOrder, actor: string, now: number, note?: string): Outcome {
  if (o.status !== 'paused' || o.pausedAt === undefined) return refuse('not_paused', `work order ${o.id} is ${o.status}, not paused`);
  const seconds = Math.round((now - o.pausedAt) / 1000);
  const next = bump(o, { ...endPause(o, now), status: o.pausedFrom ?? 'dispatched' }, now);
  return { order: clean(next), change: 'resumed', log: [{ at: now, actor, action: 'resumed', ...(note ? { text: note } : {}), detail: { pausedSec: seconds, reason: o.pauseReason } }] };
}

/** Resolve: only after someone was on site (proof, not a click). */
export function resolve(o: WorkOrder, actor: string, now: number, note?: string): Outcome {
  const no = notActive(o, 'resolved');
  if (no) return no;
  if (o.status !== 'on_site') return refuse('not_on_site', `work order ${o.id} is ${o.status}: prove arrival on site before resolving`);
  const next = bump(o, { status: 'resolved', resolvedAt: now, resolvedBy: actor, fixMs: clockElapsed(clockOf(o), now) }, now);
  return { order: next, change: 'resolved', log: [{ at: now, actor, action: 'resolved', ...(note ? { text: note } : {}), detail: { seconds: Math.round(next.fixMs! / 1000) } }] };
}

/** Close (回访 done): after resolution, by staff or by the resident's confirmation. */
export function close(o: WorkOrder, actor: string, now: number, note?: string): Outcome {
  if (o.status !== 'resolved') return refuse('not_resolved', `work order ${o.id} is ${o.status}: only a resolved order can be closed`);
  return { order: bump(o, { status: 'closed', closedAt: now }, now), change: 'closed', log: [{ at: now, actor, action: 'closed', ...(note ? { text: note } : {}) }] };
}

/** The resident confirms and rates (满意 / 基本满意 / 不满意): closes a resolved order, or rates a closed one once. */
export function confirm(o: WorkOrder, actor: string, score: Rating, comment: string | undefined, now: number): Outcome {
  if (o.status !== 'resolved' && o.status !== 'closed') return refuse('not_resolved', `work order ${o.id} is ${o.status}: it can be rated once it is resolved`);
  if (o.rating) return refuse('already_rated', `work order ${o.id} was already rated (${o.rating.score})`);
  const rating = clean({ score, comment, at: now });
  const next = bump(o, { rating, status: 'closed', closedAt: o.closedAt ?? now }, now);
  return { order: next, change: 'rated', log: [{ at: now, actor, action: 'rated', ...(comment ? { text: comment } : {}), detail: { score, closed: o.status === 'resolved' } }] };
}

/** Reopen (返工): the fix did not hold. Counted; the clock keeps running from the opening. */
export function reopen(o: WorkOrder, actor: string, reason: string, now: number): Outcome {
  if (o.status !== 'resolved' && o.status !== 'closed') return refuse('not_resolved', `work order ${o.id} is ${o.status}: only a resolved or closed order can be reopened`);
  const next = bump(o, { status: 'reopened', reopenCount: o.reopenCount + 1, resolvedAt: undefined, resolvedBy: undefined, closedAt: undefined, fixMs: undefined, rating: undefined, check: undefined }, now);
  return { order: clean(next), change: 'reopened', log: [{ at: now, actor, action: 'reopened', text: reason, detail: { count: next.reopenCount, previousRating: o.rating?.score ?? null } }] };
}

export function cancel(o: WorkOrder, actor: string, reason: string, now: number): Outcome {
  if (isWorkOrderDone(o.status)) return refuse('done', `work order ${o.id} is ${o.status}: nothing to cancel`);
  const next = bump(o, { ...endPause(o, now), status: 'cancelled', cancelledAt: now, cancelReason: reason }, now);
  return { order: clean(next), change: 'cancelled', log: [{ at: now, actor, action: 'cancelled', text: reason }] };
}

/** Spam (operators): cancelled as spam, left out of ledgers and reports. */
export function markSpam(o: WorkOrder, actor: string, reason: string | undefined, now: number): Outcome {
  if (o.spam) return refuse('already_spam', `work order ${o.id} is already marked as spam`);
  const ended = isWorkOrderDone(o.status) ? {} : { ...endPause(o, now), status: 'cancelled' as const, cancelledAt: now, cancelReason: reason ?? 'spam' };
  const next = bump(o, { ...ended, spam: true }, now);
  return { order: clean(next), change: 'spam', log: [{ at: now, actor, action: 'spam', ...(reason ? { text: reason } : {}) }] };
}

/** Re-tier with a reason: the deadlines move, the clock does not restart. */
export function retier(o: WorkOrder, actor: string, tier: SlaTier, reason: string, now: number): Outcome {
  if (isWorkOrderDone(o.status)) return refuse('done', `work order ${o.id} is ${o.status}: its tier is history`);
  if (tier === o.tier) return refuse('same_tier', `work order ${o.id} is already ${tier}`);
  const d = deadlines({ startedAt: o.openedAt, tier, pausedMs: o.pausedMs });
  // a fix warning already sent for the old deadline goes out again for a later one
  const warned = o.warned >= 2 && d.fixDue > o.fixDue ? 1 : o.warned;
  const next = bump(o, { tier, fixDue: d.fixDue, warned, needsPlan: o.needsPlan || needsPlanFor(tier) || o.plan !== undefined }, now);
  return { order: next, change: 'retiered', log: [{ at: now, actor, action: 'retiered', text: reason, detail: { tier, previous: o.tier } }] };
}

/** A rectification plan (整改方案): owner department, measures, deadline. For `special` the plan is the pledge. */
export function plan(o: WorkOrder, actor: string, p: Omit<RectificationPlan, 'at' | 'by'>, now: number): Outcome {
  if (o.status === 'cancelled') return refuse('done', `work order ${o.id} is cancelled: no plan needed`);
  const first = o.plan === undefined;
  const next = bump(o, { plan: { ...p, at: now, by: actor }, needsPlan: true, department: p.department, ...(first ? { planMs: clockElapsed(clockOf(o), now) } : {}) }, now);
  return { order: next, change: 'planned', log: [{ at: now, actor, action: 'planned', text: p.measures, detail: { department: p.department, deadline: p.deadline } }] };
}

/** The check of a rectification (验收): passed or failed, after the fix. */
export function check(o: WorkOrder, actor: string, result: 'passed' | 'failed', note: string | undefined, now: number): Outcome {
  if (o.status !== 'resolved' && o.status !== 'closed') return refuse('not_resolved', `work order ${o.id} is ${o.status}: check the rectification once it is resolved`);
  const next = bump(o, { check: clean({ result, note, at: now, by: actor }) }, now);
  return { order: next, change: 'checked', log: [{ at: now, actor, action: 'checked', ...(note ? { text: note } : {}), detail: { result } }] };
}

/** Whether the fix deadline is still being raced (special: until a plan is filed). */
const racingFix = (o: WorkOrder) => !(o.tier === 'special' && o.plan !== undefined);

/**
 * The timer side: a warning in the last fifth before a deadline, an escalation after it (level 1 =
 * not on site in time, 2 = not fixed / no plan in time). Paused and done orders are left alone.
 * Call repeatedly until null (after a restart several may be due). `notify` names who is told.
 */
export function clockStep(o: WorkOrder, now: number, notify: string[]): Transition | null {
  if (isWorkOrderDone(o.status) || o.status === 'paused') return null;
  const onSitePending = o.onSiteAt === undefined;
  if (o.escalation < 1 && onSitePending && now >= o.onSiteDue) return escalation(o, 1, 'on_site', o.onSiteDue, now, notify);
  if (o.escalation < 2 && racingFix(o) && now >= o.fixDue) return escalation(o, 2, 'fix', o.fixDue, now, notify);
  if (o.warned < 1 && onSitePending && o.escalation < 1 && now >= warnAt('on_site', o.tier, o.onSiteDue)) return warning(o, 1, 'on_site', o.onSiteDue, now, notify);
  if (o.warned < 2 && racingFix(o) && o.escalation < 2 && now >= warnAt('fix', o.tier, o.fixDue)) return warning(o, 2, 'fix', o.fixDue, now, notify);
  return null;
}

function escalation(o: WorkOrder, level: 1 | 2, deadline: 'on_site' | 'fix', due: number, now: number, notify: string[]): Transition {
  const next = bump(o, { escalation: level, escalatedAt: now, warned: Math.max(o.warned, level) as 0 | 1 | 2 }, now);
  const reason = level === 1 ? 'on_site_overdue' : o.tier === 'special' ? 'plan_overdue' : 'fix_overdue';
  return { order: next, change: 'escalated', notice: { level: 'escalation', deadline, due, notify }, log: [{ at: now, actor: SYSTEM, action: 'escalated', detail: { level, reason, due, notify } }] };
}

function warning(o: WorkOrder, level: 1 | 2, deadline: 'on_site' | 'fix', due: number, now: number, notify: string[]): Transition {
  const next = bump(o, { warned: level }, now);
  return { order: next, change: 'warned', notice: { level: 'warning', deadline, due, notify }, log: [{ at: now, actor: SYSTEM, action: 'warned', detail: { deadline, due, notify } }] };
}

/** The next time clockStep may have work for this order; null when none (paused, done, all sent). */
export function nextWake(o: WorkOrder): number | null {
  if (isWorkOrderDone(o.status) || o.status === 'paused') return null;
  let t = Infinity;
  const onSitePending = o.onSiteAt === undefined;
  if (onSitePending && o.escalation < 1) t = Math.min(t, o.warned < 1 ? warnAt('on_site', o.tier, o.onSiteDue) : o.onSiteDue);
  if (racingFix(o) && o.escalation < 2) t = Math.min(t, o.warned < 2 ? warnAt('fix', o.tier, o.fixDue) : o.fixDue);
  return t === Infinity ? null : t;
}

/** The deadline the order races now (for the `due` column and sorting): on site, then fix. */
export function dueOf(o: WorkOrder): number | null {
  if (isWorkOrderDone(o.status)) return null;
  if (o.onSiteAt === undefined) return o.onSiteDue;
  return racingFix(o) ? o.fixDue : null;
}

/** Overdue now? (a paused order's deadlines wait) */
export function isOverdue(o: WorkOrder, now: number): boolean {
  if (o.status === 'paused') return false;
  const due = dueOf(o);
  return due !== null && now >= due;
}

export { ACTIVE };
