// The gate decision at one plate read: allow / deny / review, by list and time. Pure.
//
// Order (the first that applies wins):
//   1. unreadable plate                → review  (a person reads it)
//   2. confidence below reviewBelow    → review  (never matched: a misread must not open the barrier, nor deny a resident)
//   3. blacklisted                     → in: deny · out: review (we do not trap a car inside; a guard decides)
//   4. resident                        → allow
//   5. visitor inside a validity window → allow
//   6. visitor outside every window    → in: deny · out: allow
//   7. on no list                      → in: settings.unknownEntry (review by default) · out: allow
import type { DecisionReason, GateDecision, VehicleList, VehicleSettings } from '../../protocol/vehicles.ts';
import type { PlateResult } from './plate.ts';

export interface VisitorWindow {
  id: number;
  validFrom: number;
  validUntil: number;
}

/** What the lists hold for one normalised plate. */
export interface ListMatch {
  blacklist: { id: number; reason: string } | null;
  resident: { id: number; carPark: string } | null;
  visitors: VisitorWindow[];
}

export const NO_MATCH: ListMatch = { blacklist: null, resident: null, visitors: [] };

export interface ReadForDecision {
  plate: PlateResult;
  confidence: number;
  direction: 'in' | 'out';
  /** when the car was at the gate (epoch ms) */
  at: number;
}

export interface Decision {
  decision: GateDecision;
  reason: DecisionReason;
  list: VehicleList;
  /** the visitor entry whose window holds `at` (or, outside every window, the one that ends last) */
  visitor: VisitorWindow | null;
  /** the resident's car park, when the plate is a resident's with one */
  residentCarPark: string;
  /** the blacklist reason */
  blacklistReason: string;
}

/** The visitor entry valid at `at` (windows are inclusive at both ends); null when none is. */
export function validVisitor(visitors: readonly VisitorWindow[], at: number): VisitorWindow | null {
  let best: VisitorWindow | null = null;
  for (const v of visitors) if (v.validFrom <= at && at <= v.validUntil && (!best || v.validUntil > best.validUntil)) best = v;
  return best;
}

/** Does this read need the lists at all? (Low-confidence and unreadable reads are never matched.) */
export function isMatchable(read: Pick<ReadForDecision, 'plate' | 'confidence'>, settings: Pick<VehicleSettings, 'reviewBelow'>): boolean {
  return read.plate.ok && read.confidence >= settings.reviewBelow;
}

export function decide(read: ReadForDecision, match: ListMatch, settings: VehicleSettings): Decision {
  const base = { visitor: null, residentCarPark: '', blacklistReason: '' };
  if (!read.plate.ok) return { ...base, decision: 'review', reason: 'unreadable_plate', list: 'none' };
  if (read.confidence < settings.reviewBelow) return { ...base, decision: 'review', reason: 'low_confidence', list: 'none' };
  const entering = read.direction === 'in';
  if (match.blacklist) {
    return { ...base, decision: entering ? 'deny' : 'review', reason: 'blacklisted', list: 'blacklist', blacklistReason: match.blacklist.reason };
  }
  if (match.resident) return { ...base, decision: 'allow', reason: 'resident', list: 'resident', residentCarPark: match.resident.carPark };
  if (match.visitors.length) {
    const valid = validVisitor(match.visitors, read.at);
    if (valid) return { ...base, decision: 'allow', reason: 'visitor', list: 'visitor', visitor: valid };
    const latest = match.visitors.reduce((a, b) => (b.validUntil > a.validUntil ? b : a));
    return { ...base, decision: entering ? 'deny' : 'allow', reason: 'visitor_outside_window', list: 'visitor', visitor: latest };
  }
  if (entering) return { ...base, decision: settings.unknownEntry, reason: 'unknown_plate', list: 'none' };
  return { ...base, decision: 'allow', reason: 'exit', list: 'none' };
}
