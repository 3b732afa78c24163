// Camera streams through the server: a real server, and a small media server on loopback (HLS
// playlist + segments behind Basic auth, a WHEP endpoint speaking RFC 9725's exchange). Proves the
// credentials stay on the server, only configured URLs are fetched, and the WHEP client's exchange.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whepClose, whepOffer } from '../../web/src/cameras/whep.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const AUTH = `Basic ${Buffer.from('viewer:s3cret').toString('base64')}`;

describe('camera streams', () => {
  let server: TestServer;
  let media: Server;
  let mediaUrl: string;
  let admin: string;
  let operator: string;
  const seen: Array<{ method: string; url: string; auth: string | undefined; body: string }> = [];

  beforeAll(async () => {
    media = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
        if (req.headers.authorization !== AUTH) return void res.writeHead(401).end();
        if (req.url === '/cam1/index.m3u8') {
          res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
          return void res.end(`#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:1,\nseg0.ts\n#EXTINF:1,\n${mediaUrl}/cam1/seg1.ts\n#EXTINF:1,\nhttp://evil.example/x.ts\n`);
        }
        if (req.url === '/cam1/seg0.ts') return void res.writeHead(200, { 'content-type': 'video/mp2t' }).end(Buffer.alloc(376, 0x47));
        if (req.url === '/cam1/snap.jpg' || req.url === '/api/events/42/snapshot.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
        if (req.url === '/cam1/whep' && req.method === 'POST') {
          if (req.headers['content-type'] !== 'application/sdp') return void res.writeHead(415).end();
          res.writeHead(201, { 'content-type': 'application/sdp', location: '/cam1/whep/session-7', etag: '"e1"' });
          return void res.end('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=answer\r\n');
        }
        if (req.url === '/cam1/whep/session-7' && req.method === 'DELETE') return void res.writeHead(200).end();
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => media.listen(0, '127.0.0.1', () => r()));
    mediaUrl = `http://127.0.0.1:${(media.address() as { port: number }).port}`;
    server = await startTestServer();
    server.addDevice('camera', 'cam1');
    server.addDevice('patrol', 'hh1');
    admin = await server.login(server.admin.username, server.admin.password);
    const op = server.addUser('op', 'operator', null);
    operator = await server.login(op.username, op.password);
    const creds = mediaUrl.replace('http://', 'http://viewer:s3cret@');
    const res = await server.api('/api/v1/estates/test/cameras/cam1/stream', { method: 'PUT', token: admin, body: { hls: `${creds}/cam1/index.m3u8`, whep: `${creds}/cam1/whep`, snapshot: `${creds}/cam1/snap.jpg` } });
    expect(res.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    media?.close();
  });

  it('keeps the credentials on the server and refuses bad settings with a reason', async () => {
    const got = await server.api('/api/v1/estates/test/cameras/cam1/stream', { token: operator });
    expect(got.status).toBe(200);
    expect(got.body.hls).toBe(`${mediaUrl}/cam1/index.m3u8`);
    expect(JSON.stringify(got.body)).not.toContain('s3cret');
    // only admins configure; URLs must be http(s); only cameras have streams
    expect((await server.api('/api/v1/estates/test/cameras/cam1/stream', { method: 'PUT', token: operator, body: { hls: `${mediaUrl}/x.m3u8` } })).status).toBe(403);
    const rtsp = await server.api('/api/v1/estates/test/cameras/cam1/stream', { method: 'PUT', token: admin, body: { hls: 'rtsp://10.0.0.5/stream1' } });
    expect(rtsp.status).toBe(400);
    expect(rtsp.body.reason).toBe('bad_url');
    expect((await server.api('/api/v1/estates/test/cameras/hh1/stream', { method: 'PUT', token: admin, body: { hls: `${mediaUrl}/x.m3u8` } })).body.reason).toBe('not_a_camera');
    // the audit row says what changed, not the URL (it holds a password)
    const audit = server.db.prepare("SELECT summary FROM audit_log WHERE action = 'camera.stream.set'").all() as Array<{ summary: string }>;
    expect(audit.length).toBe(1);
    expect(audit[0].summary).not.toContain('s3cret');
  });

  it('plays HLS through the proxy: playlist rewritten to our paths, segments fetched with the camera credentials', async () => {
    const playlist = await server.api('/api/v1/estates/test/cameras/cam1/hls', { token: operator });
    expect(playlist.status).toBe(200);
    const lines = String(playlist.body).split('\n');
    expect(lines).toContain('/api/v1/estates/test/cameras/cam1/hls/seg0.ts');
    expect(lines).toContain('/api/v1/estates/test/cameras/cam1/hls/seg1.ts');
    expect(lines).toContain('#EXT-X-MAP:URI="/api/v1/estates/test/cameras/cam1/hls/init.mp4"');
    // a URI elsewhere is left alone: the player fails on it, we never fetch it
    expect(lines).toContain('http://evil.example/x.ts');
    const seg = await fetch(`${server.url}/api/v1/estates/test/cameras/cam1/hls/seg0.ts`, { headers: { authorization: `Bearer ${operator}` } });
    expect(seg.status).toBe(200);
    expect((await seg.arrayBuffer()).byteLength).toBe(376);
    expect(seen.filter((s) => s.url.startsWith('/cam1/')).every((s) => s.auth === AUTH)).toBe(true);
    // without a session: nothing
    expect((await fetch(`${server.url}/api/v1/estates/test/cameras/cam1/hls/seg0.ts`)).status).toBe(401);
  });

  it('is no open proxy: paths outside the configured playlist and unconfigured snapshot URLs are refused', async () => {
    const before = seen.length;
    for (const path of ['..%2F..%2Fetc%2Fpasswd', 'http:%2F%2Fevil.example%2Fx', '%2F%2Fevil.example/x']) {
      const res = await server.api(`/api/v1/estates/test/cameras/cam1/hls/${path}`, { token: operator });
      expect(res.status, path).toBe(403);
      expect(res.body.reason).toBe('not_configured');
    }
    // an alert whose snapshot names an arbitrary URL: not fetched
    const insert = server.db.prepare("INSERT INTO alerts (id, estate, source, type, status, severity, severity_rank, tier, opened_at, body) VALUES (?, 'test', 'cam1', ?, 'open', 'major', 2, 'small', ?, ?)");
    insert.run(9001, 'intrusion', Date.now(), JSON.stringify({ id: 9001, device: 'cam1', detail: { snapshot: 'http://169.254.169.254/latest/meta-data/' } }));
    const refused = await server.api('/api/v1/estates/test/alerts/9001/snapshot', { token: operator });
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('not_configured');
    expect(seen.length).toBe(before);
    // a snapshot on the camera's configured media server (Frigate's event snapshot) is fetched, with its credentials
    insert.run(9002, 'loitering', Date.now(), JSON.stringify({ id: 9002, device: 'cam1', detail: { snapshot: `${mediaUrl}/api/events/42/snapshot.jpg` } }));
    const ok = await fetch(`${server.url}/api/v1/estates/test/alerts/9002/snapshot`, { headers: { authorization: `Bearer ${operator}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/jpeg');
    expect(seen.at(-1)!.auth).toBe(AUTH);
    const snap = await fetch(`${server.url}/api/v1/estates/test/cameras/cam1/snapshot`, { headers: { authorization: `Bearer ${operator}` } });
    expect([...new Uint8Array(await snap.arrayBuffer())]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
  });

  it('speaks WHEP (RFC 9725): offer → 201 + Location + answer, DELETE ends the session upstream', async () => {
    const headers = { authorization: `Bearer ${operator}` };
    const offer = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=offer\r\n';
    const session = await whepOffer(`${server.url}/api/v1/estates/test/cameras/cam1/whep`, offer, headers);
    expect(session.answer).toContain('s=answer');
    expect(session.etag).toBe('"e1"');
    // our own Location, not the media server's
    expect(session.location).toMatch(new RegExp(`^${server.url}/api/v1/estates/test/cameras/cam1/whep/\\d+$`));
    const post = seen.find((s) => s.method === 'POST' && s.url === '/cam1/whep')!;
    expect(post.body).toBe(offer);
    expect(await whepClose(session, headers)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/cam1/whep/session-7', auth: AUTH });
    // a second DELETE: the session is gone
    expect(await whepClose(session, headers)).toBe(false);
    await expect(whepOffer(`${server.url}/api/v1/estates/test/cameras/cam1/whep`, 'not sdp', headers)).rejects.toThrow(/SDP/);
  });
});
