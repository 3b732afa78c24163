// Load client (a child process): one subscriber that counts the messages it receives — the
// "publish → subscribe" half of the bare-broker baseline, and a control-room dashboard on
// `live/+` for our server. The parent drives it: connect → mark → stop → exit. Every 10 ms it tells
// the parent how many it has received so far ({type: 'received'}), for a publisher that keeps the
// subscriber's backlog bounded (publisher.ts `backlog`).
import { serveParent, type Incoming } from './children.ts';
import { WireClient } from './wire.ts';

export interface SubscriberConfig {
  host: string;
  port: number;
  clientId: string;
  username?: string;
  password?: string;
  filters: string[];
}

export interface SubscriberReport {
  type: 'report';
  windowMs: number;
  windowReceived: number;
  totalReceived: number;
  bytes: number;
}

let client: WireClient | null = null;
let total = 0;
let bytes = 0;
let windowStart = 0;
let atMark = 0;
let reported = 0;
/** How often the count goes to the parent, which hands it to a publisher holding a bounded backlog. */
const PROGRESS_MS = 10;

serveParent(async (m: Incoming) => {
  switch (m.type) {
    case 'connect': {
      const c = m.config as SubscriberConfig;
      client = await WireClient.connect({ host: c.host, port: c.port, clientId: c.clientId, username: c.username ?? c.clientId, password: c.password ?? 'bench', keepalive: 0 });
      client.onPublish = (_topic, payload) => {
        total++;
        bytes += payload.length;
      };
      const granted = await client.subscribe(c.filters, 0);
      if (granted.some((g) => g === 0x80)) throw new Error(`subscription refused: ${c.filters.join(', ')} → ${granted.join(', ')}`);
      setInterval(() => {
        if (total === reported) return;
        reported = total;
        process.send!({ type: 'received', total });
      }, PROGRESS_MS).unref();
      return { type: 'connected' };
    }
    case 'mark':
      windowStart = performance.now();
      atMark = total;
      return { type: 'marked' };
    case 'stop': {
      const report: SubscriberReport = { type: 'report', windowMs: performance.now() - windowStart, windowReceived: total - atMark, totalReceived: total, bytes };
      return report;
    }
    case 'close':
      client?.close();
      return { type: 'closed' };
    default:
      throw new Error(`unknown message ${m.type}`);
  }
});
