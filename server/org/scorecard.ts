// The monthly 讲评 scorecard: per estate and per company, figures added up from the metric sources'
// tallies (never typed in), turned into 0–100 points by a documented formula, weighted and ranked.
// A metric without a source or without items is "no data" (null): it is left out of the score and
// the remaining weights count in its place — never shown as 0 or as 100 %.
import { METRIC_KEYS, ON_SITE_MS, type MetricCell, type MetricKey, type ScoreRow, type Scorecard } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { getMeta } from '../store/db.ts';
import { addDays, zonedTime } from '../patrol/schedule.ts';
import type { ItemRef, MetricSource, Slice, Tally } from './metric-source.ts';

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
export const DEFAULT_WEIGHTS: Record<MetricKey, number> = {
  onTime54321: 30, patrolCompletion: 25, deviceAvailability: 15, alertResponse: 10, overdueRectifications: 10, satisfaction: 10,
};
const WEIGHTS_KEY = 'org.scorecard.weights';

export const FORMULA =
  'score = Σ(weight × points) ÷ Σ(weight), over the metrics with data. points: rates ×100 (54321 on time, patrol tours on time ÷ due, ' +
  'device availability); response = 100 at ≤ 5 min median on site, falling linearly to 0 at 20 min; overdue rectifications = 100 × (1 − overdue ÷ due); ' +
  'satisfaction = (mean − 1) ÷ 4 × 100. 得分 = Σ(权重×分项得分) ÷ Σ(权重)，仅计有数据的分项。';

/**
 * The district's settings (one row per key, org_settings — schema.ts): configuration like the units,
 * so shared by every node with --config-db. The weights lived in meta before (node-local); read there
 * when the row is missing.
 */
function orgSetting(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM org_settings WHERE key = ?').pluck().get(key) as string | undefined;
  return row ?? getMeta(db, key);
}

export function loadWeights(db: Db): Record<MetricKey, number> {
  const stored = orgSetting(db, WEIGHTS_KEY);
  if (!stored) return { ...DEFAULT_WEIGHTS };
  try {
    return { ...DEFAULT_WEIGHTS, ...(JSON.parse(stored) as Partial<Record<MetricKey, number>>) };
  } catch {
    return { ...DEFAULT_WEIGHTS };
  }
}

export function validateWeights(input: unknown): Record<MetricKey, number> | string {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return 'weights: an object of metric → number';
  const out = { ...DEFAULT_WEIGHTS };
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if (!(METRIC_KEYS as readonly string[]).includes(k)) return `unknown metric '${k}': one of ${METRIC_KEYS.join(', ')}`;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1000) return `${k}: a number from 0 to 1000`;
    out[k as MetricKey] = v;
  }
  if (Object.values(out).every((v) => v === 0)) return 'at least one weight must be above 0';
  return out;
}

