// What one event costs on the server's main thread, stage by stage, measured in-process with the
// server's own functions: decode + validate, normalise + enrich (the demo estate's buildings and
// checkpoints), the journal's group commit (the real Journal on a temp SQLite file, groups of 2,000,
// synchronous FULL), the live fan-out's serialisation and Aedes routing, and the forwarder's read,
// conversion and line-protocol serialisation (the HTTP request itself left out). At 25,000 events/s one
// core has 40 µs per event for all of it, plus MQTT parsing and socket writes. Each stage is timed
// over many events and the best of several rounds is kept, so other load on the machine inflates it
// little.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { decodePayload, liveTopic, type EstateEvent, type EventKind } from '../../protocol/index.ts';
import { dbPath, openDb } from '../../server/store/db.ts';
import { importEstate, readEstateFile } from '../../server/estate/import.ts';
import { DEMO_ESTATE_FILE } from '../../server/estate/demo.ts';
import { listBuildings } from '../../server/store/estates.ts';
import { EstateContexts } from '../../server/ingest/estate-context.ts';
import { normalizeEvent, type DevicePlace } from '../../server/ingest/normalize.ts';
import { Journal } from '../../server/ingest/journal.ts';
import { eventToPoint, toLineProtocol } from '../../server/influx/points.ts';
import { DEFAULT_BATCH_SIZE } from '../../server/forwarder/forwarder.ts';
import { removeOnExit } from './children.ts';
import { EVENT_MIX, payload } from './payloads.ts';

export interface StageCost {
  stage: string;
  /** best round, µs per event */
  us: number;
}

const EVENTS = 20_000;
const ROUNDS = 5;
const GROUP = 2000;

/** Best of ROUNDS: µs per event of `round()`, which handles EVENTS events. */
async function best(round: (r: number) => void | Promise<void>): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    await round(r);
    min = Math.min(min, ((performance.now() - t) * 1000) / EVENTS);
  }
  return min;
}

export async function measureStageCosts(): Promise<StageCost[]> {
  const dir = removeOnExit(mkdtempSync(join(tmpdir(), 'se-bench-stages-')));
  const db = openDb(dbPath(dir), { synchronous: 'FULL' });
  const aedes = await Aedes.createBroker();
  try {
    const parsed = readEstateFile(DEMO_ESTATE_FILE);
    importEstate(db, parsed);
    const estate = parsed.estate.id;
    const centres = listBuildings(db, estate).map((b) => b.center);
    const contexts = new EstateContexts(db);
    const devices: DevicePlace[] = Array.from({ length: 200 }, (_, i) => ({ id: `load-${i}`, estate, x: centres[i % centres.length][0], y: centres[i % centres.length][1] }));
    const kinds = Array.from({ length: EVENTS }, (_, i) => EVENT_MIX[i % EVENT_MIX.length] as EventKind);
    const raws = (r: number) => kinds.map((k, i) => Buffer.from(payload(k as 'checkin', `s${r}-${i}`, Date.now(), i)));

    // decode + validate
    const inputs = Array.from({ length: ROUNDS }, (_, r) => raws(r));
    const decoded: unknown[][] = [];
    const decode = await best((r) => {
      decoded[r] = inputs[r].map((buf, i) => {
        const d = decodePayload(kinds[i], buf);
        if (!d.ok) throw new Error(`bench payload rejected: ${d.error}`);
        return d.payload;
      });
    });

    // normalise + enrich
    const events: EstateEvent[][] = [];
    const normalize = await best((r) => {
      const rx = Date.now();
      events[r] = decoded[r].map((p, i) => normalizeEvent(kinds[i], p as never, devices[i % devices.length], contexts.get(estate), rx));
    });

    // the journal body
    const stringify = await best((r) => {
      for (const e of events[r]) JSON.stringify(e);
    });

    // the journal: real group commits of GROUP events, one fsync each
    const journal = new Journal(db, { maxBatch: GROUP });
    const commit = await best(async (r) => {
      await new Promise<void>((resolve, reject) => {
        let left = EVENTS;
        for (const e of events[r]) {
          journal.append(e, (err) => {
            if (err) reject(err);
            else if (--left === 0) resolve();
          });
        }
        journal.flush();
      });
    });

    // live fan-out: serialisation, then Aedes routing of the QoS 0 message (no subscriber)
    const liveBody = await best((r) => {
      for (const e of events[r]) Buffer.from(JSON.stringify(e));
    });
    const bodies = events[0].map((e) => Buffer.from(JSON.stringify(e)));
    const route = await best(async () => {
      await new Promise<void>((resolve) => {
        let left = EVENTS;
        for (let i = 0; i < EVENTS; i++) {
          const e = events[0][i];
          aedes.publish({ cmd: 'publish', topic: liveTopic(e.estate, e.kind), payload: bodies[i], qos: 0, retain: false, dup: false }, () => {
            if (--left === 0) resolve();
          });
        }
      });
    });

    // the forwarder: read rows back, parse and convert them, serialise the write
    const select = db.prepare('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    let rows: Array<{ seq: number; body: string }> = [];
    const read = await best(() => {
      rows = [];
      for (let after = 0; rows.length < EVENTS; ) {
        const batch = select.all(after, DEFAULT_BATCH_SIZE) as Array<{ seq: number; body: string }>;
        if (!batch.length) break;
        rows.push(...batch);
        after = batch[batch.length - 1].seq;
      }
    });
    let points: ReturnType<typeof eventToPoint>[] = [];
    const convert = await best(() => {
      points = rows.map((row) => eventToPoint(JSON.parse(row.body) as EstateEvent, row.seq));
    });
    const ok = points.flatMap((p) => (p.ok ? [p.point] : []));
    // The request is not the point here: only the body the forwarder builds for each write.
    const serialise = await best(() => {
      for (let i = 0; i < ok.length; i += DEFAULT_BATCH_SIZE) ok.slice(i, i + DEFAULT_BATCH_SIZE).map(toLineProtocol).join('\n');
    });

    return [
      { stage: 'decode + validate (decodePayload: JSON.parse + the fast check; zod only for what it refuses)', us: decode },
      { stage: 'normalise + enrich (normalizeEvent, demo estate)', us: normalize },
      { stage: 'journal body (JSON.stringify)', us: stringify },
      { stage: `journal append + group commit (Journal, ${GROUP} per transaction, synchronous FULL; includes the body)`, us: commit },
      { stage: 'live fan-out body (Buffer.from(JSON.stringify(event)))', us: liveBody },
      { stage: 'live fan-out routing (aedes.publish QoS 0, no subscriber)', us: route },
      { stage: `forwarder read (SELECT … LIMIT ${DEFAULT_BATCH_SIZE})`, us: read },
      { stage: 'forwarder convert (JSON.parse + eventToPoint)', us: convert },
      { stage: 'forwarder serialise (toLineProtocol, one body per write; request left out)', us: serialise },
    ];
  } finally {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
