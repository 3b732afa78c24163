// Entry–exit sessions per plate (the vehicle in/out ledger, 车辆进出台账) and the car-park counts they
// imply. Pure: (the plate's latest session, a read) → (changes). Reads are taken in journal order.
//
// Tolerance of missed reads (a camera misses a car now and then: glare, a tailgater, the barrier up):
//   in  after an open session   → the exit was missed: the old session closes as `exit_missed` (no exit
//                                 time, no dwell), a new one opens
//   out without an open session → the entry was missed: an `entry_missed` session records the exit alone
//   in  refused (deny)          → a `denied` session, no count; an `out` within TURN_AWAY_MS after it
//                                 is the same car turning round (`turned_away`), not an exit
// Counts (occupancy), by gate passes: an `in` that is not refused is +1 for the car park it counts for;
// an `out` is −1 for the car park of the plate's open session (where the car actually is), else for the
// car park this exit counts for; a turned-away car counts nothing. A missed read is not guessed back
// (an exit_missed close changes no count): operators correct drift (occupancy corrections).
import type { GateDecision, SessionStatus, VehicleList } from '../../protocol/vehicles.ts';

/** A refused car seen leaving within this time turned round at the barrier. */
export const TURN_AWAY_MS = 15 * 60_000;

export interface SessionRead {
  /** normalised plate */
  plate: string;
  direction: 'in' | 'out';
  at: number;
  /** `device/id` of the read */
  event: string;
  gate: string;
  /** the car park this pass counts for ('' = none) */
  carPark: string;
  decision: GateDecision;
  list: VehicleList;
  /** a visitor's validity end (epoch ms) */
  validUntil: number | null;
}

/** The plate's latest session, as much as pairing needs. */
export interface LatestSession {
  id: number;
  status: SessionStatus;
  carPark: string;
  enteredAt: number | null;
  overstay: boolean;
}

export interface NewSession {
  plate: string;
  status: SessionStatus;
  list: VehicleList;
  carPark: string;
  gateIn: string;
  gateOut: string;
  enteredAt: number | null;
  exitedAt: number | null;
  inEvent: string;
  outEvent: string;
  validUntil: number | null;
}

export interface SessionUpdate {
  id: number;
  status: SessionStatus;
  exitedAt: number | null;
  gateOut: string;
  outEvent: string;
  /** it had an overstay alert: clear it */
  hadOverstay: boolean;
}

export interface OccupancyDelta {
  carPark: string;
  delta: number;
}

export interface SessionChanges {
  update: SessionUpdate | null;
  insert: NewSession | null;
  occupancy: OccupancyDelta[];
}

const count = (carPark: string, delta: number): OccupancyDelta[] => (carPark ? [{ carPark, delta }] : []);

export function pairRead(latest: LatestSession | null, read: SessionRead): SessionChanges {
  const open = latest?.status === 'open' ? latest : null;
  const fresh = (status: SessionStatus, enteredAt: number | null, exitedAt: number | null): NewSession => ({
    plate: read.plate,
    status,
    list: read.list,
    carPark: read.carPark,
    gateIn: read.direction === 'in' ? read.gate : '',
    gateOut: read.direction === 'out' ? read.gate : '',
    enteredAt,
    exitedAt,
    inEvent: read.direction === 'in' ? read.event : '',
    outEvent: read.direction === 'out' ? read.event : '',
    validUntil: read.validUntil,
  });

  if (read.direction === 'in') {
    const update: SessionUpdate | null = open
      ? { id: open.id, status: 'exit_missed', exitedAt: null, gateOut: '', outEvent: '', hadOverstay: open.overstay }
      : null;
    if (read.decision === 'deny') return { update, insert: fresh('denied', read.at, null), occupancy: [] };
    return { update, insert: fresh('open', read.at, null), occupancy: count(read.carPark, +1) };
  }

  if (open) {
    return {
      update: { id: open.id, status: 'closed', exitedAt: read.at, gateOut: read.gate, outEvent: read.event, hadOverstay: open.overstay },
      insert: null,
      occupancy: count(open.carPark, -1),
    };
  }
  if (latest?.status === 'denied' && latest.enteredAt !== null && read.at - latest.enteredAt <= TURN_AWAY_MS) {
    return {
      update: { id: latest.id, status: 'turned_away', exitedAt: read.at, gateOut: read.gate, outEvent: read.event, hadOverstay: false },
      insert: null,
      occupancy: [],
    };
  }
  return { update: null, insert: fresh('entry_missed', null, read.at), occupancy: count(read.carPark, -1) };
}

/**
 * A read whose plate cannot be trusted (low confidence, unreadable) still is a car passing the gate:
 * it counts, but pairs with nothing.
 */
export function anonymousPass(direction: 'in' | 'out', carPark: string, decision: GateDecision): OccupancyDelta[] {
  if (direction === 'in' && decision === 'deny') return [];
  return count(carPark, direction === 'in' ? +1 : -1);
}

export function dwellMs(enteredAt: number | null, exitedAt: number | null): number | null {
  return enteredAt !== null && exitedAt !== null ? Math.max(0, exitedAt - enteredAt) : null;
}

/**
 * Overstay (visitors only; residents live here): inside past the validity window, or longer than
 * `maxStayHours`. Returns when it became due, or null while it is not.
 */
export function overstayDue(session: { list: VehicleList; enteredAt: number | null; validUntil: number | null }, maxStayHours: number, now: number): number | null {
  if (session.list !== 'visitor' || session.enteredAt === null) return null;
  const limits = [session.enteredAt + maxStayHours * 3600_000];
  if (session.validUntil !== null) limits.push(session.validUntil);
  const due = Math.min(...limits);
  return now > due ? due : null;
}
