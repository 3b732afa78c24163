// Backpressure: when the disk is nearly full or commits fail, the server stops reading from devices
// (no PUBACK, HTTP 503), says so in /metrics, drops nothing, and resumes by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { connect } from '../support/mqtt.ts';
import { until } from '../support/process.ts';

let server: TestServer;
beforeAll(async () => {
  // Ask for more free space than any disk has: ingest starts paused.
  server = await startTestServer({ minFreeMb: 2 ** 40 });
  await server.backpressure.check();
});
afterAll(() => server.stop());

const metricsText = async () => (await server.api('/metrics')).body as string;
const count = (id: string) => (server.db.prepare('SELECT count(*) AS n FROM events WHERE event_id = ?').get(id) as { n: number }).n;

describe('backpressure', () => {
  it('holds device publishes while the disk is low and lets them through when it clears', async () => {
    expect(server.backpressure.paused).toBe(true);
    expect(await metricsText()).toMatch(/se_ingest_paused\{reason="disk_low"\} 1/);

    const token = server.addDevice('patrol', 'hh-bp');
    const http = await server.api('/api/v1/devices/hh-bp/checkin', { token, body: { id: 'bp-http', guard: 'g', checkpoint: 'CP-1', method: 'qr' } });
    expect(http.status).toBe(503);
    expect(http.body.error).toMatch(/ingest paused: the disk is nearly full/);

    const device = await connect(server.mqttUrl, 'hh-bp', token);
    let acked = false;
    const publish = device.publishAsync('estates/test/devices/hh-bp/checkin', JSON.stringify({ id: 'bp-1', guard: 'g', checkpoint: 'CP-1', method: 'nfc' }), { qos: 1 }).then(() => (acked = true));
    // The publish was sent; prove the server has not read it: a round trip on another connection completes first.
    const other = await server.api('/api/v1/health');
    expect(other.status).toBe(200);
    expect(acked).toBe(false);
    expect(count('bp-1')).toBe(0);

    server.backpressure.minFreeBytes = 1;
    await server.backpressure.check();
    await publish;
    expect(count('bp-1')).toBe(1);
    expect(await metricsText()).toMatch(/se_ingest_paused\{reason="disk_low"\} 0/);
    expect((await server.api('/api/v1/devices/hh-bp/checkin', { token, body: { id: 'bp-http', guard: 'g', checkpoint: 'CP-1', method: 'qr' } })).status).toBe(202);
    device.end(true);
  });

  it('pauses after a failed commit, acknowledges nothing of it, and recovers on the next check', async () => {
    const token = server.addDevice('patrol', 'hh-err');
    server.db.exec("CREATE TRIGGER refuse_poison BEFORE INSERT ON events WHEN NEW.event_id = 'poison' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    const device = await connect(server.mqttUrl, 'hh-err', token);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('estates/test/devices/hh-err/checkin', JSON.stringify({ id: 'poison', guard: 'g', checkpoint: 'CP-1', method: 'nfc' }), { qos: 1 });
    await closed; // not stored → no PUBACK; the connection is dropped so the device resends
    expect(count('poison')).toBe(0);
    expect(server.backpressure.paused).toBe(true);
    const text = await metricsText();
    expect(text).toMatch(/se_ingest_paused\{reason="journal_error"\} 1/);
    expect(text).toMatch(/se_journal_commit_errors_total 1/);

    server.db.exec('DROP TRIGGER refuse_poison');
    await server.backpressure.check();
    expect(server.backpressure.paused).toBe(false);
    const again = await connect(server.mqttUrl, 'hh-err', token);
    await again.publishAsync('estates/test/devices/hh-err/checkin', JSON.stringify({ id: 'poison', guard: 'g', checkpoint: 'CP-1', method: 'nfc' }), { qos: 1 });
    await until('the resent event to be stored', () => count('poison') === 1);
    again.end(true);
    device.end(true);
  });
});
