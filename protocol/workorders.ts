// Residents' requests (报事报修) and work orders (工单) as the server stores, publishes
// (`estates/{e}/workorders`) and serves them over REST; the web (resident page /report, guard-app
// work tab, wall screen) reads the same shapes. Deadlines come from the one 54321 clock (clock.ts).
// Times are epoch ms (server clock). Change this contract only additively.
import type { SlaTier } from './clock.ts';

// ---- vocabulary ----

/**
 * new → dispatched (派单) → accepted (接单) → on_site (到场) → resolved → closed (回访/确认), plus
 * paused (挂起: the clock stops, with a reason; resume returns to the state before), reopened
 * (返工, counted; then dispatched/accepted/on_site again) and cancelled (with a reason; spam too).
 */
export const WORKORDER_STATUSES = ['new', 'dispatched', 'accepted', 'on_site', 'paused', 'resolved', 'closed', 'reopened', 'cancelled'] as const;
export type WorkOrderStatus = (typeof WORKORDER_STATUSES)[number];
/** Statuses in which the order is done: the clock is off. */
export const WORKORDER_DONE: readonly WorkOrderStatus[] = ['resolved', 'closed', 'cancelled'];
export const isWorkOrderDone = (s: WorkOrderStatus): boolean => s === 'resolved' || s === 'closed' || s === 'cancelled';

/** Where a problem came from: the /report page, Open311, an alert turned into an order, an inspection (staff). */
export const WORKORDER_SOURCES = ['resident', 'open311', 'alert', 'inspection'] as const;
export type WorkOrderSource = (typeof WORKORDER_SOURCES)[number];

/** The resident's rating at 回访: 满意 / 基本满意 / 不满意. */
export const RATINGS = ['satisfied', 'basic', 'unsatisfied'] as const;
export type Rating = (typeof RATINGS)[number];
export const RATING_ZH: Record<Rating, string> = { satisfied: '满意', basic: '基本满意', unsatisfied: '不满意' };

export interface WorkOrderCategory {
  /** stable code; also the Open311 service_code */
  code: string;
  name: string;
  nameZh: string;
  /** the default 54321 tier (an estate may override it) */
  tier: SlaTier;
  /** the department that owns it in the ledgers by default */
  department: string;
  /** Open311 group */
  group: string;
}

/** The default categories; an estate's configuration may change tiers and departments, not the codes. */
export const DEFAULT_CATEGORIES: readonly WorkOrderCategory[] = [
  { code: 'water_leak', name: 'Water leak', nameZh: '漏水渗水', tier: 'serious', department: 'engineering', group: 'repair' },
  { code: 'plumbing', name: 'Blocked drain or pipe', nameZh: '管道堵塞', tier: 'small', department: 'engineering', group: 'repair' },
  { code: 'electrical', name: 'Power or wiring', nameZh: '电路故障', tier: 'serious', department: 'engineering', group: 'repair' },
  { code: 'lift', name: 'Lift fault', nameZh: '电梯故障', tier: 'serious', department: 'engineering', group: 'repair' },
  { code: 'lighting', name: 'Lighting out', nameZh: '照明损坏', tier: 'small', department: 'engineering', group: 'repair' },
  { code: 'door_access', name: 'Door or access control', nameZh: '门禁门锁', tier: 'small', department: 'engineering', group: 'repair' },
  { code: 'cleaning', name: 'Cleaning or rubbish', nameZh: '卫生保洁', tier: 'small', department: 'environment', group: 'environment' },
  { code: 'greenery', name: 'Greenery', nameZh: '绿化养护', tier: 'complex', department: 'environment', group: 'environment' },
  { code: 'noise', name: 'Noise', nameZh: '噪音扰民', tier: 'small', department: 'security', group: 'order' },
  { code: 'parking', name: 'Parking', nameZh: '停车秩序', tier: 'small', department: 'security', group: 'order' },
  { code: 'fire_safety', name: 'Fire safety hazard', nameZh: '消防隐患', tier: 'serious', department: 'security', group: 'safety' },
  { code: 'facade', name: 'Facade or falling-object hazard', nameZh: '外墙及高空隐患', tier: 'complex', department: 'engineering', group: 'safety' },
  { code: 'structural', name: 'Building structure', nameZh: '房屋结构', tier: 'special', department: 'engineering', group: 'safety' },
  { code: 'other', name: 'Other', nameZh: '其他', tier: 'small', department: 'service', group: 'other' },
];

/** Departments of the ledgers (owner departments of a problem). */
export const DEPARTMENTS: Record<string, { name: string; nameZh: string }> = {
  engineering: { name: 'Engineering', nameZh: '工程部' },
  environment: { name: 'Environment', nameZh: '环境部' },
  security: { name: 'Security', nameZh: '秩序部' },
  service: { name: 'Customer service', nameZh: '客服部' },
};

