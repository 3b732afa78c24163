// What a failed InfluxDB write means for the forwarder: try the same batch again later, or find
// the points InfluxDB refuses. node-influx does not export its error classes, so this reads the
// shape: RequestError carries `res.statusCode`; ServiceNotAvailableError ("No host available",
// 5xx, timeouts) and socket errors (`code`: ECONNREFUSED, ECONNRESET…) carry none.

export type WriteFailure =
  /** Network, timeout, 5xx, auth or any other trouble that is not the points' fault: retry the batch. */
  | { kind: 'retry'; reason: string }
  /** The target database is missing (dropped, or InfluxDB was not reachable at start): create it, retry. */
  | { kind: 'no-database'; reason: string }
  /** 400: some point(s) in the body are refused (bad type, field type conflict, out of range, partial write). */
  | { kind: 'reject'; reason: string }
  /** 413: the body is too large; smaller writes will do. */
  | { kind: 'too-large'; reason: string };

/** `A 400 Bad Request error occurred: {"error":"partial write: …"}` → `partial write: …` */
export function influxErrorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const json = message.indexOf('{');
  if (json >= 0) {
    try {
      const body = JSON.parse(message.slice(json)) as { error?: unknown };
      if (typeof body.error === 'string') return body.error;
    } catch {
      // not the JSON body of an InfluxDB error: keep the whole message
    }
  }
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message || String(code ?? 'unknown error');
}

export function classifyWriteError(err: unknown): WriteFailure {
  const reason = influxErrorText(err);
  const status = (err as { res?: { statusCode?: unknown } } | null)?.res?.statusCode;
  if (typeof status !== 'number') return { kind: 'retry', reason };
  if (status === 400) return { kind: 'reject', reason };
  if (status === 413) return { kind: 'too-large', reason };
  if (status === 404 && /database not found/i.test(reason)) return { kind: 'no-database', reason };
  // 401/403 and the rest of 4xx are configuration, not data: dead-lettering every point for them
  // would lose the lot. Keep retrying (with backoff) and say so in the log.
  return { kind: 'retry', reason: `HTTP ${status}: ${reason}` };
}
