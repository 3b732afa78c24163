// Vehicles and gates (道闸): what the server adds to every `vehicle` event, the vehicle lists, entry–exit
// sessions (the vehicle in/out ledger, 车辆进出台账) and car-park occupancy. Shared by server and web.

/** Plate colours of Chinese plates (车牌颜色). */
export const PLATE_COLORS = ['blue', 'yellow', 'white', 'black', 'green'] as const;
export type PlateColor = (typeof PLATE_COLORS)[number];

/**
 * Plate kinds: ordinary (蓝/黄牌), new energy (新能源, 8 characters), and the suffix plates
 * 警 police, 学 learner (driving school), 挂 trailer, 使 embassy, 领 consulate, 港/澳 cross-border.
 */
export const PLATE_KINDS = ['ordinary', 'new_energy', 'police', 'learner', 'trailer', 'embassy', 'consulate', 'hong_kong', 'macau'] as const;
export type PlateKind = (typeof PLATE_KINDS)[number];

/** Province characters, the first character of a plate (浙 Zhejiang, 沪 Shanghai, …). */
export const PLATE_PROVINCES = '京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵云陕甘青蒙桂宁新藏';
/** Last characters of the suffix plates, and their kinds. */
export const PLATE_SUFFIXES: Readonly<Record<string, PlateKind>> = {
  警: 'police',
  学: 'learner',
  挂: 'trailer',
  使: 'embassy',
  领: 'consulate',
  港: 'hong_kong',
  澳: 'macau',
};

/** The usual way to print a normalised plate: a dot after the city letter on 7-character plates (浙A·12345). */
export function displayPlate(plate: string): string {
  const chars = [...plate];
  return chars.length === 7 && PLATE_PROVINCES.includes(chars[0]) && !PLATE_SUFFIXES[chars[6]] ? `${chars[0]}${chars[1]}·${chars.slice(2).join('')}` : plate;
}

/** What the barrier does: open, stay closed, or wait for a guard. */
export const GATE_DECISIONS = ['allow', 'deny', 'review'] as const;
export type GateDecision = (typeof GATE_DECISIONS)[number];

export const DECISION_REASONS = [
  'resident', // on the residents list
  'visitor', // a visitor inside the validity window
  'exit', // leaving, not on any list
  'blacklisted', // on the blacklist
  'visitor_outside_window', // a visitor before or after the validity window
  'unknown_plate', // entering, on no list
  'low_confidence', // the camera is not sure: a person looks (never matched against the lists)
  'unreadable_plate', // not a Chinese plate after normalisation
] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

export const VEHICLE_LISTS = ['resident', 'visitor', 'blacklist', 'none'] as const;
export type VehicleList = (typeof VEHICLE_LISTS)[number];

/**
 * Fields the server adds to `data` of every `vehicle` event before the journal commit: stored,
 * published on `estates/{e}/live/vehicle` and forwarded to InfluxDB as fields. Always all of them,
 * always the same type (a field's type is fixed in InfluxDB); '' / 'unknown' when not known.
 * The raw read stays in `plate` and `confidence`.
 */
export interface VehicleDecisionFields {
  /** the plate without separators, confusables fixed (浙A12345, 浙AD12345); '' when unreadable */
  plateNormalized: string;
  plateKind: PlateKind | 'unknown';
  plateColor: PlateColor | 'unknown';
  decision: GateDecision;
  decisionReason: DecisionReason;
  /** the list the plate matched ('none' also for low-confidence and unreadable reads) */
  list: VehicleList;
  /** the gate (se:kind gate) of the plate camera; '' when the camera is at no known gate */
  gate: string;
  /** the car park this pass counts for; '' when none */
  carPark: string;
}

// ---- lists (REST) ---------------------------------------------------------------------------------

