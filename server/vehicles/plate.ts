// Chinese licence plates (车牌) as plate cameras read them → one comparable form. Pure.
//
//   ordinary      province + city letter + 5 characters          浙A·12345, 浙A3K729      blue (large vehicles: yellow)
//   new energy    province + city letter + 6 characters          浙AD12345 (small), 浙A12345D (large)   green
//   suffix        province + city letter + 4 characters + 警 学 挂 领 港 澳   浙A1234警   white/yellow/black
//   embassy       使 + 6 digits (also the suffix form 京A1234使)   使014578                  black
//
// Readers differ on separators (·, •, ., -, spaces), width (ＡＢＣ１２３) and case: all are dropped or
// folded. Serials never use I or O (they would be confused with 1 and 0), so an I or O read in a
// serial is the digit; the city letter has no such rule to lean on and an I/O there is unreadable.
import { PLATE_PROVINCES, PLATE_SUFFIXES, type PlateColor, type PlateKind } from '../../protocol/vehicles.ts';

export { displayPlate } from '../../protocol/vehicles.ts';
const PROVINCES = PLATE_PROVINCES;
const CITY_LETTER = /^[A-HJ-NP-Z]$/;
const SERIAL_CHAR = /^[A-HJ-NP-Z0-9]$/;
/** small new-energy plates: D/A/B/C/E electric, F/G/H/J/K hybrid, then a letter or digit, then 4 digits */
const NEW_ENERGY_SMALL = /^[ABCDEFGHJK][A-HJ-NP-Z0-9]\d{4}$/;
/** large new-energy plates: 5 digits, then D (electric) or F (hybrid) */
const NEW_ENERGY_LARGE = /^\d{5}[DF]$/;
const SUFFIXES = PLATE_SUFFIXES;
const SEPARATORS = /[\s·•・.\-_—–‧∙]/g;
/** vehicle types that carry yellow plates (大型汽车): trucks, buses, coaches */
const LARGE_VEHICLE = /truck|lorry|bus|coach|heavy|large|货车|客车|大型/i;

export type PlateResult =
  | { ok: true; plate: string; kind: PlateKind; color: PlateColor; /** an I/O was read as 1/0 */ corrected: boolean }
  | { ok: false; error: string };

export function plateColor(kind: PlateKind, vehicleType?: string): PlateColor {
  switch (kind) {
    case 'new_energy':
      return 'green';
    case 'police':
      return 'white';
    case 'learner':
    case 'trailer':
      return 'yellow';
    case 'embassy':
    case 'consulate':
    case 'hong_kong':
    case 'macau':
      return 'black';
    case 'ordinary':
      return vehicleType && LARGE_VEHICLE.test(vehicleType) ? 'yellow' : 'blue';
  }
}

/** I and O never appear in a serial: a reader's I/O there is 1/0. */
function fixSerial(serial: string): { serial: string; corrected: boolean } {
  const fixed = serial.replace(/I/g, '1').replace(/O/g, '0');
  return { serial: fixed, corrected: fixed !== serial };
}

/**
 * Normalises one read. `vehicleType` (the camera's guess, e.g. `truck`) only decides blue or yellow
 * for ordinary plates. Never throws: a string that is not a Chinese plate gives `{ok:false, error}`.
 */
export function normalizePlate(raw: string, vehicleType?: string): PlateResult {
  if (typeof raw !== 'string') return { ok: false, error: 'plate is not text' };
  const text = raw.normalize('NFKC').toUpperCase().replace(SEPARATORS, '');
  const chars = [...text];
  if (!chars.length) return { ok: false, error: 'empty plate' };

  if (chars[0] === '使') {
    const { serial, corrected } = fixSerial(chars.slice(1).join(''));
    if (!/^\d{6}$/.test(serial)) return { ok: false, error: `embassy plate must be 使 and 6 digits (got ${JSON.stringify(raw)})` };
    return { ok: true, plate: `使${serial}`, kind: 'embassy', color: 'black', corrected };
  }
  if (!PROVINCES.includes(chars[0])) return { ok: false, error: `first character must be a province (浙, 沪, 京, …), got ${JSON.stringify(chars[0])}` };
  if (chars.length < 2 || !CITY_LETTER.test(chars[1])) {
    return { ok: false, error: `second character must be the city letter A–Z without I and O (got ${JSON.stringify(chars[1] ?? '')})` };
  }
  const prefix = chars[0] + chars[1];
  const rest = chars.slice(2);
  const last = rest[rest.length - 1];

  if (last !== undefined && SUFFIXES[last]) {
    const { serial, corrected } = fixSerial(rest.slice(0, -1).join(''));
    if (serial.length !== 4 || ![...serial].every((c) => SERIAL_CHAR.test(c))) {
      return { ok: false, error: `a ${last} plate has 4 letters or digits before ${last} (got ${JSON.stringify(raw)})` };
    }
    const kind = SUFFIXES[last];
    return { ok: true, plate: `${prefix}${serial}${last}`, kind, color: plateColor(kind, vehicleType), corrected };
  }

  const { serial, corrected } = fixSerial(rest.join(''));
  if (![...serial].every((c) => SERIAL_CHAR.test(c))) {
    return { ok: false, error: `serial may hold only letters and digits (got ${JSON.stringify(raw)})` };
  }
  if (serial.length === 5) return { ok: true, plate: prefix + serial, kind: 'ordinary', color: plateColor('ordinary', vehicleType), corrected };
  if (serial.length === 6 && (NEW_ENERGY_SMALL.test(serial) || NEW_ENERGY_LARGE.test(serial))) {
    return { ok: true, plate: prefix + serial, kind: 'new_energy', color: 'green', corrected };
  }
  if (serial.length === 6) return { ok: false, error: `8-character plates are new-energy: D/F… + digits or 5 digits + D/F (got ${JSON.stringify(raw)})` };
  return { ok: false, error: `a plate has 7 or 8 characters (got ${chars.length}: ${JSON.stringify(raw)})` };
}
