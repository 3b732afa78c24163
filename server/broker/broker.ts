// The Aedes broker with Smart Estate's hooks: authentication against the SQLite registry, topic ACLs,
// and ingest inside authorizePublish so a QoS 1 PUBACK is sent only after the journal commit
// (DESIGN.md, "Aedes 1.2 facts"). Bad payloads are answered on the device's `errors` topic and the
// connection stays up: under MQTT 3.1.1 an error from the hook would silently drop it.
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket, type Subscription } from 'aedes';
import mqemitter from 'mqemitter';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { MQTT_WS_PATH, errorsTopic, liveBatchTopic, liveTopic, parseLiveTopic, type DeviceError, type EventKind } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { authenticateDevice, deviceRevocations, getDevice, revokedDeviceIds } from '../store/devices.ts';
import { dataVersion } from '../store/db.ts';
import { SESSION_TOKEN_PREFIX, hashToken } from '../store/secrets.ts';
import { userForSessionHash } from '../store/users.ts';
import type { SecurityLimits } from '../security/limits.ts';
import { normalizeAddress } from '../security/flood.ts';
import type { Ingest } from '../ingest/pipeline.ts';
import type { Metrics } from '../metrics.ts';
import type { Log } from '../log.ts';
import { canSubscribe, devicePublishVerdict } from './acl.ts';
import { trackLiveSubscribers } from './live-subscribers.ts';
import { createProxyGate, type ProxyProtocolSettings } from './proxy-gate.ts';

/** What the live fan-out needs of an event: where it goes. */
export interface LiveEventKey {
  estate: string;
  kind: EventKind;
}
import type { Identity } from './identity.ts';

// Numeric values of aedes' ambient const enum AuthErrorCode (not importable under isolatedModules).
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
/** How often live dashboards' sessions are checked again (ended from another process, idle, past their end). */
const SESSION_RECHECK_MS = 15_000;

export interface BrokerDeps {
  db: Db;
  ingest: Ingest;
  metrics: Metrics;
  log: Log;
  /** how long a subscriber's socket may stay unwritable before it is dropped (Aedes drainTimeout) */
  drainTimeoutMs?: number;
  /** guessing and flood limits (server/security/limits.ts); none = unlimited */
  limits?: SecurityLimits;
  /** operator sessions unused this long end (store/users.ts) */
  sessionIdleMs?: number;
  /** PROXY protocol on the MQTT TCP and TLS listeners (proxy-gate.ts); none = off, every PROXY header refused */
  proxyProtocol?: ProxyProtocolSettings | null;
}

export interface EstateBroker {
  aedes: Aedes;
  /**
   * Fan-out of committed events to dashboards: one `live2` message per estate and kind (a JSON array
   * of the bodies, in commit order), and the per-event `live` (v1) messages only while a connected
   * client subscribes to them (live-subscribers.ts). `bodies[i]`: events[i] as the journal stored it.
   */
  publishLive(events: ReadonlyArray<LiveEventKey>, bodies: string[]): void;
  /** a server-only message (alerts, patrol, occupancy …) as JSON, QoS 1 */
  publishJson(topic: string, payload: unknown, options?: { retain?: boolean }): void;
  /** publishes as the server to this node's subscribers only (another node's live messages, the cluster link state) */
  deliver(messages: Array<{ topic: string; payload: string; qos: 0 | 1; retain: boolean }>): void;
  /** backpressure: stop / start reading from device connections (dashboards are unaffected) */
  pauseDevices(): void;
  resumeDevices(): void;
  listenTcp(port: number, host: string): Promise<number>;
  /** MQTT over TLS; with `requestCert`, a device may sign in by its client certificate (docs/security.md) */
  listenTls(port: number, host: string, context: SecureContextOptions, requestCert: boolean): Promise<number>;
  /** a new certificate for new MQTTS handshakes; open connections keep theirs */
  setSecureContext(context: SecureContextOptions): void;
  /** drops live dashboards whose session ended (logout, revocation, password change, idle) */
  revalidateSessions(): void;
  attachWebSocket(server: HttpServer): void;
  close(): Promise<void>;
}

import { limitPacketSize, MAX_PACKET_BYTES } from './packet-limit.ts';

