// The resident's unsent report, kept on the phone (IndexedDB, photos as Blobs) as they type: a
// dropped connection, a reload or a phone call in the middle loses nothing, and the report is still
// there to send when the network is back. One draft per estate; removed once the server took it.
import { idbStore } from '../app/idb-store.ts';

export interface DraftPhoto {
  /** stable within the draft (React key, removal) */
  key: string;
  name: string;
  type: string;
  blob: Blob;
}

export interface ReportDraft {
  estate: string;
  building: string;
  /** where in the building (optional, all as typed): storey ("3", "B1"), the registry's unit and room; absent in drafts kept before they existed */
  floor?: string;
  unit?: string;
  room?: string;
  category: string;
  description: string;
  name: string;
  phone: string;
  photos: DraftPhoto[];
  /** the request's client id: a resend after a lost answer is the same request, not a second one */
  clientId: string;
  savedAt: number;
}

// one store: smart-estate-report / drafts, keyed by estate
const run = idbStore('smart-estate-report', 'drafts', 'estate');

export const drafts = {
  load: (estate: string): Promise<ReportDraft | null> => run<ReportDraft | undefined>('readonly', (s) => s.get(estate) as IDBRequest<ReportDraft | undefined>).then((d) => d ?? null, () => null),
  /** best effort: a private window without IndexedDB still sends, it only cannot keep a draft */
  save: (draft: ReportDraft): Promise<void> => run('readwrite', (s) => s.put(draft)).then(() => undefined, () => undefined),
  remove: (estate: string): Promise<void> => run('readwrite', (s) => s.delete(estate)).then(() => undefined, () => undefined),
};

/** Unique without a secure context (crypto.randomUUID needs https): time + 64 random bits. */
export function newClientId(now = Date.now()): string {
  const random = new Uint8Array(8);
  crypto.getRandomValues(random);
  return `r-${now.toString(36)}-${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Does the draft hold anything worth keeping? */
export function isBlank(d: Pick<ReportDraft, 'description' | 'photos' | 'name' | 'phone' | 'floor' | 'unit' | 'room'>): boolean {
  return !d.description.trim() && d.photos.length === 0 && !d.name.trim() && !d.phone.trim() && !d.floor?.trim() && !d.unit?.trim() && !d.room?.trim();
}

/**
 * The floor, unit and room fields a draft sends: only with a building (they say where in it), only
 * those filled in, trimmed. The server checks them against the building (400 with a PLACE_REASONS reason).
 */
export function placeFields(d: Pick<ReportDraft, 'building' | 'floor' | 'unit' | 'room'>): { floor?: string; unit?: string; room?: string } {
  if (!d.building) return {};
  const out: { floor?: string; unit?: string; room?: string } = {};
  for (const k of ['floor', 'unit', 'room'] as const) {
    const v = d[k]?.trim();
    if (v) out[k] = v;
  }
  return out;
}
