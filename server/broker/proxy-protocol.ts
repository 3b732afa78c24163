// The PROXY protocol header (haproxy's `send-proxy` = v1 text, `send-proxy-v2` = v2 binary), pure:
// bytes in, a verdict out. A TCP load balancer in front of the MQTT listeners sends it first on each
// connection it opens to a node, so the node sees the device's address instead of the balancer's.
// Spec: https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt
//
// Whether a header is believed is not decided here: the broker reads one only from an address on
// the trusted list (docs/security.md, "Behind a load balancer").
import { isIPv4, isIPv6 } from 'node:net';

/** v1: "PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\n", at most 107 bytes with the CRLF (spec 2.1). */
export const V1_MAX_BYTES = 107;
/** v2's 12-byte signature. */
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/**
 * Largest v2 address block (plus TLVs) accepted. The format allows 65,535; haproxy sends 12 (IPv4)
 * or 36 (IPv6) plus a few TLVs. A bigger claim is refused before it is buffered.
 */
export const V2_MAX_PAYLOAD = 1024;
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');

export type ProxyParse =
  /** could still become a header: wait for more bytes */
  | { state: 'need_more' }
  /** not a PROXY header at all (an MQTT CONNECT starts 0x10, a TLS ClientHello 0x16) */
  | { state: 'none' }
  /**
   * A complete header of `length` bytes. `source` null: the balancer speaks for itself (v2 LOCAL, a
   * health check; v1 UNKNOWN; v2 UNSPEC or UNIX) — the connection's own address stands.
   */
  | { state: 'header'; version: 1 | 2; length: number; source: { address: string; port: number } | null }
  | { state: 'invalid'; reason: string };

/** True if `buf` starts like a PROXY header (or is a prefix of one). */
function startsLike(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

/** Reads a PROXY header at the start of `buf` (the first bytes a connection sent). */
export function parseProxyHeader(buf: Buffer): ProxyParse {
  if (buf.length === 0) return { state: 'need_more' };
  if (startsLike(buf, V1_PREFIX)) return buf.length < V1_PREFIX.length ? { state: 'need_more' } : parseV1(buf);
  if (startsLike(buf, V2_SIGNATURE)) return buf.length < V2_SIGNATURE.length ? { state: 'need_more' } : parseV2(buf);
  return { state: 'none' };
}

function parseV1(buf: Buffer): ProxyParse {
  const end = buf.subarray(0, V1_MAX_BYTES).indexOf('\r\n');
  if (end < 0) {
    if (buf.length >= V1_MAX_BYTES) return { state: 'invalid', reason: `v1 header without CRLF in its first ${V1_MAX_BYTES} bytes` };
    // a byte that cannot be part of the line is an answer already (a lone CR at the end may be followed by LF)
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      if (b === 0x0d && i === buf.length - 1) break;
      if (b < 0x20 || b > 0x7e) return { state: 'invalid', reason: 'v1 header has a non-printable byte before its CRLF' };
    }
    return { state: 'need_more' };
  }
  const line = buf.subarray(0, end).toString('latin1');
  if (!/^[\x20-\x7e]*$/.test(line)) return { state: 'invalid', reason: 'v1 header has a non-printable byte before its CRLF' };
  const parts = line.split(' ');
  const length = end + 2;
  if (parts[1] === 'UNKNOWN') return { state: 'header', version: 1, length, source: null };
  if (parts.length !== 6) return { state: 'invalid', reason: `v1 header '${line}' is not 'PROXY TCP4|TCP6 <src> <dst> <sport> <dport>'` };
  const [, family, src, dst, sport, dport] = parts;
  const isFamily = family === 'TCP4' ? isIPv4 : family === 'TCP6' ? isIPv6 : null;
  if (!isFamily) return { state: 'invalid', reason: `v1 header: unknown protocol '${family}' (TCP4, TCP6 or UNKNOWN)` };
  if (!isFamily(src) || !isFamily(dst)) return { state: 'invalid', reason: `v1 header: '${!isFamily(src) ? src : dst}' is not an ${family === 'TCP4' ? 'IPv4' : 'IPv6'} address` };
  const port = (p: string) => (/^(0|[1-9]\d{0,4})$/.test(p) && Number(p) <= 65535 ? Number(p) : null);
  const sp = port(sport);
  if (sp === null || port(dport) === null) return { state: 'invalid', reason: `v1 header: '${sp === null ? sport : dport}' is not a port` };
  return { state: 'header', version: 1, length, source: { address: src, port: sp } };
}

