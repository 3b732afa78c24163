// The district level: organisation units (区 → 街道 → 社区), property companies (物业公司), estates'
// place in them, the per-unit summary the district wall screen reads, and the monthly 讲评 scorecard.
// Shared by server and web: one definition of the shapes and the topic.

export const UNIT_KINDS = ['district', 'street', 'community'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];
/** the unit kind a parent of `kind` must be (a district has none) */
export const PARENT_KIND: Record<UnitKind, UnitKind | null> = { district: null, street: 'district', community: 'street' };

/** `estate` is a 小区 with a fence and a gate; `ownerless` a 无主楼院 (often one building, no fence) under 兜底管理. */
export const ESTATE_KINDS = ['estate', 'ownerless'] as const;
export type EstateKind = (typeof ESTATE_KINDS)[number];

export interface OrgUnit {
  id: string;
  kind: UnitKind;
  name: string;
  nameZh: string;
  parent: string | null;
}

export interface PropertyCompany {
  id: string;
  name: string;
  nameZh: string;
  /** the state-owned company that takes over ownerless blocks (兜底管理); at most one */
  fallback: boolean;
}

/** Which company managed an estate from when to when (until null = still does). */
export interface ManagementPeriod {
  estate: string;
  company: string;
  since: number;
  until: number | null;
}

export interface EstatePlacement {
  estate: string;
  community: string;
  kind: EstateKind;
  /** the company managing it now (null = none recorded) */
  company: string | null;
}

/**
 * A user's scope, as stored in `users.estate` (and UserInfo.estate): null = every estate; an estate
 * id; or `unit:{id}` / `company:{id}`. Ids never contain ':', so a wider scope never equals an
 * estate id: code that compares UserInfo.estate with an estate fails closed for it.
 */
export type ScopeRef = { kind: 'all' } | { kind: 'estate'; id: string } | { kind: 'unit'; id: string } | { kind: 'company'; id: string };

export function parseScopeRef(value: string | null): ScopeRef {
  if (value === null) return { kind: 'all' };
  const colon = value.indexOf(':');
  if (colon < 0) return { kind: 'estate', id: value };
  const kind = value.slice(0, colon);
  const id = value.slice(colon + 1);
  if (kind === 'unit' || kind === 'company') return { kind, id };
  // unknown prefix: an estate id that cannot exist, so it sees nothing
  return { kind: 'estate', id: value };
}

export function formatScopeRef(ref: ScopeRef): string | null {
  return ref.kind === 'all' ? null : ref.kind === 'estate' ? ref.id : `${ref.kind}:${ref.id}`;
}

/** Server → district screens: a unit's (or company's) summary, at most once a second, retained. */
export const unitSummaryTopic = (unit: string) => `units/${unit}/summary`;
export const companySummaryTopic = (company: string) => `companies/${company}/summary`;

/**
 * How an estate looks from the district: `unknown` when nothing is connected or nothing was heard
 * for hours (never shown as calm), else by its worst open alert.
 */
export const ESTATE_CONDITIONS = ['unknown', 'critical', 'major', 'warning', 'calm'] as const;
export type EstateCondition = (typeof ESTATE_CONDITIONS)[number];

export interface EstateBadge {
  estate: string;
  nameZh: string;
  name: string;
  kind: EstateKind;
  community: string | null;
  company: string | null;
  lat: number;
  lon: number;
  condition: EstateCondition;
  /** open (not resolved) top-level alerts by severity */
  alerts: { critical: number; major: number; warning: number; info: number };
  /** open work orders past their 54321 deadline; null until a work-order source exists */
  overdueWorkOrders: number | null;
  /** patrol today: tours due so far and tours done without a missed or late checkpoint; null = no tours due */
  patrol: { due: number; onTime: number } | null;
  devices: { registered: number; online: number; offline: number; unknown: number };
  /** newest time any device of the estate was heard (epoch ms), null = never */
  lastHeard: number | null;
}

export interface SeriousAlert {
  id: number;
  estate: string;
  severity: string;
  titleZh: string;
  title: string;
  openedAt: number;
  status: string;
}

export interface UnitSummary {
  /** `unit:{id}` or `company:{id}` */
  scope: string;
  nameZh: string;
  name: string;
  at: number;
  estates: EstateBadge[];
  totals: { estates: number; unknown: number; critical: number; major: number; offlineDevices: number };
  /** newest serious (major / critical) open alerts across the estates */
  serious: SeriousAlert[];
}

// ── the monthly 讲评 scorecard ──────────────────────────────────────────────────────────────────

export const METRIC_KEYS = ['onTime54321', 'patrolCompletion', 'deviceAvailability', 'alertResponse', 'overdueRectifications', 'satisfaction'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

/** One cell: the raw figures and the 0–100 points it earns; value null = no data (no source or no items). */
export interface MetricCell {
  /** the figure shown: a rate 0..1, seconds, a count or a mean score; null = no data */
  value: number | null;
  /** numerator / denominator for rates, item count otherwise */
  num: number;
  den: number;
  /** 0–100 points by the documented formula; null = no data (left out of the score) */
  points: number | null;
  /** the sources that reported on this metric (e.g. ['alerts'], later ['alerts', 'workorders']) */
  sources: string[];
}

export interface ScoreRow {
  /** estate or company id */
  id: string;
  nameZh: string;
  name: string;
  /** for estate rows: the company credited (the one managing at month end, or several when it changed) */
  companies?: string[];
  estates?: number;
  metrics: Record<MetricKey, MetricCell>;
  /** Σ weight × points ÷ Σ weight over the metrics with data; null when none has data */
  score: number | null;
  rank: number | null;
}

export interface Scorecard {
  month: string;
  scope: string | null;
  weights: Record<MetricKey, number>;
  formula: string;
  generatedAt: number;
  estates: ScoreRow[];
  companies: ScoreRow[];
  /** which metric sources exist on this server */
  sources: Array<{ id: string; metrics: MetricKey[] }>;
}
