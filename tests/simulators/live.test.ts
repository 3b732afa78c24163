// The simulators against a real server: real broker, real SQLite journal, 46 real MQTT clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.ts';
import { provisionDemo, simulationPlan, type SimulationPlan } from '../../server/estate/demo.ts';
import { startSimulation, type SimProgress, type SimDevice } from '../../simulators/index.ts';

let dir: string;
let server: RunningServer;
let plan: SimulationPlan;
let credentials: SimDevice[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se-sim-live-'));
  server = await startServer({ dataDir: dir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', quiet: true });
  const demo = provisionDemo(server.db);
  credentials = demo.credentials;
  plan = simulationPlan(server.db, demo.estate.id, credentials);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the first progress report that satisfies `done` (reports come about once a second). */
function progressUntil(done: (p: SimProgress) => boolean): { onProgress: (p: SimProgress) => void; reached: Promise<SimProgress> } {
  let resolve!: (p: SimProgress) => void;
  const reached = new Promise<SimProgress>((r) => (resolve = r));
  return { onProgress: (p) => done(p) && resolve(p), reached };
}

const journal = (kind: string) =>
  (server.db.prepare('SELECT count(*) AS n FROM events WHERE estate = ? AND kind = ?').get('garden', kind) as { n: number }).n;

describe('simulation against a live server', () => {
  it('connects every device, gets every event acked and journaled, no rejections', async () => {
    const lines: string[] = [];
    const wait = progressUntil((p) => p.published.checkin >= 4 && p.published.vehicle >= 3 && p.published.camera >= 20 && p.published.position >= 20);
    const sim = await startSimulation({
      ...plan,
      brokerUrl: `mqtt://127.0.0.1:${server.mqttPort}`,
      seed: 11,
      speed: 60,
      onProgress: wait.onProgress,
      log: (l) => lines.push(l),
    });
    expect(sim.stats().connected).toBe(46);
    await wait.reached;
    await sim.stop();

    const s = sim.stats();
    const sent = Object.values(s.published).reduce((a, b) => a + b, 0);
    expect(s.failed).toBe(0);
    expect(s.errors, lines.join('\n')).toBe(0);
    expect(s.acked).toBe(sent);
    expect(s.connected).toBe(0);
    // everything acked is in the journal exactly once (status also holds the goodbye messages)
    for (const kind of ['checkin', 'camera', 'vehicle', 'position'] as const) expect(journal(kind), kind).toBe(s.published[kind]);
    expect(journal('status')).toBeGreaterThanOrEqual(s.published.status + 46);
    const checkin = JSON.parse((server.db.prepare("SELECT body FROM events WHERE kind = 'checkin' LIMIT 1").get() as { body: string }).body);
    expect(checkin.data.checkpoint).toMatch(/^CP-\d\d$/);
    expect(typeof checkin.x).toBe('number'); // placed at the checkpoint by the server
  });

  it('refuses to start, naming the device, when a token is wrong', async () => {
    const devices = plan.devices.map((d) => (d.id === 'garden-cam-05' ? { ...d, token: 'sed_wrong' } : d));
    await expect(startSimulation({ ...plan, devices, brokerUrl: `mqtt://127.0.0.1:${server.mqttPort}`, connectTimeoutMs: 5_000 })).rejects.toThrow(
      /1 of 46 simulated devices could not connect; first: device garden-cam-05: cannot connect .*(Bad username or password|Not authorized)/i,
    );
  });
});