/** What one upsert on `estates/{e}/workorders` is about. */
export type WorkOrderChange =
  | 'created'
  | 'dispatched'
  | 'reassigned'
  | 'accepted'
  | 'on_site'
  | 'noted'
  | 'photo'
  | 'paused'
  | 'resumed'
  | 'resolved'
  | 'closed'
  | 'rated'
  | 'reopened'
  | 'cancelled'
  | 'retiered'
  | 'spam'
  | 'planned'
  | 'checked'
  | 'warned'
  | 'escalated';

// ---- limits (the server refuses beyond them with 4xx {error, reason}) ----

export const WORKORDER_LIMITS = {
  descriptionChars: 2000,
  noteChars: 2000,
  reasonChars: 500,
  nameChars: 64,
  /** digits, spaces, + - ( ) */
  phoneChars: 32,
  photosPerRequest: 3,
  photoBytes: 5 * 1024 * 1024,
  photoTypes: ['image/jpeg', 'image/png', 'image/webp'] as const,
} as const;

// ---- the order ----

export interface PhotoRef {
  /** SHA-256 of the bytes (hex): the file name on disk and the URL part */
  hash: string;
  /** the type *detected* from the bytes (never the client's claim) */
  mime: 'image/jpeg' | 'image/png' | 'image/webp';
  bytes: number;
  at: number;
  /** 'resident' or the staff member */
  by: string;
}

export interface Reporter {
  name?: string;
  phone?: string;
}

export interface RectificationPlan {
  /** owner department (a key of DEPARTMENTS or free text) */
  department: string;
  measures: string;
  /** the plan's own deadline */
  deadline: number;
  at: number;
  by: string;
}

export interface CheckResult {
  result: 'passed' | 'failed';
  note?: string;
  at: number;
  by: string;
}

export interface WorkOrder {
  id: number;
  estate: string;
  source: WorkOrderSource;
  category: string;
  tier: SlaTier;
  status: WorkOrderStatus;
  /** the status before a pause (resume returns there) */
  pausedFrom?: WorkOrderStatus;
  description: string;
  building?: string;
  /** storey within `building` (1 = ground floor, -1 = first basement), checked against its floors */
  floor?: number;
  /** 单元 and 室 of the house registry, when the problem is in one home */
  unit?: string;
  room?: string;
  /** local metres (the building's centre, or the reported position) */
  x?: number;
  y?: number;
  /** WGS84 as reported (Open311) */
  lat?: number;
  lon?: number;
  address?: string;
  /** staff only: never shown to other residents, never in Open311 answers */
  reporter?: Reporter;
  photos: PhotoRef[];
  /** media URLs given by an Open311 client (http/https) */
  mediaUrls?: string[];
  /** the alert this order was made from */
  alert?: number;
  team?: string;
  assignee?: string;
  department: string;
  openedAt: number;
  updatedAt: number;
  /** bumped by every change: newer versions win */
  version: number;
  dispatchedAt?: number;
  acceptedAt?: number;
  acceptedBy?: string;
  onSiteAt?: number;
  onSiteBy?: string;
  resolvedAt?: number;
  resolvedBy?: string;
  closedAt?: number;
  cancelledAt?: number;
  cancelReason?: string;
  /** the 54321 clock: pause time so far, and the running pause */
  pausedMs: number;
  pausedAt?: number;
  pauseReason?: string;
  /** deadlines with the pauses so far (while paused: as of the pause) */
  onSiteDue: number;
  fixDue: number;
  /** measured on the clock (pauses excluded) */
  onSiteMs?: number;
  fixMs?: number;
  /** measured on the clock when the rectification plan was filed (special: the plan is the pledge) */
  planMs?: number;
  /** 1 = on-site warning sent, 2 = fix warning sent */
  warned: 0 | 1 | 2;
  /** 1 = not on site in time, 2 = not fixed (special: no plan) in time */
  escalation: 0 | 1 | 2;
  escalatedAt?: number;
  reopenCount: number;
  spam: boolean;
  rating?: { score: Rating; comment?: string; at: number };
  /** the rectification ledger: complex and special orders need a plan */
  needsPlan: boolean;
  plan?: RectificationPlan;
  check?: CheckResult;
}

/** What `estates/{e}/workorders` carries: the order after the change, what changed, and any notice. */
export interface WorkOrderUpsert extends WorkOrder {
  change: WorkOrderChange;
  /** a warning before a deadline or an escalation after it: to the team lead (and the assignee) */
  notice?: WorkOrderNotice;
}

