// An HTTP API fuzzer: every route of the API (and some that do not exist) with bad JSON, wrong types,
// huge bodies, odd content types and encodings, broken paths, bad authorisation, and — over raw
// sockets — malformed request lines and headers. Each request is recorded with its status, content type
// and whether the body is a JSON `{error}`, so a test can hold the server to "every refusal is a 4xx
// JSON error, never a 5xx, never HTML". Deterministic like mqtt-fuzz.ts.
import { connect as tcpConnect } from 'node:net';
import { mulberry32, streamSeed } from '../../../simulators/scenario/random.ts';
import { randomJson } from './mqtt-fuzz.ts';

export interface HttpFuzzOptions {
  host: string;
  port: number;
  seed: number;
  requests: number;
  /** requests in flight at once */
  concurrency: number;
  /** an estate id, a device id with its token, an admin session: requests reach the handlers behind auth */
  estate: string;
  device: { id: string; token: string };
  adminToken: string;
}

export type HttpFuzzClass = 'bad-json' | 'wrong-types' | 'huge' | 'content-type' | 'path' | 'auth' | 'raw';

export interface HttpAnswer {
  cls: HttpFuzzClass;
  /** what was sent, for a failure message */
  request: string;
  status: number;
  contentType: string;
  /** a JSON object with a string `error` */
  jsonError: boolean;
  json: boolean;
  /** a body went out (fetch sends none with GET) */
  withBody: boolean;
  ms: number;
}

export interface HttpFuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  answers: HttpAnswer[];
  ms: number;
}

