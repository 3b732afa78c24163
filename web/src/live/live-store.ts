// The live state of one estate's dashboard: markers (guards, vehicles, cameras) and the latest
// events. A plain mutable object outside React (react-three-fiber's advice: per-frame data lives in
// refs, not in state). Writers bump a version number; readers poll it: the 3D layer once per frame
// in useFrame, the event panel a few times per second, so a burst of messages costs one re-render.
import type { EstateDetail } from '../../../protocol/api.ts';
import { pointInPolygon, type Polygon } from '../../../protocol/geo.ts';
import type { EstateEvent, EventData } from '../../../protocol/schemas.ts';
import type { EventKind } from '../../../protocol/topics.ts';
import { ChannelHub } from './channels.ts';
import { WorkOrderBook } from './work-order-book.ts';

/** How many events the side panel keeps. */
export const PANEL_CAPACITY = 50;
/** A guard not heard from for this long leaves the map. */
export const GUARD_STALE_MS = 30 * 60_000;
/** A vehicle stays at its gate for this long after it was read. */
export const VEHICLE_VISIBLE_MS = 2 * 60_000;
/** A vehicle that drove in moves from the gate to a bay in the car park after this long… */
export const PARK_AFTER_MS = 20_000;
/** …and is kept there until read going out, or this long at most (a missed exit read). */
export const PARKED_MAX_MS = 12 * 3600_000;
/** A camera detection without an `end` stops being highlighted after this long. */
export const CAMERA_ALARM_MS = 30_000;
/** Camera types that are incidents (highlighted on the map); the others (motion, person…) are informational. */
export const ALARM_CAMERA_TYPES = new Set(['intrusion', 'loitering', 'fire', 'smoke', 'falling_object', 'fire_lane_blocked', 'tamper']);

export type PanelKind = EventKind | 'alert';

export interface PanelEvent {
  key: string;
  kind: PanelKind;
  device: string;
  /** when it happened (device time, epoch ms) */
  ts: number;
  data: EventData;
  building?: string;
}

export interface TrailPoint {
  x: number;
  y: number;
  t: number;
}

export interface GuardMarker {
  guard: string;
  x: number;
  y: number;
  seen: number;
  /** the handheld that reported it */
  device: string;
  /** earlier positions, oldest first, at most TRAIL_POINTS (the current position excluded) */
  trail: TrailPoint[];
}

/** Positions a guard's trail keeps behind the marker. */
export const TRAIL_POINTS = 12;
/** A new trail point only after moving this far (metres): a standing guard leaves no smear. */
export const TRAIL_STEP_M = 3;

/**
 * Where live data comes from, for the staleness banners: a wall screen must say when a kind of
 * device has gone quiet, not keep showing the last calm picture.
 */
export type FeedSource = 'camera' | 'patrol' | 'gate';
export const FEED_SOURCES: readonly FeedSource[] = ['camera', 'patrol', 'gate'];

export interface VehicleMarker {
  plate: string;
  /** the plate camera that read it */
  device: string;
  /** in a car-park bay (after driving in), rather than at the gate */
  parked?: boolean;
  x: number;
  y: number;
  direction: string;
  seen: number;
}

export interface AlertSpot {
  x: number;
  y: number;
  /** epoch ms after which the spot is dropped */
  until: number;
}

export interface CameraMarker {
  id: string;
  x: number;
  y: number;
  /** degrees clockwise from north */
  heading: number;
  /** degrees */
  fov: number;
  online: boolean;
  /** epoch ms until which the camera shows an alarm; 0 = calm */
  alarmUntil: number;
}

/** An open alert stays marked on the map this long at most, in case its resolution was missed while offline. */
export const ALERT_VISIBLE_MS = 30 * 60_000;

/**
 * An alert upsert from `estates/{e}/alerts`. Loosely typed on purpose (the web shows what it finds):
 * the server's AlertInput fields (source, type, severity, title/titleZh, x/y) plus id and status.
 */
export interface AlertMessage {
  id?: string | number;
  type?: string;
  severity?: string;
  status?: string;
  source?: string;
  device?: string;
  title?: string;
  titleZh?: string;
  ts?: number;
  openedAt?: number;
  updatedAt?: number;
  at?: number;
  x?: number;
  y?: number;
  building?: string;
  [field: string]: unknown;
}

const DEFAULT_FOV = 60;