export interface WorkOrderNotice {
  level: 'warning' | 'escalation';
  deadline: 'on_site' | 'fix';
  due: number;
  /** who is told: the team lead, and the assignee when there is one */
  notify: string[];
}

export interface WorkOrderLogEntry {
  at: number;
  /** operator name, guard id, 'resident', 'open311', or 'system' */
  actor: string;
  action: WorkOrderChange | 'note';
  text?: string;
  detail?: Record<string, unknown>;
}

// ---- configuration per estate ----

export interface Team {
  id: string;
  name: string;
  /** the team lead: receives warnings and escalations */
  lead: string;
  members: string[];
  department?: string;
}

/** Auto-dispatch: the first rule that matches (category and/or building; empty = any) wins. */
export interface DispatchRule {
  category?: string;
  building?: string;
  team?: string;
  assignee?: string;
}

export interface RateLimits {
  /** requests per IP (per estate) and per hour */
  perIpPerHour: number;
  /** requests per estate and per hour (all IPs) */
  perEstatePerHour: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perIpPerHour: 10, perEstatePerHour: 300 };

export interface WorkOrderConfig {
  estate: string;
  /** category code → tier override */
  tiers: Record<string, SlaTier>;
  /** category code → department override */
  departments: Record<string, string>;
  teams: Team[];
  rules: DispatchRule[];
  limits: RateLimits;
}

/** `PUT /estates/{e}/workorder-config` takes any subset of these (admins). */
export type WorkOrderConfigPatch = Partial<Omit<WorkOrderConfig, 'estate'>>;

// ---- REST shapes: staff ----

export interface WorkOrderListResponse {
  orders: WorkOrder[];
  total: number;
  limit: number;
  offset: number;
}

export interface WorkOrderDetailResponse {
  order: WorkOrder;
  log: WorkOrderLogEntry[];
}

export interface WorkOrderSummary {
  estate: string;
  open: number;
  overdue: number;
  paused: number;
  byStatus: Partial<Record<WorkOrderStatus, number>>;
}

/** `POST /estates/{e}/workorders`: an inspection finding (or any staff-entered problem). */
export interface CreateWorkOrderRequest {
  category: string;
  description: string;
  building?: string;
  x?: number;
  y?: number;
  /** default: 'inspection' */
  source?: 'inspection';
  /** overrides the category's tier (needs a reason) */
  tier?: SlaTier;
  reason?: string;
}

/** Bodies of the staff actions (`POST /estates/{e}/workorders/{id}/{action}`). */
export interface DispatchRequest { team?: string; assignee?: string; note?: string }
export interface NoteRequest { text: string; /** hidden from the resident's tracking page */ internal?: boolean }
export interface ReasonRequest { reason: string }
export interface OptionalNoteRequest { note?: string }
export interface RetierRequest { tier: SlaTier; reason: string }
export interface PlanRequest { department: string; measures: string; /** ISO 8601 or epoch ms */ deadline: string | number }
export interface CheckRequest { result: 'passed' | 'failed'; note?: string }
/** On-site proof from a staff member's phone: a position inside the building's geofence, or a scanned checkpoint code at the building. */
export interface OnSiteRequest { lat?: number; lon?: number; accuracy?: number; code?: string; by?: string }

// ---- REST shapes: handheld (guard app work tab) ----

export interface HandheldWorkResponse {
  device: string;
  estate: { id: string; name: string; nameZh: string; timezone: string };
  guard: string;
  now: number;
  /** orders assigned to the guard or to a team they are in, not done */
  orders: WorkOrder[];
  buildings: Array<{ id: string; name: string; x: number; y: number }>;
}

export const HANDHELD_ACTIONS = ['accept', 'on_site', 'note', 'photo', 'pause', 'resume', 'resolve'] as const;
export type HandheldActionKind = (typeof HANDHELD_ACTIONS)[number];

/** `POST /workorders/actions?device=`: queued on the device, applied exactly once by actionId. */
export interface HandheldAction {
  /** client-generated, unique per device (e.g. a UUID); a repeat returns the first answer */
  actionId: string;
  order: number;
  kind: HandheldActionKind;
  guard: string;
  /** when it happened on the device (epoch ms); default: receipt */
  at?: number;
  text?: string;
  reason?: string;
  lat?: number;
  lon?: number;
  accuracy?: number;
  code?: string;
  /** for kind 'photo': data:image/jpeg|png|webp;base64,… */
  dataUrl?: string;
}

export interface HandheldActionResponse {
  actionId: string;
  /** false when this actionId was seen before: nothing was applied again */
  applied: boolean;
  /** 200 = done; 409 = refused (reason says why); the same for every repeat */
  status: number;
  order?: WorkOrder;
  error?: string;
  reason?: string;
}

