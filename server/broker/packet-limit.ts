// A ceiling on the size of one MQTT packet, checked as soon as its fixed header is read. Aedes 1.x
// (mqtt-packet) has no such limit: it buffers a packet whole before anyone sees it, so one device
// announcing 256 MB could make the server hold that much. The payload check (64 KiB, answered on the
// device's errors topic, connection kept) needs the payload in hand; this one cuts the connection
// at the header of anything far beyond it, before the body is read.
import type { Client } from 'aedes';
import { MAX_PAYLOAD_BYTES } from '../../protocol/index.ts';

/** Largest MQTT packet (remaining length): twice the largest payload, so a payload a little over its limit still gets the polite answer on the errors topic. */
export const MAX_PACKET_BYTES = 2 * MAX_PAYLOAD_BYTES;

interface Parser {
  packet: { length: number };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

/**
 * Makes `client`'s parser refuse a packet longer than `max` bytes: the parser errors, so Aedes closes
 * the connection; `onRefused` is told first (log it, count it).
 */
export function limitPacketSize(client: Client, max: number, onRefused: (length: number) => void): void {
  const parser = (client as unknown as { _parser?: Parser })._parser;
  if (!parser || typeof parser._parseLength !== 'function') throw new Error('aedes changed: client._parser._parseLength is gone (see broker/packet-limit.ts)');
  const parseLength = parser._parseLength;
  parser._parseLength = function (this: Parser) {
    const ok = parseLength.call(this);
    if (ok && this.packet.length > max) {
      onRefused(this.packet.length);
      this._emitError(new Error(`packet too large: ${this.packet.length} bytes, limit ${max}`));
      return false;
    }
    return ok;
  };
}