function parseV2(buf: Buffer): ProxyParse {
  if (buf.length < 16) return { state: 'need_more' };
  const verCmd = buf[12];
  if (verCmd >> 4 !== 2) return { state: 'invalid', reason: `v2 header: version ${verCmd >> 4} (only 2 exists)` };
  const command = verCmd & 0x0f;
  if (command > 1) return { state: 'invalid', reason: `v2 header: unknown command ${command} (0 LOCAL, 1 PROXY)` };
  const famProto = buf[13];
  const payload = buf.readUInt16BE(14);
  if (payload > V2_MAX_PAYLOAD) return { state: 'invalid', reason: `v2 header announces ${payload} bytes of addresses (limit ${V2_MAX_PAYLOAD})` };
  const length = 16 + payload;
  if (buf.length < length) return { state: 'need_more' };
  // LOCAL: the balancer's own connection (a health check); the addresses, if any, are to be ignored
  if (command === 0) return { state: 'header', version: 2, length, source: null };
  const family = famProto >> 4;
  const transport = famProto & 0x0f;
  if (family > 3 || transport > 2) return { state: 'invalid', reason: `v2 header: unknown address family/protocol byte 0x${famProto.toString(16).padStart(2, '0')}` };
  if (family === 0 || family === 3) return { state: 'header', version: 2, length, source: null }; // UNSPEC, UNIX
  const a = buf.subarray(16, length);
  if (family === 1) {
    if (a.length < 12) return { state: 'invalid', reason: `v2 header: ${a.length} bytes of addresses, IPv4 needs 12` };
    return { state: 'header', version: 2, length, source: { address: `${a[0]}.${a[1]}.${a[2]}.${a[3]}`, port: a.readUInt16BE(8) } };
  }
  if (a.length < 36) return { state: 'invalid', reason: `v2 header: ${a.length} bytes of addresses, IPv6 needs 36` };
  return { state: 'header', version: 2, length, source: { address: ipv6(a.subarray(0, 16)), port: a.readUInt16BE(32) } };
}

/** 16 bytes → the shortest text form (RFC 5952: lower case, the longest run of zero groups as ::). */
function ipv6(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  // IPv4-mapped: ::ffff:a.b.c.d, which normalizeAddress turns into a.b.c.d as for a socket's own address
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** A v1 header as haproxy's `send-proxy` writes it (tests, tools). */
export function v1Header(src: string, srcPort: number, dst: string, dstPort: number): Buffer {
  return Buffer.from(`PROXY ${isIPv6(src) ? 'TCP6' : 'TCP4'} ${src} ${dst} ${srcPort} ${dstPort}\r\n`, 'latin1');
}

/** A v2 PROXY header for IPv4 addresses, as haproxy's `send-proxy-v2` writes it (tests, tools). */
export function v2Header(src: string, srcPort: number, dst: string, dstPort: number, tlvs: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(16);
  V2_SIGNATURE.copy(head);
  head[12] = 0x21; // version 2, PROXY
  head[13] = 0x11; // AF_INET, STREAM
  const addresses = Buffer.alloc(12);
  src.split('.').forEach((o, i) => (addresses[i] = Number(o)));
  dst.split('.').forEach((o, i) => (addresses[4 + i] = Number(o)));
  addresses.writeUInt16BE(srcPort, 8);
  addresses.writeUInt16BE(dstPort, 10);
  head.writeUInt16BE(12 + tlvs.length, 14);
  return Buffer.concat([head, addresses, tlvs]);
}
