// The ledger and the counts survive a stop between the journal commit and onCommitted: the next start
// catches up from the journal, exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModuleFactory } from '../../server/modules.ts';
import { addDevice, getDevice } from '../../server/store/devices.ts';
import { listSessions } from '../../server/vehicles/ledger.ts';
import { listResidents } from '../../server/vehicles/lists.ts';
import { createVehiclesModule } from '../../server/vehicles/module.ts';
import { occupancySnapshot } from '../../server/vehicles/occupancy.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'se-vrestart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The vehicles module of a server that goes down right after committing the read with id `lost`. */
const crashesAfterLost: ModuleFactory = (ctx) => {
  const m = createVehiclesModule(ctx);
  return { ...m, onCommitted: (events) => (events.some((e) => e.id === 'lost') ? undefined : m.onCommitted!(events)) };
};

async function post(server: TestServer, token: string, id: string, plate: string, direction: 'in' | 'out') {
  const res = await server.api('/api/v1/devices/garden-lpr-east/vehicle', { token, body: { id, plate, direction, confidence: 0.95 } });
  expect(res.status).toBe(202);
}

describe('restart', () => {
  it('catches up the reads committed but not yet filed, once', async () => {
    const first = await startTestServer({ demo: true, dataDir: dir, modules: [crashesAfterLost] });
    const d = getDevice(first.db, 'garden-lpr-east')!;
    const token = addDevice(first.db, { estate: 'garden', id: d.id, kind: 'gate', name: d.name, x: d.x, y: d.y, heading: d.heading, fov: d.fov }, { rotate: true });
    const garage = (s: TestServer) => occupancySnapshot(s.db, 'garden').find((c) => c.id === 'carpark-ramp')!.parked;
    const plate = listResidents(first.db, 'garden')[0].plate;
    const start = garage(first);

    await post(first, token, 'came', plate, 'in');
    expect(garage(first)).toBe(start + 1);
    await post(first, token, 'lost', plate, 'out'); // journaled and acknowledged; the server "dies" before filing it
    expect(garage(first)).toBe(start + 1);
    expect(listSessions(first.db, 'garden', { plate, limit: 1 })[0].status).toBe('open');
    await first.stop();

    const second = await startTestServer({ dataDir: dir, modules: [createVehiclesModule] });
    expect(garage(second)).toBe(start);
    expect(listSessions(second.db, 'garden', { plate, limit: 1 })[0]).toMatchObject({ status: 'closed', outEvent: 'garden-lpr-east/lost' });
    await post(second, token, 'again', plate, 'in');
    expect(garage(second)).toBe(start + 1);
    await second.stop();

    const third = await startTestServer({ dataDir: dir, modules: [createVehiclesModule] });
    expect(garage(third)).toBe(start + 1); // nothing filed twice
    expect(listSessions(third.db, 'garden', { plate, limit: 10 }).map((s) => s.status).slice(0, 2)).toEqual(['open', 'closed']);
    await third.stop();
  });
});
