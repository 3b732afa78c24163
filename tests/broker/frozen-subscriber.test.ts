// A dashboard whose socket stops reading (a frozen browser tab, a stuck wall-screen PC) must not stall
// device ingest for longer than the drain timeout: the broker drops it and ingest goes on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as tcpConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { startTestServer, type TestServer } from '../support/server.ts';
import { collect, connect } from '../support/mqtt.ts';
import { until } from '../support/process.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ drainTimeoutMs: 1_000 });
});
afterAll(() => server.stop());

/** A dashboard that connects, subscribes, and then never reads again. */
async function frozenDashboard(port: number, username: string, password: string): Promise<Socket> {
  const socket = tcpConnect(port, '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const suback = new Promise<void>((resolve, reject) => {
    parser.on('packet', (p) => {
      if (p.cmd === 'connack' && p.returnCode !== 0) reject(new Error(`refused ${p.returnCode}`));
      if (p.cmd === 'suback') resolve();
    });
  });
  socket.on('data', (d) => parser.parse(d));
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'frozen-wall', keepalive: 0, username, password: Buffer.from(password) }));
  socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'estates/test/live/#', qos: 0 }] }));
  await suback;
  socket.removeAllListeners('data');
  socket.pause(); // from now on nothing is read: the server's writes back up
  return socket;
}

const gauge = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec((await server.api('/metrics')).body as string)?.[1]);

describe('a frozen subscriber', () => {
  it('is dropped after the drain timeout while device ingest goes on to the end', { timeout: 120_000 }, async () => {
    const op = server.addUser('wall', 'viewer', 'test');
    const session = await server.login(op.username, op.password);
    const frozen = await frozenDashboard(server.mqttPort, op.username, session);
    const healthy = await connect(server.mqttUrl, op.username, session, { clientId: 'healthy-wall' });
    const seen = collect(healthy);
    await healthy.subscribeAsync('estates/test/live/checkin');
    expect(await gauge('se_connected_dashboards')).toBe(2);

    const token = server.addDevice('patrol', 'hh-load');
    const device = await connect(server.mqttUrl, 'hh-load', token);
    const total = 8_000;
    const note = 'n'.repeat(900); // ~1.2 kB per live message: far more than the socket buffers hold
    let acked = 0;
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      const pump = () => {
        if (next >= total) return;
        const i = next++;
        device.publish('estates/test/devices/hh-load/checkin', JSON.stringify({ id: `f-${i}`, guard: 'g', checkpoint: 'CP-1', method: 'nfc', note }), { qos: 1 }, (err) => {
          if (err) return reject(err);
          if (++acked === total) resolve();
          pump();
        });
      };
      for (let w = 0; w < 50; w++) pump();
    });
    expect(acked).toBe(total);
    expect((server.db.prepare("SELECT count(*) AS n FROM events WHERE device = 'hh-load'").get() as { n: number }).n).toBe(total);
    await until('the frozen dashboard to be dropped', async () => (await gauge('se_connected_dashboards')) === 1, 30_000, 100);
    await seen.next((m) => m.json.id === `f-${total - 1}`, 30_000);
    frozen.destroy();
    device.end(true);
    healthy.end(true);
  });
});
