// The cluster's metrics, in the server's registry (GET /metrics).
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../metrics.ts';

export function clusterMetrics(metrics: Metrics) {
  const registers = [metrics.registry];
  return {
    linkUp: new Gauge({ name: 'se_cluster_link_up', help: '1 while this node talks to the cluster\'s Redis, 0 during an outage (ingest goes on; cross-node live events are missed)', registers }),
    linkDowns: new Counter({ name: 'se_cluster_link_down_total', help: 'Times the Redis link went down', registers }),
    estatesOwned: new Gauge({ name: 'se_cluster_estates_owned', help: 'Estates whose lease this node holds', registers }),
    leaseChanges: new Counter({ name: 'se_cluster_lease_changes_total', help: 'Estate lease changes seen by this node, by what it became', labelNames: ['became'], registers }),
    liveOut: new Counter({ name: 'se_cluster_live_out_total', help: 'Live messages sent to the other nodes', registers }),
    liveIn: new Counter({ name: 'se_cluster_live_in_total', help: 'Live messages received from the other nodes', registers }),
    liveDropped: new Counter({ name: 'se_cluster_live_dropped_total', help: 'Live messages not sent to the other nodes (Redis link down): their dashboards missed them', registers }),
  };
}
export type ClusterMetrics = ReturnType<typeof clusterMetrics>;
