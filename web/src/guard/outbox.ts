// The offline queue (IndexedDB): every check-in goes here first, and leaves only after the broker's
// PUBACK, which the server sends after the journal commit. A reload, a crash or a dead battery in
// between loses nothing; a redelivery is dropped server-side by (device, id). Work-order actions
// (accept, on site, note, photo, pause, resume, resolve) queue here too, in the same order as the
// check-ins, and leave after the server's answer to POST /workorders/actions; a resend carries the
// same client-generated actionId, which the server applies once and answers the same every time.
import type { CheckinPayload } from '../../../protocol/schemas.ts';
import type { HandheldAction } from '../../../protocol/workorders.ts';
import { idbStore } from '../app/idb-store.ts';

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

// one store: smart-estate-guard / outbox, keyed by id
const run = idbStore('smart-estate-guard', 'outbox', 'id');

export const outbox = {
  add: (item: OutboxItem) => run('readwrite', (s) => s.put(item)).then(() => undefined),
  remove: (id: string) => run('readwrite', (s) => s.delete(id)).then(() => undefined),
  update: (item: OutboxItem) => run('readwrite', (s) => s.put(item)).then(() => undefined),
  /** oldest first */
  list: () => run<OutboxItem[]>('readonly', (s) => s.getAll() as IDBRequest<OutboxItem[]>).then((items) => items.sort((a, b) => a.queuedAt - b.queuedAt || (a.id < b.id ? -1 : 1))),
};
