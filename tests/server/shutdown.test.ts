// Stopping a server while a dashboard is connected over MQTT-over-WebSocket, directly and behind the
// PROXY gate: the HTTP listener's close waits for every socket it accepted, the upgraded one too,
// and only the broker ends that one — so a stop that awaited the listener first never finished.
import { expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startTestServer } from '../support/server.ts';

for (const proxy of [false, true]) {
  it(`stops with a live WebSocket client connected${proxy ? ' (PROXY protocol on)' : ''}`, async () => {
    const server = await startTestServer(proxy ? { proxyProtocol: { trusted: ['127.0.0.1'] } } : {});
    const token = server.addDevice('camera', 'cam-ws');
    const c = await mqtt.connectAsync(`ws://127.0.0.1:${server.httpPort}/mqtt`, { username: 'cam-ws', password: token, reconnectPeriod: 0 });
    try {
      expect(c.connected).toBe(true);
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      await server.stop();
      await closed;
    } finally {
      c.end(true);
    }
  }, 20_000);
}
