// Who still reads the per-event live feed (v1, `estates/{e}/live/{kind}`, one message per event).
// The web reads the batched feed (v2, `live2`, one message per commit group and kind); v1 stays for
// integrators' dashboards, and is published only while a connected client has a v1 filter that
// matches — a message per event for nobody cost the broker as much as delivering it (#17).
// Dashboards may subscribe to `live` only as `estates/{e|+}/live/{kind|+|#}` (acl.ts).
import type { Aedes, Client } from 'aedes';

export interface LiveSubscribers {
  /** a connected client has a v1 filter matching estates/{estate}/live/{kind} */
  wantsV1(estate: string, kind: string): boolean;
}

const isV1Filter = (filter: string) => filter.split('/', 3)[2] === 'live';

function matches(filter: string, estate: string, kind: string): boolean {
  const [, e, , k] = filter.split('/');
  return (e === estate || e === '+') && (k === kind || k === '+' || k === '#');
}

export function trackLiveSubscribers(aedes: Aedes): LiveSubscribers {
  const byClient = new Map<Client, Set<string>>();
  /** answers per estate/kind until the next change */
  let answers = new Map<string, boolean>();
  const changed = () => {
    if (answers.size) answers = new Map();
  };
  const add = (client: Client, filter: string) => {
    if (!isV1Filter(filter)) return;
    let own = byClient.get(client);
    if (!own) byClient.set(client, (own = new Set()));
    own.add(filter);
    changed();
  };
  aedes.on('subscribe', (subs, client) => {
    // a refused filter (SUBACK 0x80, qos 128) is reported too: it reads nothing
    for (const s of subs) if ((s.qos as number) !== 128) add(client, s.topic);
  });
  aedes.on('unsubscribe', (filters, client) => {
    const own = byClient.get(client);
    if (!own) return;
    for (const f of filters) own.delete(f);
    if (!own.size) byClient.delete(client);
    changed();
  });
  // a persistent session's subscriptions come back without a SUBSCRIBE: 'client' comes after they
  // are restored and before the CONNACK and the offline queue ('clientReady' only after both)
  const restored = (client: Client) => {
    for (const filter of Object.keys((client as unknown as { subscriptions?: Record<string, unknown> }).subscriptions ?? {})) add(client, filter);
  };
  aedes.on('client', restored);
  aedes.on('clientReady', restored);
  aedes.on('clientDisconnect', (client) => {
    if (byClient.delete(client)) changed();
  });
  return {
    wantsV1(estate, kind) {
      if (!byClient.size) return false;
      const key = `${estate}/${kind}`;
      let answer = answers.get(key);
      if (answer === undefined) {
        answer = false;
        for (const [client, own] of byClient) {
          // a client Aedes never reported gone (overlapping takeovers of one id) is dropped here
          if ((client as unknown as { closed?: boolean }).closed) {
            byClient.delete(client);
            continue;
          }
          for (const f of own) if (matches(f, estate, kind)) answer = true;
        }
        answers.set(key, answer);
      }
      return answer;
    },
  };
}
