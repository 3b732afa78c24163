// Shapes of the REST API (server ⇄ web). Coordinates are local metres around the estate origin:
// x = east, y = north. (The 3D view maps them to three.js as X = x, Z = -y, Y = up.)
import type { EstateEvent } from './schemas.ts';
import type { Polygon } from './geo.ts';

export const API_PREFIX = '/api/v1';
/**
 * Every API response carries the server's clock (epoch ms): wall screens count the 54321 deadlines
 * and pick the current patrol tours by the server's time, not by the clock of the PC they run on.
 */
export const SERVER_TIME_HEADER = 'X-Server-Time';
export const MQTT_WS_PATH = '/mqtt';

export type Role = 'admin' | 'operator' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

export const DEVICE_CLASSES = ['patrol', 'camera', 'gate', 'sensor'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

export const ZONE_KINDS = ['perimeter', 'restricted', 'fire_lane', 'car_park'] as const;
export type ZoneKind = (typeof ZONE_KINDS)[number];

export interface LoginRequest {
  username: string;
  password: string;
}
export interface UserInfo {
  name: string;
  role: Role;
  /** null = every estate */
  estate: string | null;
}
export interface LoginResponse {
  token: string;
  expiresAt: number;
  user: UserInfo;
}

export interface EstateSummary {
  id: string;
  name: string;
  nameZh: string;
  lat: number;
  lon: number;
  timezone: string;
}

export interface BuildingInfo {
  id: string;
  name: string;
  /** building type from OSM `building=*` (residential, apartments, commercial, …) */
  use: string;
  floors: number | null;
  /** metres above ground of the roof */
  height: number;
  /** metres above ground of the base (OSM min_height) */
  minHeight: number;
  /** one or more polygons (MultiPolygon), each outer ring then holes, local metres */
  polygons: Polygon[];
  center: [number, number];
}

export interface ZoneInfo {
  id: string;
  name: string;
  kind: ZoneKind;
  polygon: Polygon;
}

export interface CheckpointInfo {
  id: string;
  name: string;
  code: string;
  x: number;
  y: number;
}

export interface DeviceInfo {
  id: string;
  kind: DeviceClass;
  name: string;
  x: number | null;
  y: number | null;
  /** camera heading, degrees clockwise from north */
  heading: number | null;
  /** camera field of view, degrees */
  fov: number | null;
  /** storey it is installed on (1 = ground floor, negative = basement); null/absent = not on a floor */
  floor?: number | null;
}

export interface EstateDetail {
  estate: EstateSummary;
  buildings: BuildingInfo[];
  zones: ZoneInfo[];
  checkpoints: CheckpointInfo[];
  devices: DeviceInfo[];
}

export interface EventsResponse {
  events: EstateEvent[];
  backend: 'sqlite' | 'influxdb';
}

/** Every 4xx/5xx answer of the API. */
export interface ApiError {
  error: string;
}
