// A bare MQTT 3.1.1 client over one net socket, for load generation. mqtt.js costs ~1 MB and a
// timer set per client and does its own queueing; a load client must stay far lighter than the
// broker it measures (10,000 devices in one process, 25,000+ publishes/s on a shared 2-core box).
// CONNECT/SUBSCRIBE and every incoming packet go through mqtt-packet (the codec Aedes itself uses);
// PUBLISH, the hot packet, is framed by hand into one buffer.
import { connect as netConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

export interface WireOptions {
  host: string;
  port: number;
  clientId: string;
  username?: string;
  password?: string;
  /** seconds; 0 = none */
  keepalive?: number;
  /** give up on the CONNACK after this long (ms) */
  timeoutMs?: number;
}

export class WireClient {
  /** PUBACK for a QoS 1 publish of this client */
  onPuback: (messageId: number) => void = () => {};
  /** an incoming PUBLISH (subscriptions) */
  onPublish: (topic: string, payload: Buffer) => void = () => {};
  /** the socket closed or failed after the CONNACK */
  onClose: (err?: Error) => void = () => {};
  private subacks: Array<(granted: number[]) => void> = [];
  private corked = false;

  private constructor(readonly socket: Socket) {}

  /** Resolves after a CONNACK with return code 0; rejects on refusal, socket error or timeout. */
  static connect(options: WireOptions): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: options.host, port: options.port, noDelay: true });
      const client = new WireClient(socket);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      let connected = false;
      let closed = false;
      const closedOnce = (err?: Error) => {
        if (closed) return;
        closed = true;
        client.onClose(err);
      };
      const timer = setTimeout(() => fail(new Error(`no CONNACK within ${options.timeoutMs ?? 30_000} ms`)), options.timeoutMs ?? 30_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        if (!connected) reject(err);
        else closedOnce(err);
      };
      parser.on('packet', (packet) => {
        switch (packet.cmd) {
          case 'puback':
            client.onPuback(packet.messageId!);
            break;
          case 'publish':
            client.onPublish(packet.topic, packet.payload as Buffer);
            break;
          case 'connack':
            clearTimeout(timer);
            if (packet.returnCode !== 0) return fail(new Error(`CONNACK return code ${packet.returnCode} for ${options.clientId}`));
            connected = true;
            resolve(client);
            break;
          case 'suback':
            client.subacks.shift()?.(packet.granted as number[]);
            break;
          default:
            break;
        }
      });
      parser.on('error', (err: Error) => fail(err));
      socket.on('data', (chunk) => {
        // Everything written while handling one chunk (the next publishes after PUBACKs) goes out in one write.
        client.cork();
        parser.parse(chunk);
      });
      socket.on('error', (err) => fail(err));
      socket.on('close', () => {
        clearTimeout(timer);
        if (!connected) reject(new Error(`connection closed before CONNACK (${options.clientId})`));
        else closedOnce();
      });
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          clientId: options.clientId,
          keepalive: options.keepalive ?? 0,
          ...(options.username !== undefined ? { username: options.username } : {}),
          ...(options.password !== undefined ? { password: Buffer.from(options.password) } : {}),
        }),
      );
    });
  }

  /** Frames and writes one PUBLISH (QoS 0 or 1; messageId is ignored for QoS 0). */
  publish(topic: string, payload: Buffer, qos: 0 | 1, messageId: number, retain = false): void {
    const topicLength = Buffer.byteLength(topic);
    const remaining = 2 + topicLength + (qos ? 2 : 0) + payload.length;
    const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
    const buf = Buffer.allocUnsafe(1 + lengthBytes + remaining);
    buf[0] = 0x30 | (qos << 1) | (retain ? 1 : 0);
    let offset = 1;
    let rest = remaining;
    do {
      let byte = rest % 128;
      rest = Math.floor(rest / 128);
      if (rest > 0) byte |= 0x80;
      buf[offset++] = byte;
    } while (rest > 0);
    buf.writeUInt16BE(topicLength, offset);
    offset += 2;
    offset += buf.write(topic, offset);
    if (qos) {
      buf.writeUInt16BE(messageId, offset);
      offset += 2;
    }
    payload.copy(buf, offset);
    this.cork();
    this.socket.write(buf);
  }

  subscribe(filters: string[], qos: 0 | 1, messageId = 1): Promise<number[]> {
    return new Promise((resolve) => {
      this.subacks.push(resolve);
      this.socket.write(
        mqttPacket.generate({ cmd: 'subscribe', messageId, subscriptions: filters.map((topic) => ({ topic, qos })) }),
      );
    });
  }

  ping(): void {
    this.socket.write(mqttPacket.generate({ cmd: 'pingreq' }));
  }

  close(): void {
    this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
  }

  /** Coalesces the writes of this event-loop turn into one syscall. */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }
}