const noop = () => {};

function authError(message: string, code: number) {
  return Object.assign(new Error(message), { returnCode: code });
}

export async function createBroker({ db, ingest, metrics, log, drainTimeoutMs = 10_000, limits, sessionIdleMs, proxyProtocol = null }: BrokerDeps): Promise<EstateBroker> {
  const identities = new WeakMap<Client, Identity>();
  /** the source address of each connection, for the per-address limits */
  const addresses = new WeakMap<Client, string>();
  /** CN of a verified client certificate (MQTTS with --tls-ca) */
  const certNames = new WeakMap<Client, string>();
  /** why preConnect decided to refuse this CONNECT (answered by authenticate with a return code) */
  const heldOff = new WeakMap<Client, string>();
  /** the session token hash of each dashboard, to drop it when the session ends */
  const sessions = new WeakMap<Client, string>();
  // Payloads accepted without error (to keep the connection) but never to be forwarded.
  const swallowed = new WeakSet<object>();

  const sendError = (device: { id: string; estate: string }, body: DeviceError) => {
    aedes.publish(
      { cmd: 'publish', topic: errorsTopic(device.estate, device.id), payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: false, dup: false },
      () => {},
    );
  };

  const swallow = (packet: PublishPacket) => {
    if (typeof packet.payload === 'object') swallowed.add(packet.payload);
    packet.retain = false;
  };

  let devicesPaused = false;
  // Server messages at QoS 1 or retained (alerts, patrol, work orders …, and those another cluster
  // node hands over) reach mqemitter a few microtasks after aedes.publish (Aedes stores the retained
  // copy and looks up offline subscriptions first), QoS 0 ones (live events) at once. Aedes numbers
  // every packet when it is published and each client drops a packet numbered below one it already
  // has (its dedupe, lib/client.js) — so a live event published after an alert but emitted before it
  // made the alert vanish for every dashboard subscribed to both. So everything the server publishes
  // goes through publishAsServer: QoS 0 waits while a slower one is on its way to mqemitter
  // (microtasks, never a slow socket).
  const unemitted = new Set<Buffer>();
  let heldLive: Array<() => void> = [];
  const emitted = (payload: unknown) => {
    if (!unemitted.delete(payload as Buffer) || unemitted.size) return;
    const held = heldLive;
    heldLive = [];
    for (const run of held) run();
  };
  const mq = mqemitter({ concurrency: 0, matchEmptyLevels: true });
  const emit = mq.emit.bind(mq);
  mq.emit = (packet, cb) => {
    const result = emit(packet, cb);
    if (unemitted.size) emitted(packet.payload);
    return result;
  };
  const aedes = await Aedes.createBroker({
    // Aedes' default mqemitter caps concurrency at 100 and queues the rest; a burst of live events
    // released from that queue recurses until the stack overflows and the process dies
    // (mcollina/mqemitter#204, tests/broker/live-burst.test.ts). Uncapped, nothing is queued, and a
    // stuck subscriber holds only its own deliveries (until drainTimeout drops it), not everyone's.
    mq,
    maxClientsIdLength: 128,
    // A frozen dashboard must not hold up device ingest: give up on a stuck socket after this long.
    drainTimeout: drainTimeoutMs,

    // Flood limits before any work: a CONNECT over the address's rate is closed unanswered; a
    // flapping client id is answered "server unavailable" by authenticate below.
    preConnect(client, packet, callback) {
      const verdict = limits?.connectAllowed(addresses.get(client) ?? 'unknown', packet.clientId ?? '');
      if (!verdict || verdict.ok) return callback(null, true);
      if (verdict.reason === 'connect_rate') return callback(new Error('too many CONNECTs from this address'), false);
      heldOff.set(client, `client id '${packet.clientId}' reconnects in a tight loop (flapping): held off for ${Math.ceil(verdict.retryAfterMs / 1000)} s`);
      callback(null, true);
    },

    authenticate(client, username, password, done) {
      const holdReason = heldOff.get(client);
      if (holdReason) {
        log.debug(`mqtt: ${holdReason}`);
        return done(authError(holdReason, SERVER_UNAVAILABLE), false);
      }
      const address = addresses.get(client) ?? 'unknown';
      const secret = password?.toString('utf8') ?? '';
      // With a verified client certificate its CN stands for the username, and the certificate
      // for the token: a given username must equal the CN, a given token must still be right.
      const certName = certNames.get(client);
      const name = username || certName || '';
      if (!name || (!secret && !certName)) {
        metrics.authFailures.inc({ who: 'anonymous' });
        log.warn(`mqtt: refused anonymous client ${client.id} from ${address}`);
        return done(authError('username and password required', BAD_USERNAME_OR_PASSWORD), false);
      }
      const verdict = limits?.signInAllowed('mqtt', name, address);
      if (verdict && !verdict.ok) return done(authError(`too many failed sign-ins: try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s`, NOT_AUTHORIZED), false);
      let who: Identity | undefined;
      let why = 'bad username or password';
      if (certName && username && username !== certName) {
        why = `username '${username}' is not the client certificate's CN '${certName}'`;
      } else if (secret.startsWith(SESSION_TOKEN_PREFIX)) {
        const hash = hashToken(secret);
        const user = userForSessionHash(db, hash, Date.now(), sessionIdleMs);
        if (user && user.name === name) {
          who = { type: 'operator', user };
          sessions.set(client, hash);
        }
      } else if (secret) {
        const device = authenticateDevice(db, name, secret);
        if (device) who = { type: 'device', device };
      } else {
        const device = getDevice(db, certName!);
        if (device) who = { type: 'device', device };
        else why = `client certificate CN '${certName}' is not a registered device`;
      }
      if (!who) {
        metrics.authFailures.inc({ who: secret.startsWith(SESSION_TOKEN_PREFIX) ? 'operator' : 'device' });
        limits?.signInFailed('mqtt', name, address);
        log.warn(`mqtt: ${why} ('${name}', client ${client.id}, from ${address})`);
        return done(authError('bad username or password', BAD_USERNAME_OR_PASSWORD), false);
      }
      limits?.signInSucceeded(name);
      // A device's id is its client id to claim: another identity taking it first would lock the device
      // out (IDENTIFIER_REJECTED below) until it left. Found by the fuzzer (tests/broker/fuzz.test.ts).
      if (client.id !== username && getDevice(db, client.id)) {
        log.warn(`mqtt: '${username}' tried client id '${client.id}', the id of another device`);
        return done(authError("client id is another device's id", IDENTIFIER_REJECTED), false);
      }
      // A client id already held by someone else must not be used to kick them off.
      const holder = (aedes as unknown as { clients: Record<string, Client> }).clients[client.id];
      const held = holder && identities.get(holder);
      if (held && identityName(held) !== identityName(who)) {
        log.warn(`mqtt: '${username}' tried client id '${client.id}' held by '${identityName(held)}'`);
        return done(authError('client id in use by another identity', IDENTIFIER_REJECTED), false);
      }
      identities.set(client, who);
      done(null, true);
    },

    authorizePublish(client, packet, callback) {
      if (packet.topic.startsWith('$SYS')) return callback(new Error('$SYS topic is reserved'));
      const who = client && identities.get(client);
      if (!who) return callback(new Error('not authenticated'));
      if (who.type === 'operator') {
        metrics.rejected.inc({ reason: 'operator_publish', transport: 'mqtt' });
        log.warn(`mqtt: operator '${who.user.name}' tried to publish on '${packet.topic}': dashboards are read-only, disconnecting`);
        return callback(new Error('dashboards are read-only'));
      }
      const device = who.device;
      const verdict = devicePublishVerdict(device, packet.topic);
      if (!verdict.ok) {
        metrics.rejected.inc({ reason: verdict.reason, transport: 'mqtt' });
        swallow(packet);
        sendError(device, { topic: packet.topic, error: verdict.error });
        return callback(null);
      }
      // Only the device status is a retained message (and the Last Will).
      if (packet.retain && verdict.kind !== 'status') packet.retain = false;
      ingest.submit(device, verdict.kind, packet.payload, 'mqtt', (outcome) => {
        if (outcome.ok) return callback(null);
        if (outcome.retryable) return callback(new Error(outcome.error)); // not stored: no PUBACK, the device resends
        swallow(packet);
        sendError(device, { ...(outcome.id ? { id: outcome.id } : {}), topic: packet.topic, error: outcome.error });
        callback(null);
      });
    },

    authorizeForward(_client, packet) {
      if (typeof packet.payload === 'object' && swallowed.has(packet.payload)) return null;
      return packet;
    },

    authorizeSubscribe(client, sub: Subscription, callback) {
      const who = identities.get(client);
      if (!who || !canSubscribe(who, sub.topic)) {
        metrics.rejected.inc({ reason: 'forbidden_subscribe', transport: 'mqtt' });
        log.warn(`mqtt: refused subscription '${sub.topic}' for ${who ? identityName(who) : client.id}`);
        return callback(null, null); // SUBACK 0x80 for this filter; the connection stays
      }
      callback(null, sub);
    },
  });

  aedes.on('clientReady', (client) => {
    const who = identities.get(client);
    if (who?.type === "device" && devicesPaused) (client as unknown as { pause(): void }).pause();
    if (who?.type === 'device') metrics.connectedDevices.inc();
    else if (who?.type === 'operator') metrics.connectedDashboards.inc();
  });
  aedes.on('clientDisconnect', (client) => {
    const who = identities.get(client);
    if (who?.type === 'device') metrics.connectedDevices.dec();
    else if (who?.type === 'operator') metrics.connectedDashboards.dec();
  });
  aedes.on('clientError', (client, err) => log.debug(`mqtt: client ${client.id}: ${err.message}`));
  aedes.on('connectionError', (_client, err) => log.debug(`mqtt: connection error: ${err.message}`));

  /** Counts a connection against its address's cap until it closes; false = over the cap (destroy it). */
  const admit = (conn: Duplex, address: string): boolean => {
    if (!limits) return true;
    if (!limits.acquireConnection(address)) return false;
    conn.once('close', () => limits.releaseConnection(address));
    return true;
  };

  /**
   * A new connection: Aedes' client, with the packet size ceiling (packet-limit.ts). `known`: the
   * address the proxy gate settled and admitted (TCP and TLS listeners); otherwise the socket's own.
   */
  const handle = (conn: Duplex, req?: IncomingMessage, known?: string) => {
    let address = known;
    if (address === undefined) {
      address = normalizeAddress(req?.socket.remoteAddress ?? (conn as { remoteAddress?: string }).remoteAddress);
      if (!admit(conn, address)) {
        conn.destroy();
        return null;
      }
    }
    const client = aedes.handle(conn, req as never);
    addresses.set(client, address);
    const tlsSocket = conn as Partial<TLSSocket>;
    if (tlsSocket.encrypted && tlsSocket.authorized) {
      const cn = tlsSocket.getPeerCertificate?.()?.subject?.CN;
      const name = Array.isArray(cn) ? cn[0] : cn;
      if (name) certNames.set(client, name);
    }
    limitPacketSize(client, MAX_PACKET_BYTES, (length) => {
      metrics.rejected.inc({ reason: 'too_large', transport: 'mqtt' });
      const who = identities.get(client);
      log.warn(`mqtt: ${who ? identityName(who) : `client ${client.id ?? '(not connected)'}`} sent a ${length}-byte packet (limit ${MAX_PACKET_BYTES}); disconnecting before reading it`);
    });
    return client;
  };

  // The first bytes of every TCP and TLS connection: a PROXY header from a trusted proxy gives the
  // device's address; one from anyone else, or with the setting off, closes the connection.
  const gate = createProxyGate({ proxy: proxyProtocol, metrics, log });
  /** the address the gate settled for a raw TCP socket under TLS (read back from the TLSSocket's _parent) */
  const tlsAddresses = new WeakMap<Socket, string>();
  const throughGate = (socket: Socket, then: (socket: Socket, address: string) => void) =>
    gate(socket, (peer) => admit(socket, peer), (s, address, early) => {
      if (!early && !admit(s, address)) return s.destroy();
      then(s, address);
    });

  let tcp: NetServer | null = null;
  let tls: TlsServer | null = null;
  /** with the PROXY protocol on: the plain TCP listener in front of `tls` (the header comes before the TLS handshake) */
  let tlsFront: NetServer | null = null;
  let wss: WebSocketServer | null = null;

  const revalidateSessions = () => {
    const now = Date.now();
    for (const client of Object.values((aedes as unknown as { clients: Record<string, Client> }).clients)) {
      const hash = sessions.get(client);
      if (!hash || userForSessionHash(db, hash, now, sessionIdleMs)) continue;
      const who = identities.get(client);
      log.info(`mqtt: dashboard ${who ? identityName(who) : client.id} disconnected: its session ended`);
      sessions.delete(client);
      client.close();
    }
  };
  const recheck = setInterval(() => {
    try {
      revalidateSessions();
    } catch (err) {
      log.warn(`mqtt: session re-check failed: ${(err as Error).message}`);
    }
  }, SESSION_RECHECK_MS);
  recheck.unref();
  // A revoked device is disconnected: at once for a revoke in this process (REST), and within a
  // second for one from another process (the CLI), seen through SQLite's data_version.
  const disconnectRevoked = (id: string) => {
    for (const client of Object.values((aedes as unknown as { clients: Record<string, Client> }).clients)) {
      const who = identities.get(client);
      if (who?.type === 'device' && who.device.id === id) {
        log.warn(`mqtt: device '${id}' was revoked: disconnecting`);
        client.close();
      }
    }
  };
  deviceRevocations.on('revoked', disconnectRevoked);
  let seenVersion = dataVersion(db);
  const revocationSweep = setInterval(() => {
    const v = dataVersion(db);
    if (v === seenVersion) return;
    seenVersion = v;
    for (const id of revokedDeviceIds(db)) disconnectRevoked(id);
  }, 1000);
  revocationSweep.unref();

  function publishAsServer(topic: string, payload: Buffer, qos: 0 | 1, retain: boolean): void {
    if (qos > 0 || retain) {
      unemitted.add(payload);
      // normally emitted (and released) before this runs; a publish that failed before mqemitter releases here
      aedes.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false }, () => emitted(payload));
    } else if (unemitted.size) heldLive.push(() => publishAsServer(topic, payload, qos, retain));
    else aedes.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false }, noop);
  }

  const liveSubscribers = trackLiveSubscribers(aedes);
  const publishQos0 = (topic: string, payload: Buffer) => aedes.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, noop);

  function publishLive(events: ReadonlyArray<LiveEventKey>, bodies: string[]): void {
    if (unemitted.size) {
      heldLive.push(() => publishLive(events, bodies));
      return;
    }
    // group by estate and kind, keeping commit order within each group
    const groups = new Map<string, { estate: string; kind: EventKind; bodies: string[] }>();
    for (let i = 0; i < events.length; i++) {
      const { estate, kind } = events[i];
      const key = `${estate}/${kind}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { estate, kind, bodies: [] }));
      group.bodies.push(bodies[i]);
    }
    let v1 = false;
    for (const { estate, kind, bodies: list } of groups.values()) {
      // the stored bodies are JSON objects: the array is their concatenation, never re-serialised
      publishQos0(liveBatchTopic(estate, kind), Buffer.from(`[${list.join(',')}]`));
      v1 ||= liveSubscribers.wantsV1(estate, kind);
      metrics.liveOut.inc({ kind }, list.length);
    }
    // v1, one message per event, in commit order across kinds as before (the answers are cached)
    if (v1) {
      for (let i = 0; i < events.length; i++) {
        const { estate, kind } = events[i];
        if (liveSubscribers.wantsV1(estate, kind)) publishQos0(liveTopic(estate, kind), Buffer.from(bodies[i]));
      }
    }
  }

  return {
    aedes,
    publishLive,
    publishJson(topic, payload, options = {}) {
      publishAsServer(topic, Buffer.from(JSON.stringify(payload)), 1, options.retain ?? false);
    },
    deliver(messages) {
      // another node's live events arrive one per message (the cluster's wire format); runs of them
      // go out like this node's own (publishLive), everything else as it came, in order
      let keys: LiveEventKey[] = [];
      let bodies: string[] = [];
      const flushLive = () => {
        if (!keys.length) return;
        publishLive(keys, bodies);
        keys = [];
        bodies = [];
      };
      for (const m of messages) {
        const live = m.qos === 0 && !m.retain ? parseLiveTopic(m.topic) : null;
        if (live) {
          keys.push(live);
          bodies.push(m.payload);
          continue;
        }
        flushLive();
        publishAsServer(m.topic, Buffer.from(m.payload), m.qos, m.retain);
      }
      flushLive();
    },
    pauseDevices() {
      devicesPaused = true;
      for (const client of Object.values((aedes as unknown as { clients: Record<string, Client> }).clients)) {
        if (identities.get(client)?.type === 'device') (client as unknown as { pause(): void }).pause();
      }
    },
    resumeDevices() {
      devicesPaused = false;
      for (const client of Object.values((aedes as unknown as { clients: Record<string, Client> }).clients)) {
        if (identities.get(client)?.type === 'device') (client as unknown as { resume(): void }).resume();
      }
    },
    listenTcp(port, host) {
      // No Nagle: a PUBACK or an alert is a small packet that must not wait for the peer's delayed ACK.
      tcp = createServer({ noDelay: true }, (socket) => throughGate(socket, (s, address) => handle(s, undefined, address)));
      return new Promise((resolve, reject) => {
        tcp!.once('error', reject);
        tcp!.listen(port, host, () => resolve((tcp!.address() as { port: number }).port));
      });
    },
    listenTls(port, host, context, requestCert) {
      // A client certificate is asked for, never required: dashboards (browsers) and devices with a
      // token have none. Whether one was presented and verified is read per connection (handle).
      tls = createTlsServer({ ...context, requestCert, rejectUnauthorized: false, noDelay: true }, (socket) => {
        if (!tlsFront) return handle(socket);
        const address = tlsAddresses.get((socket as unknown as { _parent?: Socket })._parent!);
        if (address === undefined) {
          // admitted under the header's address already: never count it a second time under the proxy's
          log.error('mqtts: no address for a TLS connection behind the PROXY gate (node changed TLSSocket._parent? see broker/broker.ts); closed');
          return socket.destroy();
        }
        handle(socket, undefined, address);
      });
      tls.on('tlsClientError', (err) => log.debug(`mqtts: handshake failed: ${err.message}`));
      // Without the PROXY protocol, the TLS server listens itself (a PROXY header fails its handshake).
      // With it, a plain listener reads the header first and hands the socket, the rest of its bytes
      // put back, to the TLS server.
      const server: NetServer = proxyProtocol
        ? (tlsFront = createServer({ noDelay: true }, (raw) =>
            throughGate(raw, (s, address) => {
              s.on('error', () => {}); // the TLSSocket on top reports its errors itself
              tlsAddresses.set(s, address);
              tls!.emit('connection', s);
            }),
          ))
        : tls;
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as { port: number }).port));
      });
    },
    setSecureContext(context) {
      tls?.setSecureContext(context);
    },
    revalidateSessions,
    attachWebSocket(server) {
      // One WebSocket message carries MQTT bytes; the packet limit applies to what they add up to.
      // One WebSocketServer serves both the HTTP and the HTTPS listener.
      wss ??= new WebSocketServer({ noServer: true, maxPayload: MAX_PACKET_BYTES + 16 });
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (new URL(req.url ?? '/', 'http://x').pathname !== MQTT_WS_PATH) return socket.destroy();
        wss!.handleUpgrade(req, socket, head, (ws) => handle(createWebSocketStream(ws) as Duplex, req));
      });
    },
    async close() {
      clearInterval(recheck);
      clearInterval(revocationSweep);
      deviceRevocations.off('revoked', disconnectRevoked);
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      wss?.clients.forEach((ws) => ws.terminate());
      wss?.close();
      if (tcp) await new Promise<void>((resolve) => tcp!.close(() => resolve()));
      if (tlsFront) await new Promise<void>((resolve) => tlsFront!.close(() => resolve()));
      else if (tls) await new Promise<void>((resolve) => tls!.close(() => resolve()));
    },
  };
}

function identityName(who: Identity): string {
  return who.type === 'device' ? `device:${who.device.id}` : `operator:${who.user.name}`;
}
