// One measured load run against a broker: fork the load client (and a subscriber), connect, publish,
// let a warm-up pass, then measure a window — the clients count, the monitor reads /proc, and a
// probe (the server's journal) is read at the window's start, every second, and at its end.
import { LoadChild } from './children.ts';
import type { ProcMonitor, SpanStats } from './proc.ts';
import type { LoadDevice, PublisherConfig, PublisherReport } from './publisher.ts';
import type { SubscriberConfig, SubscriberReport } from './subscriber.ts';
import { sleep } from './stats.ts';

export interface DriveOptions<P> {
  name: string;
  host: string;
  port: number;
  devices: LoadDevice[];
  mode: PublisherConfig['mode'];
  inFlight?: number;
  rate?: number;
  tag: string;
  warmupMs: number;
  windowMs: number;
  subscriber?: Omit<SubscriberConfig, 'host' | 'port'>;
  /** closed loop: most publishes sent and not yet received by the subscriber (publisher.ts `backlog`) */
  backlog?: number;
  monitor: ProcMonitor;
  probe?: () => P;
  log(line: string): void;
}

export interface DriveResult<P> {
  publisher: PublisherReport;
  subscriber?: SubscriberReport;
  /** CPU and RSS per watched process over the window */
  procs: Record<string, SpanStats>;
  connectMs: number;
  /** probe() at the window's start, each second, and at its end */
  probes: P[];
  /** when the window ended (Date.now()) */
  endedAt: number;
}

export async function drive<P>(o: DriveOptions<P>): Promise<DriveResult<P>> {
  const pub = new LoadChild(`${o.name} load client`, './publisher.ts');
  const sub = o.subscriber ? new LoadChild(`${o.name} subscriber`, './subscriber.ts') : null;
  try {
    await Promise.all([pub.ready(), sub?.ready()]);
    if (sub && o.backlog) sub.on('received', (m) => pub.tell({ type: 'credit', received: m.total }));
    if (sub) await sub.request({ type: 'connect', config: { host: o.host, port: o.port, ...o.subscriber } }, 'connected', 60_000);
    const config: PublisherConfig = { host: o.host, port: o.port, devices: o.devices, mode: o.mode, inFlight: o.inFlight ?? 1, rate: o.rate ?? 0, tag: o.tag, backlog: o.backlog ?? 0 };
    const { ms: connectMs } = await pub.request<{ type: string; ms: number }>({ type: 'connect', config }, 'connected', 300_000);
    o.monitor.watch('load client', pub.pid);
    o.monitor.watch('subscriber', sub?.pid);

    await pub.request({ type: 'go' }, 'going');
    o.log(`${o.name}: ${o.devices.length} connections in ${(connectMs / 1000).toFixed(1)} s; warm-up ${o.warmupMs / 1000} s, then ${o.windowMs / 1000} s measured`);
    await sleep(o.warmupMs);

    await Promise.all([pub.request({ type: 'mark' }, 'marked'), sub?.request({ type: 'mark' }, 'marked')]);
    const span = o.monitor.span();
    const probes: P[] = [];
    if (o.probe) probes.push(o.probe());
    const started = performance.now();
    const ticker = setInterval(() => o.probe && probes.push(o.probe()), 1000);
    try {
      await sleep(o.windowMs);
    } finally {
      clearInterval(ticker);
    }
    // The window closes for everyone at once: the subscriber's count, the journal, /proc.
    const endedAt = Date.now();
    const publisherStopped = pub.request<PublisherReport>({ type: 'stop' }, 'report', 120_000);
    const subscriberStopped = sub?.request<SubscriberReport>({ type: 'stop' }, 'report');
    if (o.probe) probes.push(o.probe());
    const procs = span.end();
    const [publisher, subscriber] = await Promise.all([publisherStopped, subscriberStopped]);
    o.log(
      `${o.name}: ${publisher.windowAcked.toLocaleString('en-US')} PUBACKs in the ${(publisher.windowMs / 1000).toFixed(1)} s window; ` +
        `outstanding ones answered ${((performance.now() - started - publisher.windowMs) / 1000).toFixed(1)} s after it${publisher.unacked ? `, ${publisher.unacked} never` : ''}`,
    );
    await Promise.all([pub.request({ type: 'close' }, 'closed').catch(() => {}), sub?.request({ type: 'close' }, 'closed').catch(() => {})]);
    return { publisher, subscriber, procs, connectMs, probes, endedAt };
  } finally {
    o.monitor.unwatch('load client');
    o.monitor.unwatch('subscriber');
    await Promise.all([pub.close(), sub?.close()]);
  }
}
