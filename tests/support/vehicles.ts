// Vehicle sessions for the cluster tests (#15: the ledger moves with the estate;
// tests/cluster/vehicle-state.test.ts): an estate file with one car park and one gate whose plate
// camera is `lpr-1`, to import on each node (configuration is per node); a plate read over MQTT;
// the ledger and the counts as one node's REST shows them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { estateRow } from './roaming.ts';
import { connect } from './mqtt.ts';
import { deviceTopic } from '../../protocol/index.ts';
import type { ClusterNode } from './cluster.ts';

export const CAMERA = 'lpr-1';
export const GATE = 'gate-1';
export const CAR_PARK = 'cp-1';

/** Writes `<dir>/<estate>.geojson`: the estate, car park `cp-1` (10 spaces) and gate `gate-1` counting for it, seen by `lpr-1`. */
export function gateFile(dir: string, estate: string): string {
  const file = join(dir, `${estate}.geojson`);
  const square = [[[120.15, 30.27], [120.1503, 30.27], [120.1503, 30.2702], [120.15, 30.2702], [120.15, 30.27]]];
  writeFileSync(file, JSON.stringify({
    type: 'FeatureCollection',
    'se:estate': estateRow(estate),
    features: [
      { type: 'Feature', geometry: { type: 'Polygon', coordinates: square }, properties: { 'se:kind': 'zone', 'se:zone': 'car_park', 'se:id': CAR_PARK, name: '地面停车场', capacity: 10 } },
      { type: 'Feature', geometry: { type: 'Point', coordinates: [120.1501, 30.2699] }, properties: { 'se:kind': 'gate', 'se:id': GATE, 'se:access': 'vehicle', name: '东门', 'se:car_park': CAR_PARK, 'se:devices': CAMERA } },
    ],
  }));
  return file;
}

/** One plate read of `lpr-1` on this node over MQTT, QoS 1: resolved after the PUBACK (the journal commit). */
export async function plateRead(node: ClusterNode, token: string, estate: string, id: string, plate: string, direction: 'in' | 'out'): Promise<void> {
  const client = await connect(`mqtt://127.0.0.1:${node.mqtt}`, CAMERA, token, { clientId: `${CAMERA}-${node.id}-${id}` });
  try {
    await client.publishAsync(deviceTopic(estate, CAMERA, 'vehicle'), JSON.stringify({ id, ts: Date.now(), plate, direction, confidence: 0.95, vehicleType: 'car' }), { qos: 1 });
  } finally {
    client.end(true);
  }
}

export interface SessionRow { id: number; plate: string; status: string; gateIn: string; gateOut: string; enteredAt: number | null; exitedAt: number | null; inEvent: string; outEvent: string }

/** The plate's sessions on this node's REST, newest first. */
export async function sessionsOf(node: ClusterNode, token: string, estate: string, plate: string): Promise<SessionRow[]> {
  const res = await fetch(`http://127.0.0.1:${node.http}/api/v1/estates/${estate}/vehicles/sessions?plate=${encodeURIComponent(plate)}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as SessionRow[];
}

/** Cars parked in `cp-1` on this node's REST. */
export async function parked(node: ClusterNode, token: string, estate: string): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${node.http}/api/v1/estates/${estate}/car-parks`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as Array<{ id: string; parked: number }>).find((c) => c.id === CAR_PARK)?.parked;
}

/** An operator's count of `cp-1` on this node: the response's status and body. */
export async function correct(node: ClusterNode, token: string, estate: string, cars: number): Promise<{ status: number; body: { reason?: string; correction?: { id: number } } }> {
  const res = await fetch(`http://127.0.0.1:${node.http}/api/v1/estates/${estate}/car-parks/${CAR_PARK}/occupancy`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ parked: cars, note: 'counted' }) });
  return { status: res.status, body: (await res.json()) as { reason?: string; correction?: { id: number } } };
}
