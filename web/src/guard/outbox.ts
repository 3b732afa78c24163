// The offline queue (IndexedDB): every check-in goes here first, and leaves only after the broker's
// PUBACK, which the server sends after the journal commit. A reload, a crash or a dead battery in
// between loses nothing; a redelivery is dropped server-side by (device, id). Work-order actions
// (accept, on site, note, photo, pause, resume, resolve) queue here too, in the same order as the
// check-ins, and leave after the server's answer to POST /workorders/actions; a resend carries the
// same client-generated actionId, which the server applies once and answers the same every time.
import type { CheckinPayload } from '../../../protocol/schemas.ts';
import type { HandheldAction } from '../../../protocol/workorders.ts';

interface OutboxBase {
  /** the event id or action id (also the IndexedDB key) */
  id: string;
  /** order of the queue: when it was scanned / tapped */
  queuedAt: number;
  device: string;
  estate: string;
  /** last failure, shown to the guard */
  error?: string;
}

export interface CheckinItem extends OutboxBase {
  kind?: 'checkin';
  payload: CheckinPayload & { id: string; ts: number };
  /** a downscaled photo (data URL), uploaded before the check-in is published */
  photo?: { id: string; dataUrl: string };
}

export interface WorkItem extends OutboxBase {
  kind: 'work';
  action: HandheldAction;
}

export type OutboxItem = CheckinItem | WorkItem;

export const isCheckinItem = (item: OutboxItem): item is CheckinItem => item.kind !== 'work';
export const isWorkItem = (item: OutboxItem): item is WorkItem => item.kind === 'work';

const DB_NAME = 'smart-estate-guard';
const STORE = 'outbox';

let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
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
        // resolve on the transaction's completion: only then is a write durable
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = () => reject(tx.error ?? req.error ?? new Error('IndexedDB transaction failed'));
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      }),
  );
}

export const outbox = {
  add: (item: OutboxItem) => run('readwrite', (s) => s.put(item)).then(() => undefined),
  remove: (id: string) => run('readwrite', (s) => s.delete(id)).then(() => undefined),
  update: (item: OutboxItem) => run('readwrite', (s) => s.put(item)).then(() => undefined),
  /** oldest first */
  list: () => run<OutboxItem[]>('readonly', (s) => s.getAll() as IDBRequest<OutboxItem[]>).then((items) => items.sort((a, b) => a.queuedAt - b.queuedAt || (a.id < b.id ? -1 : 1))),
};
