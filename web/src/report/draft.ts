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
export function isBlank(d: Pick<ReportDraft, 'description' | 'photos' | 'name' | 'phone'>): boolean {
  return !d.description.trim() && d.photos.length === 0 && !d.name.trim() && !d.phone.trim();
}
