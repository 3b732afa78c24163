// Plate normalisation: the forms cameras send, the confusable characters, and what is not a plate.
import { describe, expect, it } from 'vitest';
import { displayPlate, normalizePlate } from '../../server/vehicles/plate.ts';

describe('normalizePlate', () => {
  it.each([
    // raw read, normalised, kind, colour
    ['浙A·12345', '浙A12345', 'ordinary', 'blue'],
    ['浙A12345', '浙A12345', 'ordinary', 'blue'],
    ['浙A 3K729', '浙A3K729', 'ordinary', 'blue'],
    ['浙a·3k729', '浙A3K729', 'ordinary', 'blue'],
    ['浙A-3K729', '浙A3K729', 'ordinary', 'blue'],
    ['浙A•3K729', '浙A3K729', 'ordinary', 'blue'],
    ['粤Ｂ·１２３４５', '粤B12345', 'ordinary', 'blue'], // full-width letters and digits
    ['浙AD12345', '浙AD12345', 'new_energy', 'green'], // small, electric (the simulator's form)
    ['浙AF12345', '浙AF12345', 'new_energy', 'green'], // small, hybrid
    ['浙A·D12345', '浙AD12345', 'new_energy', 'green'],
    ['沪AAB1234', '沪AAB1234', 'new_energy', 'green'], // 2021 series: letter, letter/digit, 4 digits
    ['浙A12345D', '浙A12345D', 'new_energy', 'green'], // large new-energy: D at the end
    ['浙A1234警', '浙A1234警', 'police', 'white'],
    ['浙A·1234学', '浙A1234学', 'learner', 'yellow'],
    ['浙A1234挂', '浙A1234挂', 'trailer', 'yellow'],
    ['沪A1234领', '沪A1234领', 'consulate', 'black'],
    ['京A1234使', '京A1234使', 'embassy', 'black'],
    ['使014578', '使014578', 'embassy', 'black'],
    ['粤Z1234港', '粤Z1234港', 'hong_kong', 'black'],
    ['粤Z1234澳', '粤Z1234澳', 'macau', 'black'],
  ])('%s → %s (%s, %s)', (raw, plate, kind, color) => {
    expect(normalizePlate(raw)).toEqual({ ok: true, plate, kind, color, corrected: false });
  });

  it.each([
    // I and O never appear in a serial: they are 1 and 0
    ['浙A·1O3K7', '浙A103K7'],
    ['浙A·I2345', '浙A12345'],
    ['浙AD1234O', '浙AD12340'],
    ['浙AO12I警', '浙A0121警'], // the serial of a suffix plate too
    ['使O14578', '使014578'],
  ])('confusable %s → %s', (raw, plate) => {
    const r = normalizePlate(raw);
    expect(r.ok && r.plate).toBe(plate);
  });

  it('marks a read it corrected', () => {
    expect(normalizePlate('浙A·1O3K7')).toMatchObject({ ok: true, corrected: true });
    expect(normalizePlate('浙A·103K7')).toMatchObject({ ok: true, corrected: false });
  });

  it('paints ordinary plates of large vehicles yellow', () => {
    expect(normalizePlate('浙A12345', 'truck')).toMatchObject({ color: 'yellow' });
    expect(normalizePlate('浙A12345', 'Big Truck')).toMatchObject({ color: 'yellow' });
    expect(normalizePlate('浙A12345', 'bus')).toMatchObject({ color: 'yellow' });
    expect(normalizePlate('浙A12345', 'suv')).toMatchObject({ color: 'blue' });
    expect(normalizePlate('浙AD12345', 'truck')).toMatchObject({ color: 'green' });
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['A12345', /province/], // the province character was missed
    ['9jub11', /province/], // another country's plate
    ['X浙A12345', /province/],
    ['浙', /city letter/],
    ['浙112345', /city letter/], // a digit where the city letter goes
    ['浙O12345', /city letter/], // I/O are not city letters either, and there is nothing to map them to
    ['浙A1234', /7 or 8/], // too short
    ['浙A1234567', /7 or 8/], // too long
    ['浙A12#45', /letters and digits/],
    ['浙A123456', /new-energy/], // 8 characters but not a new-energy serial
    ['浙AX12345', /new-energy/],
    ['浙A12警', /4 letters or digits/],
    ['使12345', /使 and 6 digits/],
  ])('refuses %j', (raw, error) => {
    const r = normalizePlate(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });

  it('never throws on junk', () => {
    for (const junk of [null, undefined, 42, {}, '💥', '浙A·💥💥💥💥💥']) expect(normalizePlate(junk as unknown as string).ok).toBe(false);
  });

  it('prints 7-character plates with the dot, others as they are', () => {
    expect(displayPlate('浙A12345')).toBe('浙A·12345');
    expect(displayPlate('浙AD12345')).toBe('浙AD12345');
    expect(displayPlate('浙A1234警')).toBe('浙A1234警');
    expect(displayPlate('使014578')).toBe('使014578');
  });
});
