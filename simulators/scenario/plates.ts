// Chinese licence plates (车牌) as a plate camera reads them. Ordinary (blue) plates: province
// character, city letter, '·', five characters (digits, at most two letters, never I or O), e.g.
// 浙A·3K729. New-energy (green) plates of small cars: province, city letter, D (electric) or F
// (hybrid), five digits, e.g. 浙AD12345 — written without the dot, as the cameras in the field do.
import type { Rng } from './random.ts';

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