export interface ResidentVehicle {
  id: number;
  estate: string;
  /** normalised plate */
  plate: string;
  name: string;
  /** building id of the estate ('' = not given) */
  building: string;
  room: string;
  /** the car-park space, e.g. B1-023 */
  space: string;
  /** the car park (zone id of kind car_park) where the space is; '' = not given */
  carPark: string;
  phone: string;
  note: string;
  updatedAt: number;
}

export interface VisitorVehicle {
  id: number;
  estate: string;
  plate: string;
  name: string;
  /** who is visited, e.g. 3号楼 1单元 502 */
  host: string;
  /** validity window, epoch ms */
  validFrom: number;
  validUntil: number;
  note: string;
  /** the operator who registered the visitor */
  createdBy: string;
  updatedAt: number;
}

export interface BlacklistEntry {
  id: number;
  estate: string;
  plate: string;
  reason: string;
  createdBy: string;
  updatedAt: number;
}

/** `POST …/vehicles/residents/import` answer. */
export interface ResidentImportResult {
  imported: number;
  updated: number;
}

/** One bad row of a CSV import (line numbers count the header as line 1). */
export interface CsvRowError {
  line: number;
  error: string;
}

// ---- sessions (the vehicle in/out ledger) ---------------------------------------------------------

/**
 * open: entered, not left · closed: entered and left · exit_missed: entered again before an exit was
 * read (closed without an exit time) · entry_missed: left without an entry read (no entry time) ·
 * denied: refused at entry · turned_away: refused, then seen leaving.
 */
export const SESSION_STATUSES = ['open', 'closed', 'exit_missed', 'entry_missed', 'denied', 'turned_away'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface VehicleSession {
  id: number;
  estate: string;
  plate: string;
  status: SessionStatus;
  list: VehicleList;
  carPark: string;
  gateIn: string;
  gateOut: string;
  /** epoch ms; null when the entry (or exit) was not read */
  enteredAt: number | null;
  exitedAt: number | null;
  /** exitedAt − enteredAt, when both are known */
  dwellMs: number | null;
  /** the event ids (device/id) of the reads */
  inEvent: string;
  outEvent: string;
  /** a visitor's validity end at entry (epoch ms), for the overstay rule */
  validUntil: number | null;
  /** an overstay alert was raised for this session */
  overstay: boolean;
}

// ---- car parks and occupancy ----------------------------------------------------------------------

export interface CarParkOccupancy {
  /** zone id (kind car_park) */
  id: string;
  name: string;
  /** spaces; null = not known */
  capacity: number | null;
  /** cars counted in the car park now */
  parked: number;
  /** capacity − parked (never below 0); null without a capacity */
  free: number | null;
  updatedAt: number;
}

/** `estates/{e}/occupancy` (retained): every car park of the estate after a change. */
export interface OccupancyMessage {
  estate: string;
  at: number;
  carParks: CarParkOccupancy[];
  /** what changed it: a gate read, an operator's correction, or a refresh */
  cause: 'read' | 'correction' | 'refresh';
}

/** An operator's correction of a car park's count (the audit trail). */
export interface OccupancyCorrection {
  id: number;
  estate: string;
  carPark: string;
  before: number;
  after: number;
  user: string;
  note: string;
  at: number;
}

export interface GateDetail {
  id: string;
  name: string;
  access: string[];
  x: number;
  y: number;
  /** the car park this gate's passes count for ('' = none) */
  carPark: string;
  /** plate cameras at this gate */
  devices: string[];
}

/** Per-estate rules (admins change them). */
export interface VehicleSettings {
  /** reads with a lower confidence are marked review and never matched */
  reviewBelow: number;
  /** what an unknown plate gets at entry */
  unknownEntry: 'review' | 'deny';
  /** a visitor inside longer than this overstays (also: past the validity window) */
  visitorMaxStayHours: number;
}

export const DEFAULT_VEHICLE_SETTINGS: VehicleSettings = { reviewBelow: 0.8, unknownEntry: 'review', visitorMaxStayHours: 8 };

export const vehicleAlertTypes = { blacklisted: 'blacklisted_plate', overstay: 'vehicle_overstay' } as const;
