// The alerts service over a real (in-memory) SQLite store: de-duplication, flapping, storms and their
// incidents, cascades, on-site proof, coalesced repeats, and state that a new service reads back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert, AlertUpsert } from '../../protocol/index.ts';
import { mergeEstateParams, type EstateParams } from '../../server/alerts/params.ts';
import { AlertService } from '../../server/alerts/service.ts';
import type { AlertInput } from '../../server/alerts/sink.ts';
import { AlertStore } from '../../server/alerts/store.ts';
import { openDb, type Db } from '../../server/store/db.ts';
import { event } from './fixtures.ts';

const T0 = Date.parse('2026-11-27T14:00:00Z');
const MIN = 60_000;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

let db: Db;
let published: AlertUpsert[];
let params: EstateParams;

function service(): AlertService {
  return new AlertService({ store: new AlertStore(db), params: (e) => (e === 'test' ? params : null), publish: (u) => published.push(u), log: quiet });
}

const input = (over: Partial<AlertInput> = {}): AlertInput => ({
  estate: 'test', source: 'cam-1', type: 'device_offline', severity: 'major', title: 'Offline', titleZh: '离线', x: 0, y: 0, at: T0, ...over,
});

beforeEach(() => {
  db = openDb(':memory:');
  published = [];
  params = mergeEstateParams({ stormThreshold: 3, stormWindowSec: 60 });
});
afterEach(() => db.close());

