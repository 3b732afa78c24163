// Rules that act on silence run on the estate's owner only: a node that lost an estate never sees its
// events again, so its device-health sweep must not call the estate's devices offline. Two in-process
// cluster nodes, one real redis-server, one real influxd, the modules' own clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisHandle } from '../support/redis.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { until } from '../support/process.ts';
import { connect } from '../support/mqtt.ts';
import type { AlertsModule } from '../../server/alerts/module.ts';
import { deviceTopic } from '../../protocol/index.ts';

let redis: RedisHandle;
let influx: InfluxdHandle;
const servers: TestServer[] = [];
const TIMEOUT_MS = 90_000; // the default deviceTimeoutSec

beforeAll(async () => {
  [redis, influx] = await Promise.all([startRedis(), startInfluxd()]);
}, 60_000);
afterAll(async () => {
  for (const s of servers) await s.stop();
  await Promise.all([redis?.stop(), influx?.stop()]);
});

describe('silence on a node that does not own the estate', () => {
  it('the owner calls a silent device offline; a node that lost the estate does not', async () => {
    const clock = { t: Date.now() };
    const node = (nodeId: string) => startTestServer({ cluster: { redisUrl: redis.url, nodeId, nodeIdFrom: 'configured' }, influxUrl: influx.url, now: () => clock.t });
    const x = await node('silent-x');
    servers.push(x);
    await x.cluster!.ownership.tick();
    expect(x.cluster!.ownership.owned()).toEqual(['test']);
    // ready: its module state caught up (the takeover seeds every device's health from that moment)
    await until("x's modules act for the estate", () => x.cluster!.owns('test'), 15_000, 20);
    const alerts = x.modules.find((m) => m.name === 'alerts') as AlertsModule;
    const admin = await x.login(x.admin.username, x.admin.password);
    const offline = async () => ((await x.api('/api/v1/estates/test/alerts?limit=200', { token: admin })).body.alerts as Array<{ source: string; type: string }>).filter((a) => a.type === 'device_offline').map((a) => a.source);

    const heard = async (id: string) => {
      const client = await connect(x.mqttUrl, id, x.addDevice('camera', id));
      await client.publishAsync(deviceTopic('test', id, 'status'), JSON.stringify({ id: `${id}-s`, ts: clock.t, online: true }), { qos: 1 });
      await until(`${id} heard by x's alerts`, () => alerts.health(id));
      await client.endAsync();
    };
    // control: while x owns the estate, a device silent past the timeout is offline there
    await heard('cam-1');
    clock.t += TIMEOUT_MS + 5_000;
    await heard('cam-2');
    alerts.tick();
    expect(await offline()).toEqual(['cam-1']);

    // x stops renewing (a paused owner); y takes the estate once x's lease ran out
    x.cluster!.ownership.pause();
    const y = await node('silent-y');
    servers.push(y);
    await until('y owns the estate', async () => {
      await y.cluster!.ownership.tick();
      return y.cluster!.ownership.owned().includes('test');
    }, 15_000, 200);
    await until("y's modules act for the estate", () => y.cluster!.owns('test'), 15_000, 20);
    expect(x.cluster!.ownership.tokenFor('test')).toBeNull();

    // cam-2 goes silent past the timeout: not x's business any more
    clock.t += TIMEOUT_MS + 5_000;
    alerts.tick();
    expect(alerts.health('cam-2')?.state).not.toBe('offline');
    expect(await offline()).toEqual(['cam-1']);
  }, 60_000);
});
