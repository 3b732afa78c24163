// Load client (a child process) for baseline (c): the very points the forwarder wrote in (b), read
// from (b)'s journal file and converted the forwarder's way (eventToPoint → line protocol), written
// through node-influx's request pool like the forwarder (precision ns, batches of the forwarder's size)
// into a fresh database — InfluxDB and its client without the rest of the product. `concurrency` writers share one journal cursor.
import Database from 'better-sqlite3';
import { createInfluxClient, parseInfluxUrl, writeLines } from '../../server/influx/connection.ts';
import { eventToPoint, toLineProtocol } from '../../server/influx/points.ts';
import type { EstateEvent } from '../../protocol/index.ts';
import { serveParent, type Incoming } from './children.ts';
import { Histogram, type HistogramData } from './stats.ts';

export interface WriterConfig {
  /** the SQLite file whose `events` are written */
  journal: string;
  /** InfluxDB URL with the (fresh, existing) database in the path */
  influxUrl: string;
  batchSize: number;
  concurrency: number;
  /** stop after this long even if the journal is not through */
  seconds: number;
}

export interface WriterReport {
  type: 'report';
  points: number;
  batches: number;
  ms: number;
  /** time of one write request, µs */
  batchLatency: HistogramData;
  errors: string[];
}

serveParent(async (m: Incoming) => {
  if (m.type !== 'write') throw new Error(`unknown message ${m.type}`);
  const c = m.config as WriterConfig;
  const db = new Database(c.journal, { readonly: true });
  const select = db.prepare('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  const client = createInfluxClient(c.influxUrl);
  const database = parseInfluxUrl(c.influxUrl).database;
  const latency = new Histogram();
  const errors: string[] = [];
  let after = 0;
  let points = 0;
  let batches = 0;
  const started = performance.now();
  const deadline = started + c.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const rows = select.all(after, c.batchSize) as Array<{ seq: number; body: string }>;
      if (!rows.length) return;
      after = rows[rows.length - 1].seq;
      const batch = [];
      for (const row of rows) {
        const p = eventToPoint(JSON.parse(row.body) as EstateEvent, row.seq);
        if (p.ok) batch.push(toLineProtocol(p.point));
      }
      const t = performance.now();
      try {
        await writeLines(client, database, batch.join('\n'));
        points += batch.length;
        batches++;
      } catch (err) {
        if (errors.length < 10) errors.push((err as Error).message);
      }
      latency.record((performance.now() - t) * 1000);
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, worker));
  const ms = performance.now() - started;
  db.close();
  const report: WriterReport = { type: 'report', points, batches, ms, batchLatency: latency.toJSON(), errors };
  return report;
});