type R = () => number;
const int = (r: R, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
const pick = <T>(r: R, items: readonly T[]): T => items[Math.floor(r() * items.length)];

/** Every API route (method, path template), from server/**: routes a new module adds belong here too. */
export const API_ROUTES: Array<[string, string]> = [
  ['POST', '/auth/login'],
  ['POST', '/devices/:device/:kind'],
  ['POST', '/devices/:device/webhooks/plate-results'],
  ['POST', '/wallscreen/session'],
  ['GET', '/me'],
  ['POST', '/devices'],
  ['POST', '/users'],
  ['GET', '/estates'],
  ['GET', '/estates/:estate'],
  ['GET', '/estates/:estate/events'],
  ['GET', '/estates/:estate/alerts'],
  ['GET', '/estates/:estate/alerts/:id'],
  ['GET', '/estates/:estate/alerts/report'],
  ['POST', '/estates/:estate/alerts/:id/acknowledge'],
  ['POST', '/estates/:estate/alerts/:id/resolve'],
  ['GET', '/estates/:estate/alert-config'],
  ['PUT', '/estates/:estate/alert-config'],
  ['PUT', '/estates/:estate/alert-config/devices/:device'],
  ['PUT', '/estates/:estate/alert-config/zones/:zone'],
  ['GET', '/estates/:estate/device-health'],
  ['GET', '/estates/:estate/car-parks'],
  ['GET', '/estates/:estate/car-parks/:carPark/corrections'],
  ['PUT', '/estates/:estate/car-parks/:carPark/capacity'],
  ['PUT', '/estates/:estate/car-parks/:carPark/occupancy'],
  ['GET', '/estates/:estate/gates'],
  ['GET', '/estates/:estate/vehicles/check'],
  ['GET', '/estates/:estate/vehicles/sessions'],
  ['GET', '/estates/:estate/vehicles/settings'],
  ['PUT', '/estates/:estate/vehicles/settings'],
  ['GET', '/estates/:estate/vehicles/residents'],
  ['POST', '/estates/:estate/vehicles/residents'],
  ['POST', '/estates/:estate/vehicles/residents/import'],
  ['PUT', '/estates/:estate/vehicles/residents/:id'],
  ['DELETE', '/estates/:estate/vehicles/residents/:id'],
  ['POST', '/estates/:estate/vehicles/visitors'],
  ['PUT', '/estates/:estate/vehicles/visitors/:id'],
  ['POST', '/estates/:estate/vehicles/blacklist'],
  ['PUT', '/estates/:estate/vehicles/blacklist/:id'],
  ['GET', '/estates/:estate/patrol/routes'],
  ['PUT', '/estates/:estate/patrol/routes/:route'],
  ['DELETE', '/estates/:estate/patrol/routes/:route'],
  ['GET', '/estates/:estate/patrol/tours'],
  ['GET', '/estates/:estate/patrol/tours/:tour'],
  ['POST', '/estates/:estate/patrol/tours/:tour/cancel'],
  ['GET', '/estates/:estate/patrol/checkins'],
  ['GET', '/estates/:estate/patrol/report'],
  ['GET', '/estates/:estate/patrol/photos/:device/:id'],
  ['PUT', '/patrol/photos/:id'],
  ['GET', '/patrol/me'],
  ['GET', '/no/such/endpoint'],
];

const KINDS = ['checkin', 'camera', 'vehicle', 'position', 'status', 'nope'];
const ODD_SEGMENTS = ['%', '%zz', '%00', '%C0%AF', '..', '%2e%2e', 'a'.repeat(3000), '浙A12345', '%E6%B5%99', '\u0000'.replace('\u0000', '%00'), '*', ' '.replace(' ', '%20')];

function path(r: R, template: string, o: HttpFuzzOptions, odd: boolean): string {
  return template.replace(/:(\w+)/g, (_m, name: string) => {
    if (odd && r() < 0.5) return pick(r, ODD_SEGMENTS);
    if (name === 'estate') return r() < 0.9 ? o.estate : 'no-such-estate';
    if (name === 'device') return r() < 0.8 ? o.device.id : 'fuzz-nobody';
    if (name === 'kind') return pick(r, KINDS);
    return pick(r, ['1', 'x', '0', '-1', '99999999999999999999', 'garden-round', 'night@2026-11-27T22:00']);
  });
}

interface Planned {
  cls: HttpFuzzClass;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** raw bytes instead of fetch */
  raw?: Buffer;
}

function plan(r: R, o: HttpFuzzOptions): Planned {
  const [method, template] = pick(r, API_ROUTES);
  const cls = pick(r, ['bad-json', 'wrong-types', 'wrong-types', 'huge', 'content-type', 'path', 'auth', 'raw'] as const);
  const ingest = template.startsWith('/devices/:device');
  const bearer = ingest ? o.device.token : o.adminToken;
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
  const p = `/api/v1${path(r, template, o, cls === 'path')}`;
  const bodyMethod = method === 'GET' || method === 'DELETE' ? pick(r, ['POST', 'PUT', method]) : method;
  switch (cls) {
    case 'bad-json':
      return { cls, method: bodyMethod, path: p, headers, body: pick(r, ['{', '{"id":', '[1,2', '{"a":1}}', "{'a':1}", 'NaN', '{"a":undefined}', '\u0000', '{"id":"x"', '\ufeff{"a":1']) };
    case 'wrong-types':
      return { cls, method: bodyMethod, path: p, headers, body: JSON.stringify(randomJson(r)) ?? 'null' };
    case 'huge':
      return { cls, method: bodyMethod, path: p, headers, body: Buffer.alloc(pick(r, [70_000, 200_000, 1_100_000, 3_000_000]), pick(r, [0x20, 0x7b, 0x61])) };
    case 'content-type': {
      const h = { ...headers, 'content-type': pick(r, ['text/html', 'application/json; charset=utf-16', 'application/json; charset=latin-9', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '']) };
      if (r() < 0.4) Object.assign(h, { 'content-encoding': pick(r, ['gzip', 'deflate', 'br', 'identity, gzip', 'x-unknown']) });
      return { cls, method: bodyMethod, path: p, headers: h, body: pick(r, ['{"a":1}', 'a=1&b=2', '\x1f\x8b\x08\x00garbage', '--x\r\n\r\n']) };
    }
    case 'path':
      return { cls, method: pick(r, [method, method, 'PATCH', 'OPTIONS']), path: p + pick(r, ['', '?from=x&to=y&limit=-1', '?limit=1e999', '?kind=%', '?a[b]=1', '?from=' + '9'.repeat(400)]), headers };
    case 'auth': {
      const h: Record<string, string> = { ...headers, authorization: pick(r, ['', 'Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', `Bearer ${bearer}x`, `bearer ${bearer}`, 'Bearer ses_' + 'A'.repeat(500), 'Bearer \u00ff']) };
      if (!h.authorization) delete h.authorization;
      return { cls, method: bodyMethod, path: p, headers: h, body: JSON.stringify(randomJson(r)) ?? '{}' };
    }
    default: {
      // malformed HTTP, over a raw socket: request lines, headers, lengths and chunking that no fetch would send
      const lines = [
        `${method} ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}`,
        `${method} ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}`,
        `${method} ${p} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
        `${method} ${p} HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n`,
        `${method} ${p} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        `${method} ${p} HTTP/9.9\r\nHost: x\r\n\r\n`,
        `BREW ${p} HTTP/1.1\r\nHost: x\r\n\r\n`,
        `${method} ${p}\r\n\r\n`,
        `${method} /api/v1/\u00e9\u0001 HTTP/1.1\r\nHost: x\r\n\r\n`,
        `${method} ${p} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${bearer}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{`,
      ];
      return { cls, method, path: p, headers: {}, raw: Buffer.from(pick(r, lines), 'latin1') };
    }
  }
}

async function sendRaw(o: HttpFuzzOptions, bytes: Buffer): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: o.host, port: o.port });
    let data = Buffer.alloc(0);
    const finish = () => {
      const text = data.toString('latin1');
      const head = text.split('\r\n\r\n')[0];
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /\r\ncontent-type: *([^\r\n]*)/i.exec(head)?.[1] ?? '';
      resolve({ status, contentType, body: Buffer.from(text.slice(head.length + 4), 'latin1').toString('utf8') });
    };
    // the server answers and closes (or, for a request it cannot end, answers and waits): read one answer
    const bound = setTimeout(() => socket.destroy(), 5000);
    socket.on('data', (d) => {
      data = Buffer.concat([data, d]);
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
      if (end >= 0 && length !== undefined && data.length >= end + 4 + Number(length)) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(bound);
      finish();
    });
    socket.write(bytes);
    socket.end();
  });
}