/** A bay for a plate: a point inside one of the car parks, the same one every time for that plate. */
export function parkingBay(plate: string, carParks: readonly Polygon[]): { x: number; y: number } | null {
  let hash = 2166136261;
  for (let i = 0; i < plate.length; i++) hash = Math.imul(hash ^ plate.charCodeAt(i), 16777619) >>> 0;
  const polygon = carParks[hash % carParks.length];
  const ring = polygon?.[0];
  if (!ring?.length) return null;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of ring) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  for (let k = 0; k < 32; k++) {
    hash = Math.imul(hash ^ (hash >>> 15), 2246822507) >>> 0;
    const fx = (hash & 0xffff) / 0xffff;
    const fy = (hash >>> 16) / 0xffff;
    const x = minX + 3 + fx * Math.max(0, maxX - minX - 6);
    const y = minY + 3 + fy * Math.max(0, maxY - minY - 6);
    if (pointInPolygon(x, y, polygon)) return { x, y };
  }
  return { x: (minX + maxX) / 2, y: (minY + maxY) / 2 };
}

function sourceOfDevice(kind: string): FeedSource | null {
  return kind === 'camera' ? 'camera' : kind === 'patrol' ? 'patrol' : kind === 'gate' ? 'gate' : null;
}
const RECENT_KEYS = 1000;

function scalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

export class LiveStore {
  /** server channels (alerts, patrol, occupancy) for the panels that want them */
  readonly channels = new ChannelHub();
  /** open work orders (the work-order panel feeds it; the map's layer draws it; replay refills it) */
  readonly workOrders = new WorkOrderBook();
  readonly estate: string;
  readonly guards = new Map<string, GuardMarker>();
  readonly vehicles = new Map<string, VehicleMarker>();
  readonly cameras = new Map<string, CameraMarker>();
  /** open alerts with a place, drawn as rings like camera alarms */
  readonly alertSpots = new Map<string, AlertSpot>();
  /** alerts not yet resolved, by identity (the details panel lists those of a building or device) */
  readonly openAlerts = new Map<string, AlertMessage>();
  /** newest first, at most PANEL_CAPACITY */
  events: PanelEvent[] = [];
  /** bumped whenever a marker changes */
  markersVersion = 0;
  /** bumped with markersVersion, per kind: the map rewrites (and uploads) only the kinds that changed */
  readonly kindVersions = { guards: 0, vehicles: 0, cameras: 0 };
  /** bumped whenever the panel list changes */
  eventsVersion = 0;
  /** live events received over MQTT (valid ones, duplicates included) */
  received = 0;
  /** alert upserts received over MQTT */
  alertsReceived = 0;
  /** last check-in per checkpoint id (event time, epoch ms): checkpoints are coloured by it */
  readonly checkpointVisits = new Map<string, number>();
  /** local clock (epoch ms) when each source was last heard from; 0 = never since the page opened */
  readonly lastHeard: Record<FeedSource, number> = { camera: 0, patrol: 0, gate: 0 };
  /** sources the estate has devices for: only these can go stale */
  readonly expectedSources = new Set<FeedSource>();
  /** when this store started listening (staleness counts from here when a source was never heard) */
  readonly startedAt: number;
  /** the server node's link to the other nodes (cluster/link); `since` on this page's clock; null = a single node */
  clusterLink: { state: 'up' | 'down'; since: number } | null = null;

  private readonly devices = new Map<string, { x: number; y: number }>();
  /** car-park zones: where vehicles that drove in are shown */
  private readonly carParks: Polygon[] = [];
  private readonly deviceKinds = new Map<string, string>();
  private readonly checkpoints = new Map<string, { x: number; y: number }>();
  private readonly checkpointIds = new Map<string, string>();
  private readonly recentKeys = new Set<string>();

  constructor(detail: EstateDetail, now = Date.now()) {
    this.estate = detail.estate.id;
    this.startedAt = now;
    for (const d of detail.devices) {
      this.deviceKinds.set(d.id, d.kind);
      const source = sourceOfDevice(d.kind);
      if (source) this.expectedSources.add(source);
      if (d.x === null || d.y === null) continue;
      this.devices.set(d.id, { x: d.x, y: d.y });
      if (d.kind === 'camera') {
        this.cameras.set(d.id, { id: d.id, x: d.x, y: d.y, heading: d.heading ?? 0, fov: d.fov ?? DEFAULT_FOV, online: true, alarmUntil: 0 });
      }
    }
    // check-ins name a checkpoint by id or by its tag code (what an NFC/QR reader actually reads)
    for (const z of detail.zones ?? []) if (z.kind === 'car_park' && z.polygon?.[0]?.length) this.carParks.push(z.polygon);
    for (const c of detail.checkpoints) {
      this.checkpoints.set(c.id, { x: c.x, y: c.y });
      this.checkpointIds.set(c.id, c.id);
      if (c.code) {
        this.checkpoints.set(c.code, { x: c.x, y: c.y });
        this.checkpointIds.set(c.code, c.id);
      }
    }
  }

