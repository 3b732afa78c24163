// The cluster's metrics, in the server's registry (GET /metrics).
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../metrics.ts';

/** `owned`: how many estates this node believes it owns now (read at each scrape). */
export function clusterMetrics(metrics: Metrics, owned: () => number = () => 0) {
  const registers = [metrics.registry];
  return {
    linkUp: new Gauge({ name: 'se_cluster_link_up', help: '1 while this node talks to the cluster\'s Redis, 0 during an outage (ingest goes on; cross-node live events are missed)', registers }),
    linkDowns: new Counter({ name: 'se_cluster_link_down_total', help: 'Times the Redis link went down', registers }),
    // read at the scrape: a belief runs out on the clock (Redis away, no answer to renew), not only when a tick reports it
    estatesOwned: new Gauge({ name: 'se_cluster_estates_owned', help: 'Estates whose lease this node holds', registers, collect() { this.set(owned()); } }),
    leaseChanges: new Counter({ name: 'se_cluster_lease_changes_total', help: 'Estate lease changes seen by this node, by what it became', labelNames: ['became'], registers }),
    liveOut: new Counter({ name: 'se_cluster_live_out_total', help: 'Live messages sent to the other nodes', registers }),
    liveIn: new Counter({ name: 'se_cluster_live_in_total', help: 'Live messages received from the other nodes', registers }),
    handoffSent: new Counter({ name: 'se_cluster_handoff_sent_total', help: 'Committed events handed to their estate\'s owner (XADD to the estate\'s hand-off stream)', registers }),
    handoffEvaluated: new Counter({ name: 'se_cluster_handoff_evaluated_total', help: 'Handed-over events this node evaluated as the estate\'s owner', registers }),
    handoffDuplicates: new Counter({ name: 'se_cluster_handoff_duplicates_total', help: 'Handed-over events passed over because this node had evaluated them already (same device and event id)', registers }),
    handoffLag: new Gauge({ name: 'se_cluster_handoff_lag_events', help: 'Journal rows not yet handed over (grows while Redis is away; the journal keeps them)', registers }),
    stateShipped: new Counter({ name: 'se_cluster_state_shipped_total', help: 'Module state rows this node shipped as an estate\'s owner (fenced XADD to the estate\'s state stream)', registers }),
    stateApplied: new Counter({ name: 'se_cluster_state_applied_total', help: 'Module state rows of other nodes applied to this node\'s SQLite (its replica)', registers }),
    stateRefused: new Counter({ name: 'se_cluster_state_refused_total', help: 'Module state rows made here while another node owned the estate, refused by Redis and dropped', registers }),
    stateOutbox: new Gauge({ name: 'se_cluster_state_outbox_rows', help: 'Module state rows waiting to be shipped (grows while Redis is away)', registers }),
    liveDropped: new Counter({ name: 'se_cluster_live_dropped_total', help: 'Live messages not sent to the other nodes (Redis link down): their dashboards missed them', registers }),
  };
}
export type ClusterMetrics = ReturnType<typeof clusterMetrics>;
