// A check-in as the guard app builds it: the event id and the scan time are fixed at the moment of
// the scan, so however late and however often the queue delivers it, the server stores it once,
// with the time the guard was really there. Validated with the device contract's own schema.
import { checkinSchema, type CheckinPayload } from '../../../protocol/schemas.ts';
import { SOS_CHECKPOINT, photoRef } from '../../../protocol/patrol.ts';

export type CheckinMethod = 'qr' | 'manual' | 'nfc';

/** Unique without a secure context (crypto.randomUUID needs https): time + 48 random bits. */
export function newEventId(device: string, now: number): string {
  const random = new Uint8Array(6);
  crypto.getRandomValues(random);
  const hex = Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${device}-${now.toString(36)}-${hex}`.slice(0, 128);
}

export interface CheckinInput {
  device: string;
  guard: string;
  code: string;
  method: CheckinMethod;
  note?: string;
  /** an attached photo travels separately; the note carries its reference */
  photoId?: string;
  position?: { lat: number; lon: number };
  now: number;
}

export type BuiltCheckin = { ok: true; payload: CheckinPayload & { id: string; ts: number } } | { ok: false; error: string };

export function buildCheckin(input: CheckinInput): BuiltCheckin {
  const note = [input.note?.trim(), input.photoId ? photoRef(input.photoId) : ''].filter(Boolean).join(' ');
  const candidate = {
    id: newEventId(input.device, input.now),
    ts: input.now,
    guard: input.guard,
    checkpoint: input.code.trim(),
    method: input.method,
    ...(input.position ? { lat: input.position.lat, lon: input.position.lon } : {}),
    ...(note ? { note } : {}),
  };
  const parsed = checkinSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${issue.path.join('.') || 'check-in'}: ${issue.message}` };
  }
  return { ok: true, payload: { ...parsed.data, id: candidate.id, ts: candidate.ts } };
}

/** An SOS is a check-in at the reserved checkpoint `SOS` (docs/patrol.md explains why). */
export function buildSos(input: Omit<CheckinInput, 'code' | 'method' | 'photoId'>): BuiltCheckin {
  const note = `SOS${input.note?.trim() ? ` ${input.note.trim()}` : ''}`;
  return buildCheckin({ ...input, code: SOS_CHECKPOINT, method: 'manual', note });
}

/** Tag codes compared as the server compares them (case and separators ignored). */
export function sameCode(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().toUpperCase().replace(/[\s:-]/g, '');
  return norm(a) === norm(b);
}
