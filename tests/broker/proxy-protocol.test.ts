// The PROXY protocol parser (server/broker/proxy-protocol.ts): v1 and v2 as haproxy sends them,
// split across reads, and everything malformed or oversized refused with a reason, never a throw.
import { describe, expect, it } from 'vitest';
import { V1_MAX_BYTES, V2_MAX_PAYLOAD, V2_SIGNATURE, parseProxyHeader, v1Header, v2Header } from '../../server/broker/proxy-protocol.ts';

const CONNECT = Buffer.from([0x10, 0x12, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]); // the start of an MQTT CONNECT

function v2(verCmd: number, famProto: number, addresses: Buffer): Buffer {
  const head = Buffer.alloc(16);
  V2_SIGNATURE.copy(head);
  head[12] = verCmd;
  head[13] = famProto;
  head.writeUInt16BE(addresses.length, 14);
  return Buffer.concat([head, addresses]);
}

describe('PROXY protocol v1', () => {
  it('reads TCP4 and TCP6 with the bytes after it left alone', () => {
    const h = v1Header('203.0.113.7', 51234, '10.0.0.5', 1883);
    expect(h.toString()).toBe('PROXY TCP4 203.0.113.7 10.0.0.5 51234 1883\r\n');
    expect(parseProxyHeader(Buffer.concat([h, CONNECT]))).toEqual({ state: 'header', version: 1, length: h.length, source: { address: '203.0.113.7', port: 51234 } });
    const h6 = Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 40000 8883\r\n');
    expect(parseProxyHeader(h6)).toEqual({ state: 'header', version: 1, length: h6.length, source: { address: '2001:db8::7', port: 40000 } });
  });

  it('UNKNOWN: the connection speaks for itself', () => {
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toMatchObject({ state: 'header', source: null, length: 15 });
  });

  it('waits for the rest of a header split across reads, at every split point', () => {
    const h = v1Header('198.51.100.20', 1, '10.0.0.5', 1883);
    for (let i = 1; i < h.length; i++) expect(parseProxyHeader(h.subarray(0, i))).toEqual({ state: 'need_more' });
  });

  it('refuses malformed lines with a reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['PROXY TCP4 1.2.3.4 5.6.7.8 1111\r\n', /is not 'PROXY TCP4\|TCP6/],
      ['PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n', /unknown protocol 'UDP4'/],
      ['PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n', /'1\.2\.3\.400' is not an IPv4 address/],
      ['PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n', /is not an IPv4 address/],
      ['PROXY TCP6 1.2.3.4 2001:db8::1 1 2\r\n', /is not an IPv6 address/],
      ['PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n', /'65536' is not a port/],
      ['PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n', /'01' is not a port/],
      ['PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n', /is not 'PROXY/],
      ['PROXY TCP4 1.2.3.4\x00 5.6.7.8 1 2\r\n', /non-printable/],
    ];
    for (const [line, reason] of cases) {
      const r = parseProxyHeader(Buffer.from(line, 'latin1'));
      expect(r.state, line).toBe('invalid');
      expect((r as { reason: string }).reason, line).toMatch(reason);
    }
    // a binary byte is an answer before any CRLF arrives
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 \x10\x12', 'latin1'))).toMatchObject({ state: 'invalid', reason: /non-printable/ });
  });

  it('refuses a line longer than the spec allows without waiting for more', () => {
    const long = Buffer.from(`PROXY TCP4 ${'1'.repeat(V1_MAX_BYTES)}`);
    expect(parseProxyHeader(long)).toMatchObject({ state: 'invalid', reason: `v1 header without CRLF in its first ${V1_MAX_BYTES} bytes` });
    // exactly at the limit with its CRLF is still a header (the spec's longest line)
    const max = Buffer.from('PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n');
    expect(max.length).toBe(V1_MAX_BYTES);
    expect(parseProxyHeader(max)).toMatchObject({ state: 'header', length: V1_MAX_BYTES });
  });
});

