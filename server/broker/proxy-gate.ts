// The door of the MQTT TCP and TLS listeners (and, with the setting on, the HTTP and HTTPS ones): reads a connection's first bytes before Aedes (or
// TLS) sees them and decides whose address the connection carries (docs/security.md, "Behind a
// load balancer").
//
// - From a trusted proxy (`--proxy-protocol on`, the address on `--trusted-proxies`): a PROXY v1/v2
//   header gives the device's address; no header = the proxy's own address (a local client, a
//   health check); a malformed one closes the connection.
// - From anyone else, or with the setting off: a PROXY header is refused (closed, counted, one log
//   line per address and minute) — nobody may claim an address they do not connect from. Anything
//   else (an MQTT CONNECT, a TLS ClientHello) goes on untouched.
// The bytes read are put back (unshift) for the next reader: nothing is lost or copied twice.
import { BlockList, isIP, type Socket } from 'node:net';
import type { Log } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { normalizeAddress } from '../security/flood.ts';
import { parseProxyHeader } from './proxy-protocol.ts';

/** How long a connection may take to send its first bytes (Aedes' own CONNECT timeout is 30 s). */
export const FIRST_BYTES_TIMEOUT_MS = 30_000;

export interface ProxyProtocolSettings {
  /** addresses or CIDR blocks whose PROXY headers are believed */
  trusted: string[];
}

export type ProxyRefusal = 'proxy_header_off' | 'proxy_untrusted' | 'proxy_invalid';

/** The allow-list as a matcher; throws on an entry that is neither an address nor a CIDR block (config.ts checks first). */
export function trustedMatcher(list: string[]): (address: string) => boolean {
  const blocks = new BlockList();
  for (const entry of list) {
    const [ip, bits] = entry.split('/');
    const family = isIP(ip);
    if (!family) throw new Error(`'${entry}' is not an IP address or CIDR block`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) blocks.addAddress(ip, type);
    else blocks.addSubnet(ip, Number(bits), type);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && blocks.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

export interface GateDeps {
  /** null = the setting is off: every PROXY header is refused */
  proxy: ProxyProtocolSettings | null;
  metrics: Metrics;
  log: Log;
  timeoutMs?: number;
  /** the log lines' prefix: which listeners this gate guards */
  transport?: 'mqtt' | 'http';
}

/**
 * Where a new connection's address is settled. `accept(socket, address, early)` runs once its first
 * bytes said whose it is; a refused or silent connection is destroyed and `accept` never runs.
 * `admit(peer)` is asked at once for a connection that cannot carry another address (not from a
 * trusted proxy): false destroys it unread (the per-address cap, before any byte is read), and
 * `accept` is then told `early` = true (admitted already). A trusted proxy's connection is admitted
 * by `accept` under the address its header gives.
 */
export function createProxyGate({ proxy, metrics, log, timeoutMs = FIRST_BYTES_TIMEOUT_MS, transport = 'mqtt' }: GateDeps) {
  const trusted = proxy ? trustedMatcher(proxy.trusted) : () => false;
  const warned = new Map<string, number>();

  const refuse = (socket: Socket, reason: ProxyRefusal, peer: string, detail: string) => {
    metrics.connectionsRefused.inc({ reason });
    const key = `${reason}:${peer}`;
    const now = Date.now();
    const line = `${transport}: connection from ${peer} refused: ${detail}`;
    if ((warned.get(key) ?? -Infinity) > now - 60_000) log.debug(line);
    else {
      if (warned.size > 10_000) warned.clear();
      warned.set(key, now);
      log.warn(line);
    }
    socket.destroy();
  };

  return function gate(socket: Socket, admit: (peer: string) => boolean, accept: (socket: Socket, address: string, early: boolean) => void): void {
    const peer = normalizeAddress(socket.remoteAddress);
    const fromProxy = trusted(peer);
    if (!fromProxy && !admit(peer)) {
      socket.destroy();
      return;
    }
    let buf: Buffer = Buffer.alloc(0);
    const onError = () => {}; // a reset before the first bytes: 'close' follows, nothing to tell
    const finish = () => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('close', onClose);
      socket.off('error', onError);
    };
    const onClose = () => finish();
    const timer = setTimeout(() => {
      finish();
      log.debug(`${transport}: ${peer} sent ${buf.length ? 'an incomplete PROXY header' : 'nothing'} within ${timeoutMs / 1000} s; closed`);
      socket.destroy();
    }, timeoutMs);
    timer.unref?.();
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        const r = parseProxyHeader(buf);
        if (r.state === 'need_more') continue;
        finish();
        if (r.state === 'none') {
          socket.unshift(buf);
          return accept(socket, peer, !fromProxy);
        }
        if (!proxy) return refuse(socket, 'proxy_header_off', peer, 'it sent a PROXY protocol header, but --proxy-protocol is off (a load balancer with send-proxy in front? see docs/security.md)');
        if (!fromProxy) return refuse(socket, 'proxy_untrusted', peer, `it sent a PROXY protocol header, but ${peer} is not a trusted proxy (--trusted-proxies ${proxy.trusted.join(',') || 'none'})`);
        if (r.state === 'invalid') return refuse(socket, 'proxy_invalid', peer, `bad PROXY protocol header: ${r.reason}`);
        if (r.length < buf.length) socket.unshift(buf.subarray(r.length));
        return accept(socket, r.source ? normalizeAddress(r.source.address) : peer, false);
      }
    };
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('readable', onReadable);
  };
}

/**
 * Makes `socket.remoteAddress` read `address` (the header's) for everyone after the gate: Express'
 * `req.ip`, the REST sign-in limits, MQTT over WebSocket. A TLSSocket on top asks its own handle,
 * so it is given the same (`inheritAddress`).
 */
export function claimAddress(socket: Socket, address: string): void {
  if (address !== socket.remoteAddress) Object.defineProperty(socket, 'remoteAddress', { value: address, configurable: true });
}

/** The TLSSocket over a socket that `claimAddress` was called on gets the same address. */
export function inheritAddress(tlsSocket: Socket): void {
  const parent = (tlsSocket as unknown as { _parent?: Socket })._parent;
  if (parent && Object.hasOwn(parent, 'remoteAddress')) claimAddress(tlsSocket, parent.remoteAddress!);
}
