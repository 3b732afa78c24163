// A patrol tour in progress for the cluster tests (#15: the tour's state moves with the estate;
// tests/cluster/estate-state.test.ts, failover.test.ts): an estate file with three checkpoints to
// import on each node (configuration is per node), a route whose one tour started five minutes ago,
// a guard handheld's check-ins over REST, and the tour as one node's REST shows it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { estateRow } from './roaming.ts';
import { dbPath, openDb } from '../../server/store/db.ts';
import { importEstateFile } from '../../server/estate/import.ts';
import type { ClusterNode } from './cluster.ts';

export const CHECKPOINTS = ['CP-01', 'CP-02', 'CP-03'];
export const GUARD = 'G01';

/** Writes `<dir>/<estate>.geojson`: the estate (its `estateRow`) and its three checkpoints; import it with `import buildings <file>`. Returns the path. */
export function checkpointFile(dir: string, estate: string): string {
  const file = join(dir, `${estate}.geojson`);
  writeFileSync(file, JSON.stringify({
    type: 'FeatureCollection',
    'se:estate': estateRow(estate),
    features: CHECKPOINTS.map((id, i) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [120.15 + i * 0.0005, 30.27] }, properties: { 'se:kind': 'checkpoint', 'se:id': id, name: id } })),
  }));
  return file;
}

/** Imports an estate file into a (stopped or running) node's data dir in-process, in one transaction: what `import buildings` does, without a CLI start per node. */
export function importInto(dataDir: string, file: string): void {
  const db = openDb(dbPath(dataDir));
  try {
    importEstateFile(db, file);
  } finally {
    db.close();
  }
}

/** Route `day`: its one tour started five minutes ago (Asia/Shanghai), every stop on time for 30 minutes (so nothing is missed while a test runs). */
export function dayRoute(now = Date.now()) {
  const local = new Date(now - 5 * 60_000 + 8 * 3_600_000);
  const hhmm = (d: Date) => d.toISOString().slice(11, 16);
  const route = {
    name: 'Day round', nameZh: '白班巡更', stops: CHECKPOINTS.map((checkpoint) => ({ checkpoint, afterMin: 0 })),
    toleranceMin: 30, graceMin: 10,
    schedules: [{ id: 'day', start: hhmm(local), end: hhmm(new Date(local.getTime() + 3 * 3_600_000)), everyMin: 240, guard: GUARD }],
  };
  return { route, tourId: `day@${local.toISOString().slice(0, 16)}` };
}

export async function putRoute(node: ClusterNode, adminToken: string, estate: string, route: unknown): Promise<void> {
  const put = await fetch(`http://127.0.0.1:${node.http}/api/v1/estates/${estate}/patrol/routes/day`, { method: 'PUT', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(route) });
  expect(put.status).toBe(201);
}

/** A check-in `k-<checkpoint>` of the handheld through this node's REST, acknowledged (202). */
export async function checkin(node: ClusterNode, device: string, token: string, checkpoint: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${node.http}/api/v1/devices/${device}/checkin`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: `k-${checkpoint}`, ts: Date.now(), guard: GUARD, checkpoint, method: 'nfc' }) });
  expect(res.status).toBe(202);
}

/** The tour's stops on this node's REST as `checkpoint:status:check-in id` (`-` without one); null while it has no such tour. */
export async function tourStops(node: ClusterNode, token: string, estate: string, tourId: string): Promise<string | null> {
  const res = await fetch(`http://127.0.0.1:${node.http}/api/v1/estates/${estate}/patrol/tours/${encodeURIComponent(tourId)}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) return null;
  const tour = (await res.json()) as { stops: Array<{ checkpoint: string; status: string; scan?: { id: string } }> };
  return tour.stops.map((st) => `${st.checkpoint}:${st.status}:${st.scan?.id ?? '-'}`).join();
}

/** The ids of the tours of route `day` on this node's REST (12 h either side of now). */
export async function dayTours(node: ClusterNode, token: string, estate: string): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${node.http}/api/v1/estates/${estate}/patrol/tours`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as Array<{ id: string; route: string }>).filter((t) => t.route === 'day').map((t) => t.id);
}