  /** Which source an event counts for: its device's class, else what its kind implies. */
  sourceOf(event: Pick<EstateEvent, 'device' | 'kind'>): FeedSource | null {
    const kind = this.deviceKinds.get(event.device);
    const byDevice = kind ? sourceOfDevice(kind) : null;
    if (byDevice) return byDevice;
    switch (event.kind) {
      case 'camera':
        return 'camera';
      case 'vehicle':
        return 'gate';
      case 'checkin':
      case 'position':
        return 'patrol';
      default:
        return null;
    }
  }

  /** Forgets every marker, visit and event (replay rewinds with this); the estate layout stays. */
  clear(): void {
    this.guards.clear();
    this.vehicles.clear();
    this.alertSpots.clear();
    this.openAlerts.clear();
    this.checkpointVisits.clear();
    for (const camera of this.cameras.values()) {
      camera.alarmUntil = 0;
      camera.online = true;
    }
    this.recentKeys.clear();
    this.events = [];
    this.touch('guards');
    this.touch('vehicles');
    this.touch('cameras');
    this.workOrders.clear();
    this.eventsVersion++;
  }

  /** Where an event happened: its own x/y, else the checkpoint it names, else the device's installed position. */
  locate(event: Pick<EstateEvent, 'x' | 'y' | 'device' | 'kind' | 'data'>): { x: number; y: number } | null {
    if (typeof event.x === 'number' && typeof event.y === 'number') return { x: event.x, y: event.y };
    if (event.kind === 'checkin' && typeof event.data.checkpoint === 'string') {
      const checkpoint = this.checkpoints.get(event.data.checkpoint);
      if (checkpoint) return checkpoint;
    }
    return this.devices.get(event.device) ?? null;
  }

  /** Adds one event from the live feed or from history; `now` is the local clock. Returns false for a duplicate. */
  ingest(event: EstateEvent, now = Date.now()): boolean {
    if (!event || typeof event.kind !== 'string' || typeof event.device !== 'string') return false;
    const key = event.id ? `${event.device}/${event.id}` : `${event.device}/${event.kind}/${event.ts}/${event.rx}`;
    if (this.recentKeys.has(key)) return false;
    this.remember(key);
    const data: EventData = event.data && typeof event.data === 'object' ? event.data : {};
    const source = this.sourceOf(event);
    if (source) this.lastHeard[source] = Math.max(this.lastHeard[source], Math.min(now, event.rx ?? now));
    this.applyToMarkers({ ...event, data }, now);
    if (event.kind !== 'position') this.pushPanel({ key, kind: event.kind, device: event.device, ts: event.ts ?? event.rx ?? now, data, building: event.building });
    return true;
  }

  /** History arrives newest first; markers must see it oldest first. Events older than the panel's newest are kept in order. */
  seed(events: readonly EstateEvent[], now = Date.now()): void {
    for (let i = events.length - 1; i >= 0; i--) this.ingest(events[i], now);
  }

  ingestAlert(alert: AlertMessage, now = Date.now()): void {
    const status = typeof alert.status === 'string' ? alert.status : '';
    const source = typeof alert.device === 'string' ? alert.device : typeof alert.source === 'string' ? alert.source : '';
    const identity = alert.id !== undefined ? String(alert.id) : `${source}/${String(alert.type ?? '')}`;
    const key = `alert/${identity}/${status}/${String(alert.updatedAt ?? '')}`;
    if (this.recentKeys.has(key)) return;
    this.remember(key);
    const data: EventData = {};
    for (const [field, value] of Object.entries(alert)) if (scalar(value)) data[field] = value;
    const ts = [alert.updatedAt, alert.ts, alert.openedAt, alert.at].find((v): v is number => typeof v === 'number') ?? now;
    this.pushPanel({ key, kind: 'alert', device: source, ts, data, building: typeof alert.building === 'string' ? alert.building : undefined });

    const resolved = status === 'resolved' || status === 'closed';
    if (resolved) this.openAlerts.delete(identity);
    else this.openAlerts.set(identity, alert);
    if (typeof alert.x === 'number' && typeof alert.y === 'number') {
      if (resolved) this.alertSpots.delete(identity);
      else this.alertSpots.set(identity, { x: alert.x, y: alert.y, until: now + ALERT_VISIBLE_MS });
      this.markersVersion++;
    }
    const camera = this.cameras.get(source);
    if (camera) {
      camera.alarmUntil = resolved ? 0 : now + CAMERA_ALARM_MS;
      this.touch('cameras');
    }
  }

  /** Does this vehicle go on to a car-park bay (it drove in, and the estate has a car park)? */
  private parks(vehicle: VehicleMarker): boolean {
    return vehicle.direction === 'in' && this.carParks.length > 0;
  }

  /** Marks one kind of marker changed. */
  touch(kind: keyof LiveStore['kindVersions']): void {
    this.kindVersions[kind]++;
    this.markersVersion++;
  }

