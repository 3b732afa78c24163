// The district screen's one live channel: `units/{u}/summary` (retained, at most once a second),
// never the estates' raw live streams. mqtt.js reconnects; the state drives the staleness banner.
import mqtt from 'mqtt';
import { MQTT_WS_PATH } from '../../../protocol/api.ts';
import { companySummaryTopic, unitSummaryTopic, type UnitSummary } from '../../../protocol/org.ts';

export type LinkState = 'connecting' | 'connected' | 'offline' | 'refused';

export function connectSummary(o: { group: { kind: 'unit' | 'company'; id: string }; username: string; token: string; onSummary(s: UnitSummary): void; onState(s: LinkState): void }): () => void {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const topic = o.group.kind === 'unit' ? unitSummaryTopic(o.group.id) : companySummaryTopic(o.group.id);
  o.onState('connecting');
  const client = mqtt.connect(`${scheme}://${location.host}${MQTT_WS_PATH}`, {
    username: o.username, password: o.token, clientId: `district-${o.username}-${Math.random().toString(16).slice(2, 10)}`,
    protocolVersion: 4, clean: true, keepalive: 30, reconnectPeriod: 2_000, connectTimeout: 10_000, resubscribe: false,
  });
  client.on('connect', () => {
    client.subscribe(topic, { qos: 0 }, (err, granted) => o.onState(err || granted?.some((g) => g.qos === 128) ? 'refused' : 'connected'));
  });
  client.on('close', () => o.onState('offline'));
  client.on('message', (_t, payload) => {
    try {
      o.onSummary(JSON.parse(new TextDecoder().decode(payload)) as UnitSummary);
    } catch {
      // a bad message is dropped; the next one comes within a second
    }
  });
  return () => client.end(true);
}
