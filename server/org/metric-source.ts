// What the scorecard asks of a capability: for each slice (an estate during one management period
// within the month), tallies of the metrics it knows. The scorecard adds tallies up per estate and per
// company and turns them into points; a source never scores. Alerts, patrol and device health are
// sources now; work orders plug in as one more (metric-sources.ts) with onTime54321,
// overdueRectifications and satisfaction.
import type { MetricKey } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';

/** An estate while one company managed it, clipped to the month: [from, to) epoch ms. */
export interface Slice {
  estate: string;
  /** the company credited (null: no company recorded for that time) */
  company: string | null;
  from: number;
  to: number;
  timeZone: string;
}

/** One item behind a figure: what the "items" link lists. */
export interface ItemRef {
  /** e.g. 'alert', 'tour', 'device', 'workorder' */
  kind: string;
  id: string;
  estate: string;
  at: number;
  /** counted as good (on time, available, done) */
  ok: boolean;
  /** a figure for the item: seconds, a rating, downtime ms … */
  value?: number;
  label?: string;
}

/**
 * Rates (onTime54321, patrolCompletion, deviceAvailability, overdueRectifications): num of den.
 * Times and ratings (alertResponse, satisfaction): the values. den 0 (and no values) = no items.
 */
export interface Tally {
  num: number;
  den: number;
  values?: number[];
  items?: ItemRef[];
}

export interface CollectOptions {
  now: number;
  /** list the items behind each tally (the items page); off for the scorecard itself */
  withItems: boolean;
}

export interface MetricSource {
  id: string;
  metrics: readonly MetricKey[];
  /** one entry per slice, in order: the tallies of the metrics it has items for */
  collect(db: Db, slices: readonly Slice[], options: CollectOptions): Array<Partial<Record<MetricKey, Tally>>>;
}

/** Indexes slices by estate for sources that read rows of many estates at once. */
export function slicesByEstate(slices: readonly Slice[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  slices.forEach((s, i) => {
    const list = out.get(s.estate) ?? [];
    list.push(i);
    out.set(s.estate, list);
  });
  return out;
}

/** The slice of `estate` holding time t, or -1. */
export function sliceAt(slices: readonly Slice[], index: Map<string, number[]>, estate: string, t: number): number {
  for (const i of index.get(estate) ?? []) if (t >= slices[i].from && t < slices[i].to) return i;
  return -1;
}

export function tally(out: Partial<Record<MetricKey, Tally>>, key: MetricKey): Tally {
  return (out[key] ??= { num: 0, den: 0 });
}