  /** Drops markers that went stale. Cheap; the scene calls it about once a second. */
  expire(now = Date.now()): void {
    let changed = false;
    for (const [id, guard] of this.guards) if (now - guard.seen > GUARD_STALE_MS && this.guards.delete(id)) this.touch('guards');
    for (const [plate, vehicle] of this.vehicles) {
      const age = now - vehicle.seen;
      if (this.parks(vehicle)) {
        if (age > PARKED_MAX_MS) {
          this.vehicles.delete(plate);
          this.touch('vehicles');
        } else if (!vehicle.parked && age >= PARK_AFTER_MS) {
          const bay = parkingBay(plate, this.carParks);
          if (bay) Object.assign(vehicle, bay, { parked: true });
          else vehicle.parked = true;
          this.touch('vehicles');
        }
      } else if (age > VEHICLE_VISIBLE_MS && this.vehicles.delete(plate)) this.touch('vehicles');
    }
    for (const [id, spot] of this.alertSpots) if (spot.until <= now) changed = this.alertSpots.delete(id) || changed;
    for (const camera of this.cameras.values()) {
      if (camera.alarmUntil !== 0 && camera.alarmUntil <= now) {
        camera.alarmUntil = 0;
        this.touch('cameras');
      }
    }
    if (changed) this.markersVersion++;
  }

  private remember(key: string): void {
    this.recentKeys.add(key);
    if (this.recentKeys.size > RECENT_KEYS) {
      const oldest = this.recentKeys.values().next().value;
      if (oldest !== undefined) this.recentKeys.delete(oldest);
    }
  }

  private pushPanel(entry: PanelEvent): void {
    // newest first by event time; a late (older) event slots in where it belongs
    let at = 0;
    while (at < this.events.length && this.events[at].ts > entry.ts) at++;
    if (at >= PANEL_CAPACITY) return;
    const next = this.events.slice(0, PANEL_CAPACITY);
    next.splice(at, 0, entry);
    if (next.length > PANEL_CAPACITY) next.length = PANEL_CAPACITY;
    this.events = next; // a new array, so React sees a new value
    this.eventsVersion++;
  }

  private applyToMarkers(event: EstateEvent, now: number): void {
    const seen = Math.min(now, event.rx ?? now);
    const age = now - seen;
    switch (event.kind) {
      case 'checkin':
      case 'position': {
        if (event.kind === 'checkin' && typeof event.data.checkpoint === 'string') {
          const id = this.checkpointIds.get(event.data.checkpoint);
          const at = typeof event.ts === 'number' ? Math.min(event.ts, now) : seen;
          if (id && at > (this.checkpointVisits.get(id) ?? 0)) {
            this.checkpointVisits.set(id, at);
            this.markersVersion++;
          }
        }
        if (age > GUARD_STALE_MS) return;
        const where = this.locate(event);
        if (!where) return;
        const guard = typeof event.data.guard === 'string' ? event.data.guard : event.device;
        const previous = this.guards.get(guard);
        const trail = previous ? previous.trail : [];
        if (previous && Math.hypot(previous.x - where.x, previous.y - where.y) >= TRAIL_STEP_M) {
          trail.push({ x: previous.x, y: previous.y, t: previous.seen });
          if (trail.length > TRAIL_POINTS) trail.splice(0, trail.length - TRAIL_POINTS);
        }
        this.guards.set(guard, { guard, device: event.device, x: where.x, y: where.y, seen, trail });
        this.touch('guards');
        return;
      }
      case 'vehicle': {
        const parks = event.data.direction === 'in' && this.carParks.length > 0;
        if (age > (parks ? PARKED_MAX_MS : VEHICLE_VISIBLE_MS)) return;
        const where = this.locate(event);
        const plate = typeof event.data.plate === 'string' ? event.data.plate : event.id ?? event.device;
        if (!where) return;
        this.vehicles.set(plate, { plate, device: event.device, x: where.x, y: where.y, direction: String(event.data.direction ?? ''), seen });
        this.touch('vehicles');
        return;
      }
      case 'camera': {
        let camera = this.cameras.get(event.device);
        if (!camera) {
          const where = this.locate(event);
          if (!where) return;
          camera = { id: event.device, x: where.x, y: where.y, heading: 0, fov: DEFAULT_FOV, online: true, alarmUntil: 0 };
          this.cameras.set(event.device, camera);
        }
        const type = String(event.data.type ?? '');
        if (event.data.phase === 'end') camera.alarmUntil = 0;
        else if (ALARM_CAMERA_TYPES.has(type) && age < CAMERA_ALARM_MS) camera.alarmUntil = seen + CAMERA_ALARM_MS;
        this.touch('cameras');
        return;
      }
      case 'status': {
        const camera = this.cameras.get(event.device);
        if (camera && typeof event.data.online === 'boolean' && camera.online !== event.data.online) {
          camera.online = event.data.online;
          this.touch('cameras');
        }
        return;
      }
    }
  }
}
