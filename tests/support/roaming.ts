// The cluster failure tests' load (#15, tests/cluster/failover.test.ts, redis-restart.test.ts): real
// MQTT devices that publish QoS 1 events at a steady pace, one in flight each, reconnect by
// themselves (through haproxy: to whichever node takes them) and resend what was not acknowledged,
// as mqtt.js does; which (device, event id) got a PUBACK and when. Plus what the tests read
// afterwards: every point InfluxDB holds per (device, event id), and a node's own journal.
import mqtt, { type MqttClient } from 'mqtt';
import Database from 'better-sqlite3';
import { dbPath, openDb } from '../../server/store/db.ts';
import { addDevice } from '../../server/store/devices.ts';
import { upsertEstate } from '../../server/store/estates.ts';
import { CHECKPOINT_KEY } from '../../server/forwarder/forwarder.ts';
import { deviceTopic } from '../../protocol/index.ts';
import { TEST_DATABASE, type InfluxdHandle } from './influxd.ts';

export interface RoamingDevice {
  id: string;
  estate: string;
  token: string;
  /** mqtt://… of haproxy, or of one node */
  url: string;
}

export const estateRow = (id: string) => ({ id, name: `Estate ${id}`, nameZh: `小区 ${id}`, lat: 30.27, lon: 120.15, timezone: 'Asia/Shanghai' });

/** Creates the estates in a (stopped or running) node's data dir. */
export function addEstates(dir: string, estates: string[]): void {
  const db = openDb(dbPath(dir));
  try {
    db.transaction(() => estates.forEach((e) => upsertEstate(db, estateRow(e))))();
  } finally {
    db.close();
  }
}

/**
 * Registers the devices (sensors) on every node's data dir with ONE token each — configuration is per
 * node (docs/scale-out.md) and a device behind haproxy may land on any node; the nodes may be running
 * (they read their SQLite per CONNECT). The estates must exist there. Returns id → token.
 */