describe('PROXY protocol v2', () => {
  it('reads PROXY over IPv4 as haproxy send-proxy-v2 writes it, TLVs skipped', () => {
    const tlv = Buffer.from([0x04, 0x00, 0x03, 0x00, 0x00, 0x00]); // PP2_TYPE_NOOP, 3 bytes
    const h = v2Header('203.0.113.7', 51234, '10.0.0.5', 1883, tlv);
    expect(parseProxyHeader(Buffer.concat([h, CONNECT]))).toEqual({ state: 'header', version: 2, length: 16 + 12 + tlv.length, source: { address: '203.0.113.7', port: 51234 } });
  });

  it('reads IPv6, compressed as people write it, and IPv4-mapped', () => {
    const a = Buffer.alloc(36);
    Buffer.from('20010db8000000000000000000000007', 'hex').copy(a, 0);
    a.writeUInt16BE(40000, 32);
    expect(parseProxyHeader(v2(0x21, 0x21, a))).toMatchObject({ state: 'header', source: { address: '2001:db8::7', port: 40000 } });
    const m = Buffer.alloc(36);
    Buffer.from('00000000000000000000ffffcb007107', 'hex').copy(m, 0);
    expect(parseProxyHeader(v2(0x21, 0x21, m))).toMatchObject({ source: { address: '::ffff:203.0.113.7' } });
    const full = Buffer.alloc(36);
    Buffer.from('20010db8000100020003000400050006', 'hex').copy(full, 0);
    expect(parseProxyHeader(v2(0x21, 0x21, full))).toMatchObject({ source: { address: '2001:db8:1:2:3:4:5:6' } });
  });

  it('LOCAL (a health check), UNSPEC and UNIX: the connection speaks for itself', () => {
    expect(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0)))).toEqual({ state: 'header', version: 2, length: 16, source: null });
    expect(parseProxyHeader(v2(0x20, 0x11, Buffer.alloc(12, 7)))).toMatchObject({ source: null, length: 28 });
    expect(parseProxyHeader(v2(0x21, 0x00, Buffer.alloc(0)))).toMatchObject({ state: 'header', source: null });
    expect(parseProxyHeader(v2(0x21, 0x31, Buffer.alloc(216)))).toMatchObject({ state: 'header', source: null, length: 232 });
  });

  it('waits for the rest at every split point', () => {
    const h = v2Header('203.0.113.7', 1, '10.0.0.5', 1883);
    for (let i = 1; i < h.length; i++) expect(parseProxyHeader(h.subarray(0, i))).toEqual({ state: 'need_more' });
  });

  it('refuses bad versions, commands, families, short address blocks and oversized claims', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [v2(0x11, 0x11, Buffer.alloc(12)), /version 1/],
      [v2(0x22, 0x11, Buffer.alloc(12)), /unknown command 2/],
      [v2(0x21, 0x41, Buffer.alloc(12)), /unknown address family\/protocol byte 0x41/],
      [v2(0x21, 0x11, Buffer.alloc(8)), /8 bytes of addresses, IPv4 needs 12/],
      [v2(0x21, 0x21, Buffer.alloc(12)), /12 bytes of addresses, IPv6 needs 36/],
    ];
    for (const [buf, reason] of cases) expect(parseProxyHeader(buf)).toMatchObject({ state: 'invalid', reason });
    // the length is checked from the 16-byte head alone: 65,535 bytes are never waited for
    const head = v2(0x21, 0x11, Buffer.alloc(0));
    head.writeUInt16BE(65535, 14);
    expect(parseProxyHeader(head)).toMatchObject({ state: 'invalid', reason: `v2 header announces 65535 bytes of addresses (limit ${V2_MAX_PAYLOAD})` });
  });
});

describe('not a PROXY header', () => {
  it('MQTT, TLS and near misses are told apart on their first bytes', () => {
    expect(parseProxyHeader(CONNECT)).toEqual({ state: 'none' });
    expect(parseProxyHeader(Buffer.from([0x16, 0x03, 0x01]))).toEqual({ state: 'none' }); // TLS ClientHello
    expect(parseProxyHeader(Buffer.from('PROXX'))).toEqual({ state: 'none' });
    expect(parseProxyHeader(Buffer.from([0x0d, 0x0a, 0x0d, 0x0b]))).toEqual({ state: 'none' });
    expect(parseProxyHeader(Buffer.alloc(0))).toEqual({ state: 'need_more' });
  });

  it('never throws on random bytes behind either prefix', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff);
    for (let i = 0; i < 5000; i++) {
      const tail = Buffer.from(Array.from({ length: rand() % 120 }, rand));
      for (const prefix of [Buffer.from('PROXY '), V2_SIGNATURE, Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11])])]) {
        const r = parseProxyHeader(Buffer.concat([prefix, tail]));
        expect(['need_more', 'header', 'invalid']).toContain(r.state);
      }
    }
  });
});