export async function fuzzHttp(o: HttpFuzzOptions): Promise<HttpFuzzReport> {
  const started = performance.now();
  const answers: HttpAnswer[] = [];
  let next = 0;
  const base = `http://${o.host}:${o.port}`;
  const one = async (n: number) => {
    const r = mulberry32(streamSeed(o.seed, `http:${n}`));
    const req = plan(r, o);
    const what = `${req.cls}: ${req.raw ? JSON.stringify(req.raw.toString('latin1').slice(0, 160)) : `${req.method} ${req.path.slice(0, 160)} ${JSON.stringify(req.headers).slice(0, 200)} body ${typeof req.body === 'string' ? JSON.stringify(req.body.slice(0, 80)) : req.body ? `${req.body.length} bytes` : '-'}`}`;
    const t0 = performance.now();
    let status = 0;
    let contentType = '';
    let text = '';
    if (req.raw) ({ status, contentType, body: text } = await sendRaw(o, req.raw));
    else {
      try {
        const res = await fetch(base + req.path, { method: req.method, headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : (req.body as BodyInit | undefined), signal: AbortSignal.timeout(20_000) });
        status = res.status;
        contentType = res.headers.get('content-type') ?? '';
        text = await res.text();
      } catch (err) {
        text = String((err as Error).cause ?? err);
      }
    }
    let json = false;
    let jsonError = false;
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      json = true;
      jsonError = typeof parsed === 'object' && parsed !== null && typeof parsed.error === 'string';
    } catch {
      /* not JSON */
    }
    const withBody = req.raw !== undefined || (req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD');
    answers.push({ cls: req.cls, request: what, status, contentType, json, jsonError, withBody, ms: performance.now() - t0 });
  };
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < o.requests) await one(next++);
    }),
  );
  const byStatus: Record<string, number> = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  return { requests: answers.length, byStatus, answers, ms: performance.now() - started };
}

/** The answers that break the contract: a 5xx, no answer, a refusal that is not a JSON `{error}`, or HTML. */
export function badAnswers(report: HttpFuzzReport): HttpAnswer[] {
  return report.answers.filter((a) => {
    if (a.status === 0 || a.status >= 500) return true;
    if (/html/i.test(a.contentType)) return true;
    if (a.status >= 400) return !a.jsonError || !/json/i.test(a.contentType);
    // a 2xx/3xx is only right for a request that may be valid: a GET (its body is not sent), a random
    // body that happens to fit, a body in another content type that a route without one ignores, an odd
    // but valid path or query, an authorisation header that still reads. Bad JSON and huge bodies never are.
    return a.withBody && (a.cls === 'bad-json' || a.cls === 'huge' || a.cls === 'raw');
  });
}
