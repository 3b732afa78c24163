// A node's ownership loop in a process of its own, for lease.test.ts to SIGSTOP: it holds the leases
// of the estates named in argv and prints each change as a JSON line. On "write <estate>" (stdin) it
// writes with the token it LAST SAW as owner, without asking again: what a process paused between its
// check and its write does.
import { createInterface } from 'node:readline';
import { createRedis } from '../../server/cluster/redis.ts';
import { LeaseStore } from '../../server/cluster/lease-store.ts';
import { Ownership } from '../../server/cluster/ownership.ts';

const [url, nodeId, leaseMs, renewMs, ...estates] = process.argv.slice(2);
const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const redis = createRedis(url, `child-${nodeId}`, () => {});
await redis.connect();
const store = new LeaseStore(redis);
const seen = new Map<string, string>();
const ownership = new Ownership({
  store,
  nodeId,
  estates: () => estates,
  timings: { leaseMs: Number(leaseMs), renewMs: Number(renewMs) },
  onChange(estate, change) {
    if (change.became === 'owner') seen.set(estate, change.token);
    say({ estate, ...change, at: Date.now() });
  },
});
ownership.start();
createInterface({ input: process.stdin }).on('line', async (line) => {
  const [cmd, estate] = line.trim().split(' ');
  if (cmd === 'write') {
    const token = seen.get(estate) ?? '0';
    const result = await store.fencedWrite(estate, token, 'SET', `se:estate:{${estate}}:probe`, `${nodeId}:${token}`);
    say({ wrote: estate, token, result });
  } else if (cmd === 'state') say({ state: estate, token: ownership.tokenFor(estate) });
});
say({ ready: ownership.holder });
