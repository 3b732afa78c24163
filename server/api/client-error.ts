// Requests Node's HTTP parser cannot read (a malformed request line, a bad header, two Content-Lengths,
// broken chunking, headers over the size limit, a body cut short) never reach Express: by default Node
// answers them with a bare `400 Bad Request` with no body. Found by the API fuzzer
// (tests/broker/fuzz.test.ts): every refusal of this server is a JSON `{error, reason}`, these too.
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** Node's parser error → the answer: too large headers 431, a read timeout 408, anything else 400. */
export function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/** Answers every request the parser refuses with a JSON error and closes the connection. */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // the peer is gone, or a response is already on its way: nothing to say
    if (err.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const status = clientErrorStatus(err.code);
    const reason = status === 431 ? 'headers_too_large' : status === 408 ? 'timeout' : 'malformed_http';
    const body = JSON.stringify({ error: `${STATUS_CODES[status]}: the request could not be read as HTTP/1.1 (${err.code ?? 'parse error'})`, reason });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
