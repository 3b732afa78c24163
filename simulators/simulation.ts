// The runtime: connects one real MQTT client per simulated device, then plays the scenario's streams
// in wall-clock time (scenario time ÷ speed), stamping `ts` as each message leaves. Each stream awaits
// its PUBACKs in order, so a slow server slows the simulation instead of piling up messages.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEVICE_KINDS, type EventKind } from '../protocol/index.ts';
import { connectDevice, type DeviceLink } from './devices/link.ts';
import { createScenario, type ScenarioStream } from './scenario/scenario.ts';
import { isoInZone } from './scenario/time.ts';
import type { SimDevice, SimProgress, Simulation, SimulationOptions } from './types.ts';

const PROGRESS_INTERVAL_MS = 1_000;
const STOP_TIMEOUT_MS = 3_000;
/** rejections logged one by one; after that, every 100th */
const LOGGED_REJECTIONS = 10;

export async function startSimulation(o: SimulationOptions): Promise<Simulation> {
  const speed = o.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`speed must be a positive number, got ${o.speed}`);
  const seed = o.seed ?? 1;
  const run = o.run ?? Date.now().toString(36);
  const log = o.log ?? (() => {});
  const foreign = o.devices.find((d) => d.estate !== o.estate.id);
  if (foreign) throw new Error(`device ${foreign.id} belongs to estate '${foreign.estate}', the simulation is for '${o.estate.id}'`);

  const scenario = createScenario({ seed, run, estate: o.estate, devices: o.devices, checkpoints: o.checkpoints });
  const published = Object.fromEntries(DEVICE_KINDS.map((k) => [k, 0])) as Record<EventKind, number>;
  const connected = new Set<string>();
  let [acked, errors, failed] = [0, 0, 0];
  let lastError: string | undefined;
  let t0 = performance.now();
  let stopped = false;

  const hooks = {
    onConnected(device: string, up: boolean) {
      if (up) connected.add(device);
      else connected.delete(device);
    },
    onError(device: string, e: { topic: string; error: string; id?: string }) {
      errors++;
      lastError = `${device}: ${e.error}`;
      if (errors <= LOGGED_REJECTIONS || errors % 100 === 0) log(`rejected (${errors}): ${device} ${e.topic}${e.id ? ` id ${e.id}` : ''}: ${e.error}`);
    },
    onClientError(device: string, err: Error) {
      if (!stopped) log(`${device}: ${err.message}`);
    },
  };

  const settled = await Promise.allSettled(o.devices.map((d) => connectDevice(o.brokerUrl, d, hooks, o.connectTimeoutMs)));
  const links = new Map<string, DeviceLink>();
  for (const s of settled) if (s.status === 'fulfilled') links.set(s.value.device.id, s.value);
  const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (refused.length) {
    await Promise.all([...links.values()].map((l) => l.close(false, 500)));
    const first = (refused[0].reason as Error).message;
    throw new Error(`${refused.length} of ${o.devices.length} simulated devices could not connect; first: ${first}`);
  }
  log(`${links.size} devices connected to ${o.brokerUrl} (seed ${seed}, speed ×${speed}, run ${run})`);

  const abort = new AbortController();
  setMaxListeners(scenario.streams.length + 10, abort.signal); // one sleeping stream = one listener
  t0 = performance.now();
  const stats = (): SimProgress => {
    const elapsedMs = Math.round(performance.now() - t0);
    return {
      devices: o.devices.length, connected: connected.size, published: { ...published }, acked, errors, failed,
      elapsedMs, scenarioMs: Math.round(elapsedMs * speed), ...(lastError ? { lastError } : {}),
    };
  };

  const stamp = (device: SimDevice, now: number) => (device.kind === 'patrol' || device.kind === 'gate' ? isoInZone(now, o.estate.timezone) : now);

  async function play(stream: ScenarioStream): Promise<void> {
    while (!stopped) {
      const next = stream.events.next();
      if (next.done) return;
      const event = next.value;
      const wait = t0 + event.at / speed - performance.now();
      if (wait > 1) {
        try {
          await sleep(wait, undefined, { signal: abort.signal });
        } catch {
          return; // stopped
        }
      }
      if (stopped) return;
      const link = links.get(event.device);
      if (!link) continue;
      published[event.kind]++;
      try {
        await link.publish(event.kind, { ...event.payload, ts: stamp(link.device, Date.now()) }, event.retain);
        acked++;
      } catch (err) {
        if (stopped) return;
        failed++;
        log(`${event.device}: publish ${event.kind} failed: ${(err as Error).message}`);
      }
    }
  }

  const players = scenario.streams.map((s) => play(s));
  const timer = o.onProgress ? setInterval(() => o.onProgress!(stats()), PROGRESS_INTERVAL_MS) : undefined;
  timer?.unref();

  let stopping: Promise<void> | undefined;
  return {
    stats,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        abort.abort();
        if (timer) clearInterval(timer);
        // a publish waiting for a PUBACK from a dead server must not hold up the stop
        await Promise.race([Promise.allSettled(players), sleep(STOP_TIMEOUT_MS)]);
        await Promise.all([...links.values()].map((l) => l.close(true, STOP_TIMEOUT_MS)));
        o.onProgress?.(stats());
      })();
      return stopping;
    },
  };
}
