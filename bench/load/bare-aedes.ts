// The baseline broker (a child process): Aedes 1.2 with its defaults and no hooks — every client
// accepted, every publish authorised, PUBACK at once, in-memory persistence — on a TCP port.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { serveParent } from './children.ts';

const aedes = await Aedes.createBroker();
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
    return { type: 'closed' };
  },
  { port },
);
