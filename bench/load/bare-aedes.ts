// The baseline broker (a child process): Aedes 1.2 with its defaults and no hooks — every client
// accepted, every publish authorised, PUBACK at once, in-memory persistence — on a TCP port.
// With `--journal DIR` it is the durable floor, "(aj)": the same Aedes, but each publish is parsed
// (id, ts) and committed by Smart Estate's own Journal (server/ingest/journal.ts: the group commit,
// SQLite synchronous FULL, the (device, id) dedupe index, WAL checkpoints on the server's worker) before its PUBACK — what any broker that
// acknowledges only durable events pays on this machine, with nothing else of ours.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Aedes, type AedesOptions } from 'aedes';
import { serveParent } from './children.ts';
import { openDb, type Db } from '../../server/store/db.ts';
import { Journal } from '../../server/ingest/journal.ts';
import { startCheckpointer, type Checkpointer } from '../../server/store/checkpointer.ts';
import type { EstateEvent } from '../../protocol/index.ts';

const at = process.argv.indexOf('--journal');
const journalDir = at > 0 ? process.argv[at + 1] : null;
let db: Db | null = null;
let checkpointer: Checkpointer | null = null;
const options: AedesOptions = {};
if (journalDir) {
  db = openDb(join(journalDir, 'journal.db'));
  // WAL checkpoints off the main thread, as the server does (store/checkpointer.ts)
  checkpointer = startCheckpointer(db);
  const journal = new Journal(db);
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
    return { type: 'closed' };
  },
  { port },
);
