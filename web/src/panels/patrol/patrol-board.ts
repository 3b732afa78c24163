// The patrol panel's state: tours by id, from a REST snapshot and the `estates/{e}/patrol` channel's
// upserts, and which of them the wall screen shows now. Pure (no React, no I/O), so it is unit-tested.
import type { PatrolChannelMessage, StopStatus, TourView } from '../../../../protocol/patrol.ts';
import { serverNow } from '../../app/server-clock.ts';

const HOUR = 3_600_000;
/** a finished tour stays on the wall this long, so the control room sees how it ended */
export const RECENT_MS = 2 * HOUR;
/** tours this long closed are forgotten */
const FORGET_MS = 6 * HOUR;
export const MAX_ROWS = 6;

export class PatrolBoard {
  private tours = new Map<string, { tour: TourView; at: number }>();
  version = 0;

  constructor(readonly estate: string) {}

  /** A snapshot asked for at `askedAt`: it does not overwrite a channel update received after that. */
  apply(tours: readonly TourView[], askedAt: number): void {
    for (const tour of tours) {
      if (tour.estate !== this.estate) continue;
      const known = this.tours.get(tour.id);
      if (!known || known.at < askedAt) this.tours.set(tour.id, { tour, at: askedAt });
    }
    this.version++;
  }

  /** One channel message; false for anything that is not a tour of this estate. */
  applyMessage(payload: unknown, now = serverNow()): boolean {
    const m = payload as Partial<PatrolChannelMessage> | null;
    const tour = m?.type === 'tour' ? m.tour : undefined;
    if (!tour || typeof tour.id !== 'string' || tour.estate !== this.estate || !Array.isArray(tour.stops)) return false;
    this.tours.set(tour.id, { tour, at: now });
    this.version++;
    return true;
  }

  /**
   * What the wall shows: tours under way, then per route the one that just ended (for a while) and the
   * next one due, at most MAX_ROWS.
   */
  current(now: number): TourView[] {
    for (const [id, { tour }] of this.tours) if (tour.closes < now - FORGET_MS) this.tours.delete(id);
    const all = [...this.tours.values()].map((v) => v.tour).sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
    const active = all.filter((t) => t.state === 'active' || (t.state === 'scheduled' && t.opens <= now && now <= t.closes));
    const busy = new Set(active.map((t) => t.route));
    const recent: TourView[] = [];
    const upcoming: TourView[] = [];
    for (const route of new Set(all.map((t) => t.route))) {
      if (busy.has(route)) continue;
      const ofRoute = all.filter((t) => t.route === route);
      const ended = ofRoute.filter((t) => (t.state === 'done' || t.state === 'cancelled') && t.closes >= now - RECENT_MS && t.opens <= now).pop();
      if (ended) recent.push(ended);
      const next = ofRoute.find((t) => t.state === 'scheduled' && t.opens > now);
      if (next) upcoming.push(next);
    }
    upcoming.sort((a, b) => a.start - b.start);
    return [...active, ...recent, ...upcoming].slice(0, MAX_ROWS);
  }
}

export const VISITED: ReadonlySet<StopStatus> = new Set(['on_time', 'late', 'early', 'out_of_order']);

export function visited(tour: TourView): number {
  return tour.stops.filter((s) => VISITED.has(s.status)).length;
}