export function registerEverywhere(dirs: string[], devices: Array<{ id: string; estate: string; kind?: 'sensor' | 'camera' | 'patrol' }>): Map<string, string> {
  const tokens = new Map<string, string>();
  const [first, ...rest] = dirs.map((d) => openDb(dbPath(d)));
  try {
    first.transaction(() => devices.forEach((d) => tokens.set(d.id, addDevice(first, { estate: d.estate, id: d.id, kind: d.kind ?? 'sensor' }))))();
    const rows = first.prepare(`SELECT * FROM devices WHERE id IN (${devices.map(() => '?').join(',')})`).all(...devices.map((d) => d.id)) as Array<Record<string, unknown>>;
    for (const db of rest) {
      const cols = Object.keys(rows[0]);
      const insert = db.prepare(`INSERT INTO devices (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
      db.transaction(() => rows.forEach((r) => insert.run(r)))();
    }
  } finally {
    for (const db of [first, ...rest]) db.close();
  }
  return tokens;
}

export interface Roaming {
  /** `${device}/${id}` → when its PUBACK came (ms) */
  acked: Map<string, number>;
  /** `${device}/${id}` of every event sent at least once → when it was first sent (ms) */
  sent: Map<string, number>;
  /** how many times each device connected (1 = never reconnected) and when it last did */
  connects: Map<string, { count: number; lastAt: number; connected: boolean }>;
  /** PUBACKs of one device received after `since` */
  ackedSince(device: string, since: number): number;
  /** PUBACKs received in [from, to) */
  ackedBetween(from: number, to: number, devices?: Set<string>): number;
  /** no new events; resolves once every event sent has its PUBACK (the devices resend until then) */
  drain(): Promise<void>;
  /** the connections closed at once */
  end(): void;
}

/**
 * Each device connects (reconnecting every 200 ms when its connection is gone) and sends a status event
 * every `everyMs` (a random phase each), never more than one unacknowledged: while disconnected the
 * one in flight waits in mqtt.js' store and is resent on the next connection.
 */
export async function roam(devices: RoamingDevice[], everyMs: number): Promise<Roaming> {
  const acked = new Map<string, number>();
  const sent = new Map<string, number>();
  const connects = new Map<string, { count: number; lastAt: number; connected: boolean }>();
  const clients: MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<string>();
  let draining = false;
  let drained: (() => void) | null = null;
  const checkDrained = () => {
    if (draining && inFlight.size === 0) drained?.();
  };
  await Promise.all(devices.map((d) => new Promise<void>((resolve, reject) => {
    const client = mqtt.connect(d.url, { username: d.id, password: d.token, clientId: d.id, reconnectPeriod: 200, connectTimeout: 5000, protocolVersion: 4, keepalive: 30 });
    clients.push(client);
    const state = { count: 0, lastAt: 0, connected: false };
    connects.set(d.id, state);
    client.on('connect', () => {
      state.count++;
      state.lastAt = Date.now();
      state.connected = true;
      resolve();
    });
    client.on('close', () => (state.connected = false));
    client.on('error', (err) => {
      if (state.count === 0 && /not authorized|bad username/i.test(err.message)) reject(new Error(`${d.id}: ${err.message}`));
    });
    const topic = deviceTopic(d.estate, d.id, 'status');
    let n = 0;
    const send = () => {
      if (draining || inFlight.has(d.id)) return;
      const key = `${d.id}/${d.id}-${++n}`;
      const id = `${d.id}-${n}`;
      sent.set(key, Date.now());
      inFlight.add(d.id);
      client.publish(topic, JSON.stringify({ id, ts: Date.now(), online: true, battery: 50 + (n % 50) }), { qos: 1 }, (err) => {
        if (err) return; // only on end(): mqtt.js keeps QoS 1 in its store and resends after a reconnect
        acked.set(key, Date.now());
        inFlight.delete(d.id);
        checkDrained();
      });
    };
    setTimeout(() => {
      send();
      timers.push(setInterval(send, everyMs));
    }, Math.random() * everyMs);
  })));
  return {
    acked,
    sent,
    connects,
    ackedSince: (device, since) => {
      let k = 0;
      for (const [key, at] of acked) if (at >= since && key.startsWith(`${device}/`)) k++;
      return k;
    },
    ackedBetween: (from, to, only) => {
      let k = 0;
      for (const [key, at] of acked) if (at >= from && at < to && (!only || only.has(key.slice(0, key.indexOf('/'))))) k++;
      return k;
    },
    drain() {
      draining = true;
      for (const t of timers) clearInterval(t);
      return new Promise<void>((resolve) => {
        drained = resolve;
        checkDrained();
      });
    },
    end() {
      draining = true;
      for (const t of timers) clearInterval(t);
      for (const c of clients) c.end(true);
    },
  };
}

/** Every point of the `status` measurement of these estates in InfluxDB: `${device}/${id}` → how many points. */
export async function influxCounts(influx: InfluxdHandle, estates: string[]): Promise<Map<string, number>> {
  const where = estates.map((e) => `"estate" = '${e}'`).join(' OR ');
  const q = `SELECT "id", "device" FROM "status" WHERE ${where}`;
  const res = await fetch(`http://127.0.0.1:${influx.port}/query?db=${TEST_DATABASE}&q=${encodeURIComponent(q)}`);
  if (!res.ok) throw new Error(`InfluxDB query: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }>; error?: string }> };
  if (body.results[0].error) throw new Error(`InfluxDB query: ${body.results[0].error}`);
  const counts = new Map<string, number>();
  for (const s of body.results[0].series ?? []) {
    const id = s.columns.indexOf('id');
    const device = s.columns.indexOf('device');
    for (const v of s.values) {
      const key = `${v[device]}/${v[id]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** A node's journal, read from its SQLite (read only; the node may be running or dead). */
export function journalOf(dir: string): { rows(sinceRx?: number): Array<{ key: string; rx: number; seq: number }>; unforwarded(): number; close(): void } {
  const db = new Database(dbPath(dir), { readonly: true });
  return {
    rows: (sinceRx = 0) => (db.prepare('SELECT device, event_id, rx, seq FROM events WHERE rx >= ? AND kind = ? ORDER BY seq').all(sinceRx, 'status') as Array<{ device: string; event_id: string; rx: number; seq: number }>).map((r) => ({ key: `${r.device}/${r.event_id}`, rx: r.rx, seq: r.seq })),
    unforwarded: () => {
      const max = (db.prepare('SELECT max(seq) FROM events').pluck().get() as number | null) ?? 0;
      const cp = Number((db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(CHECKPOINT_KEY) as string | undefined) ?? 0);
      return Math.max(0, max - cp);
    },
    close: () => db.close(),
  };
}

/** `${device}/${id}` of the events in live messages (v1 `live/{kind}`: one event; v2 `live2/{kind}`: an array). */
export function liveKeys(topic: string, json: unknown): string[] {
  if (!/^estates\/[^/]+\/live2?\//.test(topic)) return [];
  const events = Array.isArray(json) ? json : [json];
  return events.filter((e) => e && typeof e === 'object' && (e as { kind?: string }).kind === 'status').map((e) => `${(e as { device: string }).device}/${(e as { id: string }).id}`);
}