describe('alerts service', () => {
  it('keeps one open alert per (source, type), coalescing repeats into one upsert per flush', () => {
    const s = service();
    s.raise(input(), T0);
    for (let i = 1; i <= 5; i++) s.raise(input({ at: T0 + i }), T0 + i);
    expect(published.map((p) => p.change)).toEqual(['raised']);
    s.flush();
    expect(published.map((p) => p.change)).toEqual(['raised', 'repeated']);
    expect(published[1]).toMatchObject({ count: 6, lastSeen: T0 + 5, version: 6 });
    expect(s.unresolvedIn('test')).toHaveLength(1);
    expect(db.prepare("SELECT count(*) FROM alerts").pluck().get()).toBe(1);
    // a different type from the same source is a different alert
    s.raise(input({ type: 'tamper' }), T0);
    expect(s.unresolvedIn('test')).toHaveLength(2);
  });

  it('rejects malformed input and unknown estates without throwing', () => {
    const s = service();
    s.raise({ ...input(), severity: 'urgent' as never }, T0);
    s.raise({ ...input(), title: '' }, T0);
    s.raise(input({ estate: 'elsewhere' }), T0);
    s.raise(input({ type: 'incident' }), T0);
    expect(published).toEqual([]);
  });

  it('auto-clears, reopens a quick return with the same clock, and opens anew after the window', () => {
    const s = service();
    s.raise(input(), T0);
    const first = published[0];
    s.clear('test', 'cam-1', 'device_offline', T0 + MIN, T0 + MIN);
    expect(published[1]).toMatchObject({ change: 'auto_cleared', status: 'resolved', resolution: 'auto_cleared' });
    s.raise(input({ at: T0 + 2 * MIN }), T0 + 2 * MIN);
    expect(published[2]).toMatchObject({ change: 'reopened', id: first.id, status: 'open', onSiteDue: first.onSiteDue });
    s.clear('test', 'cam-1', 'device_offline', T0 + 3 * MIN, T0 + 3 * MIN);
    s.tick(T0 + 3 * MIN + params.reopenWindowSec * 1000 + 1);
    s.raise(input({ at: T0 + 20 * MIN }), T0 + 20 * MIN);
    expect(published.at(-1)).toMatchObject({ change: 'raised' });
    expect(published.at(-1)!.id).not.toBe(first.id);
  });

  it('groups a storm into one incident published first, members already grouped; operator actions cascade', () => {
    const s = service();
    s.raise(input({ source: 'cam-1', x: 0 }), T0);
    s.raise(input({ source: 'cam-2', x: 10 }), T0 + 1000);
    expect(published.every((p) => p.incident === undefined)).toBe(true);
    s.raise(input({ source: 'cam-3', x: 20 }), T0 + 2000);
    const incident = published.find((p) => p.type === 'incident')!;
    expect(incident).toMatchObject({ change: 'raised', members: 3, x: 10, titleZh: '告警风暴：设备离线 ×3' });
    const third = published.find((p) => p.source === 'cam-3')!;
    expect(third).toMatchObject({ change: 'raised', incident: incident.id });
    expect(published.filter((p) => p.change === 'grouped').map((p) => p.source)).toEqual(['cam-1', 'cam-2']);
    // the storm goes on: the fourth joins
    s.raise(input({ source: 'cam-4', x: 30 }), T0 + 30_000);
    expect(published.at(-1)).toMatchObject({ source: 'cam-4', incident: incident.id });
    expect(s.get(incident.id)).toMatchObject({ members: 4, titleZh: '告警风暴：设备离线 ×4' });

    published = [];
    const acked = s.act(incident.id, { kind: 'acknowledge' }, 'wang', T0 + MIN);
    expect(acked && 'alert' in acked && acked.alert.status).toBe('acknowledged');
    expect(published.map((p) => `${p.source}:${p.change}`).sort()).toEqual(
      ['cam-1:acknowledged', 'cam-2:acknowledged', 'cam-3:acknowledged', 'cam-4:acknowledged', `device_offline:${incident.id}:acknowledged`].sort(),
    );
    expect(s.act(incident.id, { kind: 'acknowledge' }, 'li', T0 + MIN)).toMatchObject({ refused: true, reason: 'already_acknowledged' });
    s.act(incident.id, { kind: 'resolve', note: 'switch replaced' }, 'wang', T0 + 2 * MIN);
    expect(s.unresolvedIn('test')).toEqual([]);
    const log = new AlertStore(db).log(third.id);
    expect(log.map((e) => e.action)).toEqual(['raised', 'grouped', 'acknowledged', 'resolved']);
    expect(log[3]).toMatchObject({ actor: 'wang', detail: { via: incident.id } });
  });

  it('members do not escalate on their own; the incident does; the incident clears itself when its members have', () => {
    const s = service();
    for (let i = 1; i <= 3; i++) s.raise(input({ source: `cam-${i}` }), T0 + i);
    const incident = published.find((p) => p.type === 'incident')!;
    published = [];
    s.tick(T0 + 5 * MIN + 10);
    expect(published.map((p) => `${p.type}:${p.change}`)).toEqual(['incident:escalated']);
    for (let i = 1; i <= 3; i++) s.clear('test', `cam-${i}`, 'device_offline', T0 + 6 * MIN, T0 + 6 * MIN);
    expect(s.get(incident.id)).toMatchObject({ status: 'resolved', resolution: 'auto_cleared' });
  });

  it('a guard near a member proves the incident on site too', () => {
    const s = service();
    for (let i = 1; i <= 3; i++) s.raise(input({ source: `cam-${i}`, x: i * 100, y: 0 }), T0);
    const incident = published.find((p) => p.type === 'incident')!;
    s.onSite(event('checkin', 'hh-1', { guard: 'G01', checkpoint: 'CP-01', method: 'nfc' }, { ts: T0 + 2 * MIN, x: 305, y: 0 }), T0 + 2 * MIN);
    expect(s.get(incident.id)).toMatchObject({ onSiteBy: 'G01', onSiteAt: T0 + 2 * MIN });
    expect(s.unresolvedIn('test').filter((a) => a.onSiteAt !== undefined).map((a) => a.source).sort()).toEqual(['cam-3', `device_offline:${incident.id}`]);
  });

  it('stores everything a new service needs: open alerts, their keys and their clocks', () => {
    const s = service();
    s.raise(input(), T0);
    s.act(published[0].id, { kind: 'acknowledge' }, 'wang', T0 + MIN);
    s.raise(input({ at: T0 + 2 * MIN }), T0 + 2 * MIN);
    s.flush();
    const again = service();
    const [a] = again.unresolvedIn('test') as Alert[];
    expect(a).toMatchObject({ status: 'acknowledged', count: 2, onSiteDue: T0 + 5 * MIN });
    published = [];
    again.raise(input({ at: T0 + 3 * MIN }), T0 + 3 * MIN);
    again.tick(T0 + 5 * MIN);
    // the escalation carries the repeat with it: one upsert, not two
    expect(published.map((p) => p.change)).toEqual(['escalated']);
    expect(published[0]).toMatchObject({ id: a.id, escalation: 1, count: 3 });
  });

  it('with group commit, writes one turn\'s changes in one transaction and publishes after it', async () => {
    const store = new AlertStore(db);
    let transactions = 0;
    const save = store.save;
    Object.assign(store, { save: (...args: Parameters<typeof save>) => (transactions++, save(...args)) });
    const s = new AlertService({ store, params: () => params, publish: (u) => published.push(u), log: quiet, groupCommit: true });
    s.raise(input({ source: 'a' }), T0);
    s.raise(input({ source: 'b', type: 'tamper' }), T0);
    expect(published).toEqual([]);
    expect(s.get(s.unresolvedIn('test')[0].id)).toBeDefined();
    await new Promise((r) => setImmediate(r));
    expect(transactions).toBe(1);
    expect(published.map((p) => p.source)).toEqual(['a', 'b']);
    // an operator's action is committed before act() returns
    const acted = s.act(published[0].id, { kind: 'acknowledge' }, 'wang', T0 + 1);
    expect(acted && 'alert' in acted).toBe(true);
    expect(transactions).toBe(2);
    expect(new AlertStore(db).get(published[0].id)?.status).toBe('acknowledged');
  });

  it('keeps changes it could not store and publishes nothing until they are stored', () => {
    const store = new AlertStore(db);
    const save = store.save;
    let fail = true;
    Object.assign(store, { save: (...args: Parameters<typeof save>) => { if (fail) throw new Error('SQLITE_FULL'); return save(...args); } });
    const errors: string[] = [];
    const s = new AlertService({ store, params: () => params, publish: (u) => published.push(u), log: { ...quiet, error: (l: string) => errors.push(l) } });
    s.raise(input(), T0);
    expect(published).toEqual([]);
    expect(errors[0]).toMatch(/SQLITE_FULL/);
    fail = false;
    s.tick(T0 + 1000);
    expect(published.map((p) => p.change)).toEqual(['raised']);
    expect(new AlertStore(db).get(published[0].id)).toMatchObject({ status: 'open' });
  });
});
