// A small district for the org tests: district d → streets s1, s2 → communities c1 (s1), c2 (s2);
// companies A, B and the fallback F; estates e1 (c1, A), e2 (c2, B), e3 (c1, B), o1 (c2, ownerless, F).
import type { Db } from '../../server/store/db.ts';
import { upsertEstate } from '../../server/store/estates.ts';
import { assignCompany, placeEstate, upsertCompany, upsertUnit } from '../../server/org/store.ts';

export const WHO = { actor: 'test' };
export const SINCE = Date.UTC(2026, 0, 1); // managed from 2026-01-01

export function seedDistrict(db: Db): void {
  upsertUnit(db, { id: 'd', kind: 'district', name: 'District', nameZh: '示范区' }, WHO);
  upsertUnit(db, { id: 's1', kind: 'street', name: 'Street 1', nameZh: '一街道', parent: 'd' }, WHO);
  upsertUnit(db, { id: 's2', kind: 'street', name: 'Street 2', nameZh: '二街道', parent: 'd' }, WHO);
  upsertUnit(db, { id: 'c1', kind: 'community', name: 'Community 1', nameZh: '一社区', parent: 's1' }, WHO);
  upsertUnit(db, { id: 'c2', kind: 'community', name: 'Community 2', nameZh: '二社区', parent: 's2' }, WHO);
  upsertCompany(db, { id: 'A', name: 'A Property', nameZh: '甲物业' }, WHO);
  upsertCompany(db, { id: 'B', name: 'B Property', nameZh: '乙物业' }, WHO);
  upsertCompany(db, { id: 'F', name: 'State Fallback', nameZh: '国资兜底', fallback: true }, WHO);
  const estates: Array<[string, string, string, 'estate' | 'ownerless']> = [['e1', 'c1', 'A', 'estate'], ['e2', 'c2', 'B', 'estate'], ['e3', 'c1', 'B', 'estate'], ['o1', 'c2', 'F', 'ownerless']];
  estates.forEach(([id, community, company, kind], i) => {
    upsertEstate(db, { id, name: id, nameZh: `小区${id}`, lat: 30.27 + i * 0.01, lon: 120.15, timezone: 'Asia/Shanghai' });
    placeEstate(db, id, { community, kind }, WHO);
    assignCompany(db, id, company, WHO, SINCE);
  });
}
