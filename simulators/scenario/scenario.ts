// The scenario: from the estate, its devices and checkpoints and a seed, the streams of messages
// every simulated device sends, each at a scenario time. Pure and deterministic — the same seed and
// run id give the same messages (ids, routes, plates, detections); the runtime (../simulation.ts)
// only decides when, in wall-clock time, to send them and stamps `ts`.
import { localFrame } from '../../protocol/index.ts';
import { camera } from '../devices/camera.ts';
import { plateRead } from '../devices/gate-camera.ts';
import { guardHandheld } from '../devices/guard-handheld.ts';
import { heartbeat } from '../devices/heartbeat.ts';
import type { PatrolRoute } from '../devices/guard-handheld.ts';
import type { ScheduledEvent, SimCheckpoint, SimDevice, SimEstate } from '../types.ts';
import { localPrefix } from './plates.ts';
import { createRng } from './random.ts';
import { planPatrols } from './routes.ts';
import { traffic } from './traffic.ts';

export interface ScenarioInput {
  seed: number;
  /** prefix of every event id, unique per run */
  run: string;
  estate: SimEstate;
  devices: Array<Omit<SimDevice, 'token'>>;
  checkpoints: SimCheckpoint[];
}

/** One ordered stream of messages (nondecreasing `at`), from one or more devices. */
export interface ScenarioStream {
  name: string;
  events: Iterator<ScheduledEvent>;
}

export interface Scenario {
  routes: PatrolRoute[];
  streams: ScenarioStream[];
}

export function createScenario(input: ScenarioInput): Scenario {
  const { seed, run, estate } = input;
  const frame = localFrame(estate);
  const devices = [...input.devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const handhelds = devices.filter((d) => d.kind === 'patrol');
  const routes = planPatrols(createRng(seed, 'routes'), handhelds, input.checkpoints, frame);
  const streams: ScenarioStream[] = [];

  for (const d of devices) streams.push({ name: `heartbeat:${d.id}`, events: heartbeat(createRng(seed, `heartbeat:${d.id}`), d, run) });
  for (const r of routes) streams.push({ name: `patrol:${r.device}`, events: guardHandheld(createRng(seed, `patrol:${r.device}`), r, frame, run) });
  for (const d of devices.filter((x) => x.kind === 'camera')) {
    streams.push({ name: `camera:${d.id}`, events: camera(createRng(seed, `camera:${d.id}`), d.id, run) });
  }
  const gates = devices.filter((d) => d.kind === 'gate').map((d) => d.id);
  if (gates.length) {
    const passes = traffic(createRng(seed, 'traffic'), { gates, prefix: localPrefix(estate.lat, estate.lon) });
    const reads = createRng(seed, 'plate-reads');
    let n = 0;
    const events = (function* () {
      for (const pass of passes) yield plateRead(reads, pass, `${run}-v${++n}`);
    })();
    streams.push({ name: 'traffic', events });
  }
  return { routes, streams };
}

/** Every message with `at < untilMs`, merged in time order (ties: stream order). For tests and previews. */
export function scenarioUntil(scenario: Scenario, untilMs: number): ScheduledEvent[] {
  const out: Array<{ e: ScheduledEvent; s: number; i: number }> = [];
  scenario.streams.forEach((stream, s) => {
    for (let i = 0; ; i++) {
      const r = stream.events.next();
      if (r.done || r.value.at >= untilMs) break;
      out.push({ e: r.value, s, i });
    }
  });
  out.sort((a, b) => a.e.at - b.e.at || a.s - b.s || a.i - b.i);
  return out.map((o) => o.e);
}