export function saveWeights(db: Db, weights: Record<MetricKey, number>): void {
  db.prepare('INSERT INTO org_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(WEIGHTS_KEY, JSON.stringify(weights));
}

/** [from, to) of a local month. */
export function monthBounds(month: string, timeZone: string): { from: number; to: number } {
  const [y, m] = month.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { from: zonedTime(`${month}-01`, '00:00', timeZone), to: zonedTime(addDays(`${next}-01`, 0), '00:00', timeZone) };
}

/** Each estate's month cut at its management changes: who gets the credit for which days. */
export function monthSlices(db: Db, month: string, estates: readonly string[] | null): Slice[] {
  const rows = db.prepare('SELECT id, timezone FROM estates ORDER BY id').all() as Array<{ id: string; timezone: string }>;
  const wanted = estates ? new Set(estates) : null;
  const periods = db.prepare('SELECT estate, company, since, until FROM org_management ORDER BY estate, since').all() as Array<{ estate: string; company: string; since: number; until: number | null }>;
  const byEstate = new Map<string, typeof periods>();
  for (const p of periods) (byEstate.get(p.estate) ?? byEstate.set(p.estate, []).get(p.estate)!).push(p);
  const out: Slice[] = [];
  for (const e of rows) {
    if (wanted && !wanted.has(e.id)) continue;
    const { from, to } = monthBounds(month, e.timezone);
    let cursor = from;
    for (const p of byEstate.get(e.id) ?? []) {
      const a = Math.max(from, p.since);
      const b = Math.min(to, p.until ?? Infinity);
      if (b <= a) continue;
      if (a > cursor) out.push({ estate: e.id, company: null, from: cursor, to: a, timeZone: e.timezone });
      out.push({ estate: e.id, company: p.company, from: a, to: b, timeZone: e.timezone });
      cursor = b;
    }
    if (cursor < to) out.push({ estate: e.id, company: null, from: cursor, to, timeZone: e.timezone });
  }
  return out;
}

interface Acc {
  tallies: Partial<Record<MetricKey, Tally & { sources: Set<string> }>>;
}

function add(acc: Acc, key: MetricKey, t: Tally, source: string): void {
  const into = (acc.tallies[key] ??= { num: 0, den: 0, sources: new Set() });
  into.num += t.num;
  into.den += t.den;
  if (t.values?.length) (into.values ??= []).push(...t.values);
  if (t.items?.length) (into.items ??= []).push(...t.items);
  into.sources.add(source);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The documented formula, metric by metric. */
export function cellOf(key: MetricKey, t: (Tally & { sources: Set<string> }) | undefined): MetricCell {
  const sources = t ? [...t.sources].sort() : [];
  if (!t || (t.den === 0 && !t.values?.length)) return { value: null, num: t?.num ?? 0, den: t?.den ?? 0, points: null, sources };
  switch (key) {
    case 'alertResponse': {
      const m = median(t.values ?? []);
      const target = ON_SITE_MS / 1000;
      const points = m <= target ? 100 : Math.max(0, 100 * (1 - (m - target) / (3 * target)));
      return { value: round(m, 1), num: t.values?.length ?? 0, den: t.values?.length ?? 0, points: round(points, 1), sources };
    }
    case 'satisfaction': {
      const v = t.values ?? [];
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      return { value: round(mean, 2), num: v.length, den: v.length, points: round(((mean - 1) / 4) * 100, 1), sources };
    }
    case 'overdueRectifications':
      return { value: t.num, num: t.num, den: t.den, points: round(100 * (1 - t.num / t.den), 1), sources };
    default: {
      const rate = t.num / t.den;
      return { value: round(rate, 4), num: t.num, den: t.den, points: round(rate * 100, 1), sources };
    }
  }
}

export function scoreOf(metrics: Record<MetricKey, MetricCell>, weights: Record<MetricKey, number>): number | null {
  let sum = 0;
  let w = 0;
  for (const k of METRIC_KEYS) {
    const p = metrics[k].points;
    if (p === null || !weights[k]) continue;
    sum += weights[k] * p;
    w += weights[k];
  }
  return w ? round(sum / w, 1) : null;
}

/** Standard competition ranking (1, 1, 3): higher score first; rows without a score are not ranked. */
export function rank(rows: ScoreRow[]): ScoreRow[] {
  rows.sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let prev: number | null = null;
  let prevRank = 0;
  rows.forEach((r, i) => {
    if (r.score === null) r.rank = null;
    else {
      r.rank = r.score === prev ? prevRank : i + 1;
      prev = r.score;
      prevRank = r.rank;
    }
  });
  return rows;
}

export interface ScorecardQuery {
  month: string;
  /** estates whose rows are shown (null = all) */
  estates: readonly string[] | null;
  /** company rows shown (null = all that appear) */
  companies?: readonly string[] | null;
  scope?: string | null;
  now: number;
}

function collectAll(db: Db, sources: readonly MetricSource[], slices: Slice[], now: number, withItems: boolean) {
  return sources.map((s) => ({ id: s.id, tallies: s.collect(db, slices, { now, withItems }) }));
}

export function buildScorecard(db: Db, sources: readonly MetricSource[], q: ScorecardQuery): Scorecard {
  const weights = loadWeights(db);
  // company rows follow the management history: a company is scored for every estate it ran in the month
  const slices = monthSlices(db, q.month, q.companies === null || q.companies === undefined ? q.estates : null);
  const results = collectAll(db, sources, slices, q.now, false);
  const estateAcc = new Map<string, Acc & { companies: Set<string> }>();
  const companyAcc = new Map<string, Acc & { estates: Set<string> }>();
  const shownEstates = q.estates ? new Set(q.estates) : null;
  const shownCompanies = q.companies ? new Set(q.companies) : null;
  slices.forEach((s, i) => {
    if (!shownEstates || shownEstates.has(s.estate)) {
      const e = estateAcc.get(s.estate) ?? estateAcc.set(s.estate, { tallies: {}, companies: new Set() }).get(s.estate)!;
      if (s.company) e.companies.add(s.company);
      for (const r of results) for (const [k, t] of Object.entries(r.tallies[i])) add(e, k as MetricKey, t!, r.id);
    }
    if (s.company && (!shownCompanies || shownCompanies.has(s.company)) && (shownCompanies || !shownEstates || shownEstates.has(s.estate))) {
      const c = companyAcc.get(s.company) ?? companyAcc.set(s.company, { tallies: {}, estates: new Set() }).get(s.company)!;
      c.estates.add(s.estate);
      for (const r of results) for (const [k, t] of Object.entries(r.tallies[i])) add(c, k as MetricKey, t!, r.id);
    }
  });
  const names = new Map((db.prepare('SELECT id, name, name_zh AS nameZh FROM estates').all() as Array<{ id: string; name: string; nameZh: string }>).map((r) => [r.id, r]));
  const cnames = new Map((db.prepare('SELECT id, name, name_zh AS nameZh FROM org_companies').all() as Array<{ id: string; name: string; nameZh: string }>).map((r) => [r.id, r]));
  const row = (id: string, acc: Acc, name: { name: string; nameZh: string } | undefined): ScoreRow => {
    const metrics = Object.fromEntries(METRIC_KEYS.map((k) => [k, cellOf(k, acc.tallies[k])])) as Record<MetricKey, MetricCell>;
    return { id, name: name?.name ?? id, nameZh: name?.nameZh ?? id, metrics, score: scoreOf(metrics, weights), rank: null };
  };
  const estates = rank([...estateAcc].map(([id, acc]) => ({ ...row(id, acc, names.get(id)), companies: [...acc.companies].sort() })));
  const companies = rank([...companyAcc].map(([id, acc]) => ({ ...row(id, acc, cnames.get(id)), estates: acc.estates.size })));
  return {
    month: q.month, scope: q.scope ?? null, weights, formula: FORMULA, generatedAt: q.now, estates, companies,
    sources: sources.map((s) => ({ id: s.id, metrics: [...s.metrics] })),
  };
}

/** The items behind one figure: the same sources, asked to list what they counted. */
export function scorecardItems(db: Db, sources: readonly MetricSource[], q: { month: string; metric: MetricKey; estate?: string; company?: string; now: number }): ItemRef[] {
  const slices = monthSlices(db, q.month, q.estate ? [q.estate] : null).filter((s) => !q.company || s.company === q.company);
  const out: ItemRef[] = [];
  for (const r of collectAll(db, sources.filter((s) => s.metrics.includes(q.metric)), slices, q.now, true)) {
    for (const t of r.tallies) out.push(...(t[q.metric]?.items ?? []));
  }
  return out.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
}
