// Load client (a child process) for the fuzz case: the MQTT and HTTP fuzzers of tests/support/fuzz/,
// in their own process so their CPU is not the good devices' load client's. The parent sends
// {type: 'fuzz', mqtt, http}; the MQTT fuzzer runs to its packet budget or time, the HTTP fuzzer runs
// batch after batch beside it, and the reports come back together.
import { serveParent } from './children.ts';
import { fuzzMqtt, type MqttFuzzOptions, type MqttFuzzReport } from '../../tests/support/fuzz/mqtt-fuzz.ts';
import { badAnswers, fuzzHttp, type HttpFuzzOptions } from '../../tests/support/fuzz/http-fuzz.ts';

export interface FuzzReport {
  type: 'fuzzed';
  mqtt: MqttFuzzReport;
  http: { requests: number; byStatus: Record<string, number>; bad: string[] };
}

serveParent(async (m) => {
  if (m.type !== 'fuzz') return;
  const mqttOptions = m.mqtt as MqttFuzzOptions;
  const httpOptions = m.http as HttpFuzzOptions;
  let mqttDone = false;
  const http: FuzzReport['http'] = { requests: 0, byStatus: {}, bad: [] };
  const httpLoop = (async () => {
    for (let batch = 0; !mqttDone; batch++) {
      const report = await fuzzHttp({ ...httpOptions, seed: httpOptions.seed + batch });
      http.requests += report.requests;
      for (const [status, n] of Object.entries(report.byStatus)) http.byStatus[status] = (http.byStatus[status] ?? 0) + n;
      http.bad.push(...badAnswers(report).slice(0, 5).map((a) => `${a.status} ${a.contentType} ← ${a.request}`));
    }
  })();
  const mqtt = await fuzzMqtt(mqttOptions);
  mqttDone = true;
  await httpLoop;
  return { type: 'fuzzed', mqtt, http } satisfies FuzzReport;
});
