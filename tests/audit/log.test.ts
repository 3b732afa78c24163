import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../server/store/db.ts';
import { queryAudit, recordAudit } from '../../server/audit/log.ts';

describe('audit log', () => {
  let dir: string;
  let db: Db;
  afterEach(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = () => {
    dir = mkdtempSync(join(tmpdir(), 'se-audit-'));
    db = openDb(join(dir, 'smart-estate.db'));
  };

  it('appends entries and reads them newest first with filters', () => {
    open();
    recordAudit(db, { actor: 'admin', source: '127.0.0.1', action: 'device.add', estate: 'garden', target: 'hh-1', summary: { kind: 'patrol' }, at: 1000 });
    recordAudit(db, { actor: 'wang', source: '10.0.0.9', action: 'alert.ack', estate: 'garden', target: '7', at: 2000 });
    recordAudit(db, { actor: 'admin', action: 'device.revoke', estate: 'lake', target: 'cam-2', at: 3000 });
    expect(queryAudit(db).map((r) => r.action)).toEqual(['device.revoke', 'alert.ack', 'device.add']);
    expect(queryAudit(db, { action: 'device.' }).map((r) => r.target)).toEqual(['cam-2', 'hh-1']);
    expect(queryAudit(db, { estates: ['garden'], actor: 'admin' })).toMatchObject([{ target: 'hh-1', summary: { kind: 'patrol' }, source: '127.0.0.1' }]);
    expect(queryAudit(db, { from: 1500, to: 3000 }).map((r) => r.actor)).toEqual(['wang']);
    expect(queryAudit(db, { estates: [] })).toEqual([]);
  });

  it('refuses updates and deletes: the table is append-only', () => {
    open();
    recordAudit(db, { actor: 'admin', action: 'user.add', target: 'li' });
    expect(() => db.prepare("UPDATE audit_log SET actor = 'x'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(queryAudit(db)).toHaveLength(1);
  });
});
