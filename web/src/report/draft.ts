// The resident's unsent report, kept on the phone (IndexedDB, photos as Blobs) as they type: a
// dropped connection, a reload or a phone call in the middle loses nothing, and the report is still
// there to send when the network is back. One draft per estate; removed once the server took it.

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

const DB_NAME = 'smart-estate-report';
const STORE = 'drafts';

let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'estate' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => {
      opening = null;
      reject(req.error ?? new Error('IndexedDB unavailable'));
    };
  });
  return opening;
}

function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const req = work(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = () => reject(tx.error ?? req.error ?? new Error('IndexedDB transaction failed'));
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      }),
  );
}

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
