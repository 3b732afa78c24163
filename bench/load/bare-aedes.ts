// The baseline broker (a child process): Aedes 1.2 with its defaults and no hooks — every client
// accepted, every publish authorised, PUBACK at once, in-memory persistence — on a TCP port.
// With `--journal DIR` it is the durable floor, "(aj)": the same Aedes, but each publish is parsed
// (id, ts) and committed by Smart Estate's own Journal (server/ingest/journal.ts: the group commit,
// SQLite synchronous FULL, the (device, id) dedupe index, WAL checkpoints on the server's worker) before its PUBACK — what any broker that
// acknowledges only durable events pays on this machine, with nothing else of ours.
// `--journal-kind none|log` puts a cheaper rung under it (bench/load/append-log.ts): parse and group
// acknowledgement without disk, and an append-only file with one fdatasync per group.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Aedes, type AedesOptions } from 'aedes';
import { serveParent } from './children.ts';
import { openDb, type Db } from '../../server/store/db.ts';
import { Journal } from '../../server/ingest/journal.ts';
import { AppendLog } from './append-log.ts';
import { startCheckpointer, type Checkpointer } from '../../server/store/checkpointer.ts';
import type { EstateEvent } from '../../protocol/index.ts';

const at = process.argv.indexOf('--journal');
const journalDir = at > 0 ? process.argv[at + 1] : null;
const kindAt = process.argv.indexOf('--journal-kind');
const journalKind = kindAt > 0 ? process.argv[kindAt + 1] : 'sqlite';
if (!['sqlite', 'log', 'none'].includes(journalKind)) throw new Error(`--journal-kind ${journalKind}: sqlite, log or none`);
let db: Db | null = null;
let checkpointer: Checkpointer | null = null;
let appendLog: AppendLog | null = null;
const options: AedesOptions = {};
if (journalDir) {
  let journal: Pick<Journal, 'append'>;
  if (journalKind === 'sqlite') {
    db = openDb(join(journalDir, 'journal.db'));
    // WAL checkpoints off the main thread, as the server does (store/checkpointer.ts)
    checkpointer = startCheckpointer(db);
    journal = new Journal(db);
  } else {
    const log = new AppendLog(journalKind === 'log' ? join(journalDir, 'journal.log') : null);
    appendLog = log;
    // the same body a journal stores (serialised once), acknowledged with its group
    journal = { append: (event, done) => log.append(event.device, event.id!, JSON.stringify(event), (err) => done(err)) };
  }
  options.authorizePublish = (_client, packet, callback) => {
    // estates/{e}/devices/{d}/{kind}
    const [, estate, , device, kind] = packet.topic.split('/');
    let body: { id?: unknown; ts?: unknown };
    try {
      body = JSON.parse(packet.payload.toString());
    } catch {
      return callback(null);
    }
    const now = Date.now();
    const event = { estate, device, kind, id: String(body.id), ts: typeof body.ts === 'number' ? body.ts : now, rx: now, data: body } as unknown as EstateEvent;
    journal.append(event, (err) => callback(err));
  };
}
const aedes = await Aedes.createBroker(options);
const server = createServer(aedes.handle);
const port = await new Promise<number>((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
});

serveParent(
  async (m) => {
    if (m.type !== 'close') throw new Error(`unknown message ${m.type}`);
    server.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await checkpointer?.stop();
    db?.close();
    appendLog?.close();
    return { type: 'closed' };
  },
  { port },
);
