// A fleet of real MQTT device clients publishing QoS 1 events with unique ids, recording which ones
// the broker acknowledged (PUBACK). Used by the durability tests.
import mqtt, { type MqttClient } from 'mqtt';
import type { Db } from '../../server/store/db.ts';
import { addDevice } from '../../server/store/devices.ts';
import { upsertEstate } from '../../server/store/estates.ts';
import { deviceTopic } from '../../protocol/index.ts';

export interface FleetDevice {
  id: string;
  token: string;
}

export const FLEET_ESTATE = { id: 'fleet', name: 'Fleet Estate', nameZh: '压测小区', lat: 30.27, lon: 120.15, timezone: 'Asia/Shanghai' };

/** Registers `count` devices (gate kind, vehicle reads) directly in the SQLite file. */
export function provisionFleet(db: Db, count: number): FleetDevice[] {
  upsertEstate(db, FLEET_ESTATE);
  return Array.from({ length: count }, (_, i) => {
    const id = `dev-${String(i).padStart(4, '0')}`;
    return { id, token: addDevice(db, { estate: FLEET_ESTATE.id, id, kind: 'gate' }) };
  });
}

export function vehiclePayload(id: string, n: number): string {
  return JSON.stringify({ id, ts: Date.now(), plate: `浙A${String(n % 100000).padStart(5, '0')}`, direction: n % 2 ? 'in' : 'out', confidence: 0.9 });
}

export interface Fleet {
  /** event ids the broker acknowledged */
  acked: Set<string>;
  /** event ids sent at least once */
  sent: Set<string>;
  /** stop publishing and drop the connections at once */
  stop(): void;
}

/**
 * Each device publishes `perDevice` events, `window` in flight at a time, until stopped or done.
 * Connection errors (a killed server) just stop that device.
 */
export async function runFleet(url: string, devices: FleetDevice[], options: { perDevice: number; window: number }): Promise<Fleet> {
  const acked = new Set<string>();
  const sent = new Set<string>();
  let stopped = false;
  const clients: MqttClient[] = await Promise.all(
    devices.map((d) => mqtt.connectAsync(url, { username: d.id, password: d.token, clientId: d.id, reconnectPeriod: 0, connectTimeout: 10_000 })),
  );
  clients.forEach((client, i) => {
    const device = devices[i];
    const topic = deviceTopic(FLEET_ESTATE.id, device.id, 'vehicle');
    let next = 0;
    client.on('error', () => {});
    const pump = () => {
      if (stopped || next >= options.perDevice || !client.connected) return;
      const n = next++;
      const id = `${device.id}-${n}`;
      sent.add(id);
      client.publish(topic, vehiclePayload(id, n), { qos: 1 }, (err) => {
        if (err) return;
        acked.add(id);
        pump();
      });
    };
    for (let w = 0; w < options.window; w++) pump();
  });
  return {
    acked,
    sent,
    stop() {
      stopped = true;
      for (const c of clients) c.end(true);
    },
  };
}
