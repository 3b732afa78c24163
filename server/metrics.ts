// Prometheus metrics, one registry per server instance (tests run several servers in one process).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'se_process_' });
  return {
    registry,
    eventsIn: new Counter({ name: 'se_events_in_total', help: 'Events accepted into the journal, by kind and transport', labelNames: ['kind', 'transport'], registers: [registry] }),
    duplicates: new Counter({ name: 'se_events_duplicate_total', help: 'Events dropped as duplicates by (device, id)', labelNames: ['kind'], registers: [registry] }),
    rejected: new Counter({ name: 'se_events_rejected_total', help: 'Publishes and posts rejected, by reason', labelNames: ['reason', 'transport'], registers: [registry] }),
    liveOut: new Counter({ name: 'se_live_out_total', help: 'Events republished on live/{kind}', labelNames: ['kind'], registers: [registry] }),
    authFailures: new Counter({ name: 'se_auth_failures_total', help: 'Refused logins and connections', labelNames: ['who'], registers: [registry] }),
    connectedDevices: new Gauge({ name: 'se_connected_devices', help: 'Devices connected over MQTT', registers: [registry] }),
    connectedDashboards: new Gauge({ name: 'se_connected_dashboards', help: 'Operator dashboards connected over MQTT', registers: [registry] }),
    journalPending: new Gauge({ name: 'se_journal_pending', help: 'Events waiting for the next group commit', registers: [registry] }),
  };
}
