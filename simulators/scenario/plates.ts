// Chinese licence plates (车牌) as a plate camera reads them. Ordinary (blue) plates: province
// character, city letter, '·', five characters (digits, at most two letters, never I or O), e.g.
// 浙A·3K729. New-energy (green) plates of small cars: province, city letter, D (electric) or F
// (hybrid), five digits, e.g. 浙AD12345 — written without the dot, as the cameras in the field do.
import { createRng, type Rng } from './random.ts';

const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ'; // no I, O
const DIGITS = '0123456789';

/** Plate prefixes of the cities nearest an estate, and the visitors' usual origins. */
const CITIES: Array<{ prefix: string; lat: number; lon: number }> = [
  { prefix: '浙A', lat: 30.27, lon: 120.15 }, // Hangzhou
  { prefix: '沪A', lat: 31.23, lon: 121.47 }, // Shanghai
  { prefix: '苏A', lat: 32.06, lon: 118.8 }, // Nanjing
  { prefix: '京A', lat: 39.9, lon: 116.4 }, // Beijing
  { prefix: '粤A', lat: 23.13, lon: 113.26 }, // Guangzhou
  { prefix: '粤B', lat: 22.54, lon: 114.06 }, // Shenzhen
  { prefix: '川A', lat: 30.57, lon: 104.07 }, // Chengdu
  { prefix: '鄂A', lat: 30.59, lon: 114.31 }, // Wuhan
];
const VISITOR_PREFIXES = ['浙B', '浙C', '浙D', '浙E', '浙F', '浙G', '沪A', '沪B', '苏E', '苏A', '皖A', '赣A'];

/** The local plate prefix for an estate (nearest city in the table). */
export function localPrefix(lat: number, lon: number): string {
  let best = CITIES[0];
  for (const c of CITIES) if (Math.hypot(c.lat - lat, c.lon - lon) < Math.hypot(best.lat - lat, best.lon - lon)) best = c;
  return best.prefix;
}

export function ordinaryPlate(rng: Rng, prefix: string): string {
  let tail = '';
  let letters = 0;
  for (let i = 0; i < 5; i++) {
    const letter = letters < 2 && rng.chance(0.18);
    if (letter) letters++;
    tail += letter ? rng.pick([...LETTERS]) : rng.pick([...DIGITS]);
  }
  return `${prefix}·${tail}`;
}

export function newEnergyPlate(rng: Rng, prefix: string): string {
  let tail = rng.chance(0.8) ? 'D' : 'F';
  for (let i = 0; i < 5; i++) tail += rng.pick([...DIGITS]);
  return `${prefix}${tail}`;
}

/** A plate: local most of the time, new-energy with probability `greenShare`. */
export function randomPlate(rng: Rng, localPrefixValue: string, options: { localShare?: number; greenShare?: number } = {}): string {
  const prefix = rng.chance(options.localShare ?? 0.85) ? localPrefixValue : rng.pick(VISITOR_PREFIXES);
  return rng.chance(options.greenShare ?? 0.25) ? newEnergyPlate(rng, prefix) : ordinaryPlate(rng, prefix);
}

/** Accepts both forms above (the dot is optional, as readers differ). */
export const PLATE_PATTERN = /^[京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵云陕甘青蒙桂宁新藏][A-HJ-NP-Z](·?[A-HJ-NP-Z0-9]{5}|[DF][0-9]{5})$/;

// ---- the demo roster --------------------------------------------------------------------------------
// Who the demo gates see, shared by the simulators (traffic.ts drives these cars) and the server's demo
// seeding (which puts the same plates on the estate's vehicle lists), so decisions in the demo come out
// as they would on site: residents allowed, registered visitors allowed, strangers to review, the
// blacklist denied. Protocol-free constants: the simulators never import server code.

export interface RosterResident {
  plate: string;
  name: string;
  /** the demo estate's building name, 1号楼 … 27号楼 */
  building: string;
  room: string;
  /** underground garage space */
  space: string;
  /** in the garage when the simulation starts */
  parked: boolean;
}

export interface RosterVisitor {
  plate: string;
  name: string;
  host: string;
  /** the pass starts an hour before seeding and lasts this long after it; a few are short, to show overstay */
  hours: number;
}

export interface DemoRoster {
  residents: RosterResident[];
  visitors: RosterVisitor[];
  blacklist: Array<{ plate: string; reason: string }>;
}

export const DEMO_RESIDENT_CARS = 150;
export const DEMO_VISITORS = 40;
const RESIDENTIAL_BUILDINGS = 27;
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '霞', '平', '刚', '桂英', '建华', '志强', '晓燕', '海燕', '文', '斌', '宇', '浩'];
const BLACKLIST_REASONS = ['欠缴停车费（unpaid parking fees）', '曾强行闯闸（forced the barrier）', '公安协查车辆（police watch list）'];

const personName = (rng: Rng) => rng.pick([...SURNAMES]) + rng.pick(GIVEN);

/** The demo's residents, visitors and blacklist for plates of `prefix` (the estate's city, e.g. 浙A). Deterministic. */
export function demoRoster(prefix: string): DemoRoster {
  const rng = createRng(2026, `roster:${prefix}`);
  const taken = new Set<string>();
  const unique = (local: number) => {
    for (;;) {
      const p = randomPlate(rng, prefix, { localShare: local });
      if (!taken.has(p)) return taken.add(p), p;
    }
  };
  const residents: RosterResident[] = [];
  for (let i = 0; i < DEMO_RESIDENT_CARS; i++) {
    const floor = rng.int(1, 30);
    residents.push({
      plate: unique(0.95),
      name: personName(rng),
      building: `${rng.int(1, RESIDENTIAL_BUILDINGS)}号楼`,
      room: `${rng.int(1, 3)}-${floor}${String(rng.int(1, 4)).padStart(2, '0')}`,
      space: `B1-${String(i + 1).padStart(3, '0')}`,
      parked: rng.chance(0.6),
    });
  }
  const visitors: RosterVisitor[] = [];
  for (let i = 0; i < DEMO_VISITORS; i++) {
    const host = rng.pick(residents);
    // one in ten passes ends half an hour after seeding: a visitor still inside then overstays
    visitors.push({ plate: unique(0.6), name: personName(rng), host: `${host.building} ${host.room}`, hours: i % 10 === 9 ? 0.5 : 24 * 7 });
  }
  const blacklist = BLACKLIST_REASONS.map((reason) => ({ plate: unique(0.7), reason }));
  return { residents, visitors, blacklist };
}
