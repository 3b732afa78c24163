// The generated demo district (smart-estate demo --district [--seed N]): 示范区 with 2 streets, 5
// communities, 3 property companies plus the state-owned fallback company running ownerless blocks
// (无主楼院), ≥ 40 estates with buildings and a few simulated devices each. Deterministic for a seed.
// The assembly sits above the capabilities it seeds (org, store), like demo.ts.
import { createRng } from '../../simulators/scenario/random.ts';
import type { SimDevice } from '../../simulators/index.ts';
import { localFrame, type EstateSummary } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { addDevice } from '../store/devices.ts';
import { upsertBuilding, upsertEstate } from '../store/estates.ts';
import { assignCompany, placeEstate, upsertCompany, upsertUnit, type Actor } from '../org/store.ts';

export const DISTRICT_ID = 'demo-district';
const WHO: Actor = { actor: 'demo', source: 'cli' };
const ORIGIN = { lat: 30.25, lon: 120.16 };

const STREETS = [
  { id: 'street-east', name: 'East Street', nameZh: '东湖街道', communities: [['comm-lake', 'Lakeside', '湖畔社区'], ['comm-willow', 'Willow', '柳岸社区'], ['comm-bridge', 'Bridge', '拱桥社区']] },
  { id: 'street-west', name: 'West Street', nameZh: '西山街道', communities: [['comm-pine', 'Pine Hill', '松岭社区'], ['comm-tea', 'Tea Garden', '茶园社区']] },
] as const;
const COMPANIES = [
  { id: 'co-lvcheng', name: 'Greentown Property', nameZh: '绿城物业' },
  { id: 'co-anju', name: 'Anju Services', nameZh: '安居物业' },
  { id: 'co-hexie', name: 'Hexie Property', nameZh: '和谐物业' },
];
const FALLBACK = { id: 'co-state', name: 'State Property Group', nameZh: '国资物业集团', fallback: true };
const NAMES = ['春晖', '金桂', '翠苑', '紫荆', '锦绣', '枫林', '海棠', '明月', '丹桂', '秋涛', '望江', '兰亭', '玉泉', '景芳', '朝晖', '文晖', '嘉禾', '和睦'];

export interface DistrictDemo {
  estates: EstateSummary[];
  /** devices to simulate (a few per estate; some estates have none connected, to show "unknown") */
  credentials: SimDevice[];
}

/** Creates (again: it updates) the demo district; every simulated device gets a fresh token. */
export function provisionDistrict(db: Db, options: { seed?: number; estatesPerCommunity?: number; ownerlessPerCommunity?: number } = {}): DistrictDemo {
  const rng = createRng(options.seed ?? 1, 'district');
  const perCommunity = options.estatesPerCommunity ?? 7;
  const ownerless = options.ownerlessPerCommunity ?? 2;
  const estates: EstateSummary[] = [];
  const credentials: SimDevice[] = [];
  db.transaction(() => {
    upsertUnit(db, { id: DISTRICT_ID, kind: 'district', name: 'Demo District', nameZh: '示范区' }, WHO);
    for (const c of COMPANIES) upsertCompany(db, c, WHO);
    upsertCompany(db, FALLBACK, WHO);
    let n = 0;
    STREETS.forEach((street, si) => {
      upsertUnit(db, { id: street.id, kind: 'street', name: street.name, nameZh: street.nameZh, parent: DISTRICT_ID }, WHO);
      street.communities.forEach(([cid, cname, cnameZh], ci) => {
        upsertUnit(db, { id: cid, kind: 'community', name: cname, nameZh: cnameZh, parent: street.id }, WHO);
        // communities sit on a grid, their estates scattered within ~600 m
        const clat = ORIGIN.lat + si * 0.03 + (ci % 2) * 0.012;
        const clon = ORIGIN.lon + ci * 0.018 + si * 0.004;
        for (let k = 0; k < perCommunity + ownerless; k++) {
          const isOwnerless = k >= perCommunity;
          const id = `${cid.replace('comm-', '')}-${isOwnerless ? 'b' : 'e'}${k + 1}`;
          const base = NAMES[n++ % NAMES.length];
          const estate: EstateSummary = {
            id, name: isOwnerless ? `${cname} block ${k + 1}` : `${cname} ${k + 1}`, nameZh: isOwnerless ? `${cnameZh}无主楼院${k - perCommunity + 1}号` : `${base}${isOwnerless ? '' : '小区'}`,
            lat: Number((clat + rng.between(-0.005, 0.005)).toFixed(6)), lon: Number((clon + rng.between(-0.006, 0.006)).toFixed(6)), timezone: 'Asia/Shanghai',
          };
          upsertEstate(db, estate);
          placeEstate(db, id, { community: cid, kind: isOwnerless ? 'ownerless' : 'estate' }, WHO);
          assignCompany(db, id, isOwnerless ? FALLBACK.id : COMPANIES[(si * 3 + ci + k) % COMPANIES.length].id, WHO);
          const buildings = isOwnerless ? 1 : rng.int(3, 8);
          for (let b = 0; b < buildings; b++) {
            const x = (b % 4) * 40 - 60 + rng.between(-4, 4);
            const y = Math.floor(b / 4) * 45 - 20 + rng.between(-4, 4);
            const w = rng.between(14, 24);
            const d = rng.between(10, 14);
            const floors = rng.int(isOwnerless ? 3 : 6, isOwnerless ? 6 : 18);
            upsertBuilding(db, id, {
              id: `b${b + 1}`, name: `${b + 1}幢`, use: 'residential', floors, height: floors * 3, minHeight: 0,
              polygons: [[[[x, y], [x + w, y], [x + w, y + d], [x, y + d], [x, y]]]], center: [x + w / 2, y + d / 2],
            });
          }
          estates.push(estate);
          // one estate per community keeps its devices unconnected (shows as unknown); the rest simulate
          const devices = isOwnerless ? [['sensor', 0, 0]] : [['camera', -70, -30], ['camera', 70, 40], ['sensor', 0, 0]];
          const frame = localFrame(estate);
          for (const [kind, x, y] of devices as Array<['camera' | 'sensor', number, number]>) {
            const did = `${id}-${kind}-${x < 0 ? 'w' : x > 0 ? 'e' : 'c'}`;
            const token = addDevice(db, { estate: id, id: did, kind, name: `${estate.nameZh} ${kind}`, x, y, heading: kind === 'camera' ? 45 : null, fov: kind === 'camera' ? 90 : null }, { rotate: true });
            if (k === 1) continue;
            const [lon, lat] = frame.toLonLat(x, y);
            credentials.push({ id: did, token, kind, estate: id, lat, lon, heading: kind === 'camera' ? 45 : null, fov: kind === 'camera' ? 90 : null });
          }
        }
      });
    });
  })();
  return { estates, credentials };
}
