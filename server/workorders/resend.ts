// A resident's resend after a lost answer is the same request, not a second one. The phone keeps a
// client id with its draft (web/src/report/draft.ts) and sends it with the report (form field
// `clientId`, or an `Idempotency-Key` header from other clients). The server remembers, per estate,
// the SHA-256 of that id, the order it made, and the tracking token sealed with a key derived from
// the id (AES-256-GCM): a resend with the same id gets the same receipt, token included, while the
// database alone (a backup, a stolen file) still holds no usable tracking link — only the phone does.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { HttpError } from '../api/errors.ts';

/** What a client id may look like: the draft's own `r-<time>-<hex>` and UUIDs both fit. */
export const CLIENT_ID = /^[A-Za-z0-9._:-]{8,100}$/;
/** How long a receipt is kept for resends (ms): a phone that was offline for a week still gets its own. */
export const RESEND_KEEP_MS = 30 * 86_400_000;

/** The request's client id from the form or the header; undefined when none; a 400 when malformed. */
export function clientIdOf(field: unknown, header: string | undefined): string | undefined {
  const raw = field ?? header;
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !CLIENT_ID.test(raw)) {
    throw new HttpError(400, 'clientId (or the Idempotency-Key header): 8–100 of A–Z a–z 0–9 . _ : -', { reason: 'bad_field' });
  }
  return raw;
}

/** The lookup key stored for a client id (never the id itself). */
export const clientHash = (estate: string, clientId: string): string => createHash('sha256').update(`lookup\0${estate}\0${clientId}`).digest('hex');

const boxKey = (estate: string, clientId: string) => createHash('sha256').update(`seal\0${estate}\0${clientId}`).digest();

/** The tracking token sealed so that only the holder of the client id can open it: iv.tag.ciphertext (base64url). */
export function sealToken(estate: string, clientId: string, token: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', boxKey(estate, clientId), iv);
  const body = Buffer.concat([c.update(token, 'utf8'), c.final()]);
  return [iv, c.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** The token back, or undefined when the box does not open with this id (tampered, or another id). */
export function openToken(estate: string, clientId: string, box: string): string | undefined {
  const [iv, tag, body] = box.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !body) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', boxKey(estate, clientId), iv);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(body), d.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
