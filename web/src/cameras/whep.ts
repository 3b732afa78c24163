// WHEP (RFC 9725) playback, the HTTP half: POST the SDP offer, get 201 + Location + the SDP answer;
// DELETE the Location to end the session. The RTCPeerConnection half is in CameraPlayer.tsx; this
// part takes any fetch so it is tested against a real HTTP server in Node.

export interface WhepSession {
  answer: string;
  /** the session resource (absolute URL), DELETEd on close; null if the server gave none */
  location: string | null;
  etag: string | null;
}

export class WhepError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export async function whepOffer(endpoint: string, offer: string, headers: Record<string, string>, fetcher: typeof fetch = fetch): Promise<WhepSession> {
  const res = await fetcher(endpoint, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/sdp', Accept: 'application/sdp' }, body: offer });
  if (res.status !== 201) {
    let reason = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: string };
      if (body.error) reason = body.error;
    } catch {
      // not JSON
    }
    throw new WhepError(reason, res.status);
  }
  const answer = await res.text();
  if (!answer.startsWith('v=')) throw new WhepError('the WHEP answer is not SDP', res.status);
  const location = res.headers.get('location');
  return { answer, location: location ? new URL(location, endpoint).href : null, etag: res.headers.get('etag') };
}

export async function whepClose(session: WhepSession, headers: Record<string, string>, fetcher: typeof fetch = fetch): Promise<boolean> {
  if (!session.location) return false;
  const res = await fetcher(session.location, { method: 'DELETE', headers });
  return res.ok;
}