// ---- REST shapes: residents (no login) ----

export interface ReportFormResponse {
  estate: { id: string; name: string; nameZh: string };
  /** the building of the QR link (?b=), when known */
  building: { id: string; name: string } | null;
  buildings: Array<{ id: string; name: string }>;
  categories: Array<{ code: string; name: string; nameZh: string; tier: SlaTier }>;
  limits: typeof WORKORDER_LIMITS;
}

/** `POST /public/estates/{e}/requests`: multipart/form-data (fields + up to 3 `photos`) or JSON (no photos). */
export interface ResidentRequestFields {
  category: string;
  description: string;
  building?: string;
  /** storey in the building: 3, "3F", "B1" (1 = ground floor); needs building, checked against its floors */
  floor?: string;
  /** the house registry's unit and room of the building (a room gives its floor) */
  unit?: string;
  room?: string;
  name?: string;
  phone?: string;
}

export interface ResidentCreateResponse {
  id: number;
  /** the secret tracking token: shown once; only its hash is stored */
  token: string;
  /** relative URL of the tracking page: /report/track?t={token} */
  trackUrl: string;
  tier: SlaTier;
  onSiteDue: number;
  fixDue: number;
}

export interface ResidentTrackResponse {
  id: number;
  estate: string;
  category: string;
  categoryName: string;
  categoryZh: string;
  description: string;
  building?: string;
  floor?: number;
  unit?: string;
  room?: string;
  status: WorkOrderStatus;
  tier: SlaTier;
  openedAt: number;
  updatedAt: number;
  onSiteDue: number;
  fixDue: number;
  pauseReason?: string;
  /** the photos this resident sent (hash → GET /public/requests/{token}/photos/{hash}) */
  photos: Array<Pick<PhotoRef, 'hash' | 'mime' | 'bytes'>>;
  /** staff notes meant for the resident, and the status changes */
  timeline: Array<{ at: number; action: string; text?: string }>;
  rating?: { score: Rating; comment?: string; at: number };
  canConfirm: boolean;
  canReopen: boolean;
}

export interface ResidentConfirmRequest { rating: Rating; comment?: string }
export interface ResidentReopenRequest { reason: string }

// ---- ledgers and the monthly report ----

export interface ProblemLedgerRow {
  id: number;
  openedAt: number;
  source: WorkOrderSource;
  category: string;
  tier: SlaTier;
  building: string | null;
  department: string;
  team: string | null;
  assignee: string | null;
  /** the fix deadline (pauses so far) */
  deadline: number;
  status: WorkOrderStatus;
  resolvedAt: number | null;
  /** measured, pauses excluded; null while open */
  fixMinutes: number | null;
  /** computed: within the tier's time; null while open */
  onTime: boolean | null;
  rating: Rating | null;
  description: string;
}

export interface RectificationLedgerRow {
  id: number;
  openedAt: number;
  category: string;
  tier: SlaTier;
  building: string | null;
  problem: string;
  department: string;
  measures: string | null;
  deadline: number;
  status: WorkOrderStatus;
  checkResult: 'passed' | 'failed' | null;
  checkedAt: number | null;
  checkedBy: string | null;
}

export interface LedgerPage<Row> {
  rows: Row[];
  total: number;
  limit: number;
  offset: number;
}

/** One row of the monthly 54321 report: one month, tier and category (the estate's time zone). */
export interface WorkOrderReportRow {
  month: string;
  tier: SlaTier;
  category: string;
  orders: number;
  resolved: number;
  cancelled: number;
  onSite: number;
  onSiteInTime: number;
  /** onSiteInTime / onSite, 0..1; null without data */
  onSiteRate: number | null;
  fixedInTime: number;
  fixRate: number | null;
  onSiteMedianSec: number | null;
  onSiteP90Sec: number | null;
  fixMedianSec: number | null;
  fixP90Sec: number | null;
  /** paused time over the resolved orders (excluded from the times above) */
  pausedSec: number;
  reopened: number;
  rated: number;
  satisfied: number;
  basic: number;
  unsatisfied: number;
  /** (satisfied + basic) / rated; null without ratings */
  satisfaction: number | null;
}

export interface WorkOrderReport {
  estate: string;
  timezone: string;
  from: string;
  to: string;
  rows: WorkOrderReportRow[];
}

export function isRating(value: unknown): value is Rating {
  return typeof value === 'string' && (RATINGS as readonly string[]).includes(value);
}

export function isWorkOrderStatus(value: unknown): value is WorkOrderStatus {
  return typeof value === 'string' && (WORKORDER_STATUSES as readonly string[]).includes(value);
}
