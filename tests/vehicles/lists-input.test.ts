// Pure input handling of the lists: CSV parsing, the resident import (all or nothing, per-row errors),
// and the validation of list entries.
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../server/vehicles/csv.ts';
import { residentsFromCsv } from '../../server/vehicles/resident-import.ts';
import { validateBlacklist, validateResident, validateVisitor } from '../../server/vehicles/validate.ts';

const vocab = {
  buildings: [
    { id: 'b03', name: '3号楼' },
    { id: 'b07', name: '7号楼' },
  ],
  carParks: [{ id: 'carpark-ramp', name: '地下车库入口' }],
};
const NOW = Date.UTC(2026, 10, 27, 6, 0);

describe('parseCsv', () => {
  it('reads quotes, doubled quotes, commas and line breaks inside quotes, CRLF, a BOM and blank lines', () => {
    const r = parseCsv('\uFEFFplate,note\r\n浙A12345,"say ""hi"", twice"\r\n\r\n"浙A54321","two\nlines"\n');
    expect(r).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ['plate', 'note'] },
        { line: 2, fields: ['浙A12345', 'say "hi", twice'] },
        { line: 4, fields: ['浙A54321', 'two\nlines'] },
      ],
    });
  });
  it('trims unquoted fields, keeps quoted ones as they are', () => {
    expect(parseCsv(' a , " b " ')).toEqual({ ok: true, records: [{ line: 1, fields: ['a', ' b '] }] });
  });
  it('refuses an unclosed quote and a file that is not UTF-8', () => {
    expect(parseCsv('plate\n"浙A12345\n')).toMatchObject({ ok: false, error: expect.stringMatching(/line 2.*never closed/) });
    expect(parseCsv(new TextDecoder().decode(new Uint8Array([0xd5, 0xe3, 0x41, 0x0a])))).toMatchObject({ ok: false, error: expect.stringMatching(/UTF-8/) });
  });
});

describe('resident import', () => {
  it('reads English or Chinese headers, resolves buildings and car parks by id or name', () => {
    const r = residentsFromCsv('车牌号,姓名,楼栋,房号,车位,停车场\n浙A·12345,王伟,3号楼,1-1502,B1-001,地下车库入口\n浙AD12345,李娜,b07,2-0301,,\n', vocab);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rows.map((x) => x.resident)).toEqual([
      { plate: '浙A12345', name: '王伟', building: 'b03', room: '1-1502', space: 'B1-001', carPark: 'carpark-ramp', phone: '', note: '' },
      { plate: '浙AD12345', name: '李娜', building: 'b07', room: '2-0301', space: '', carPark: '', phone: '', note: '' },
    ]);
  });

  it('lists every bad row with its line and imports nothing', () => {
    const csv = [
      'plate,name,building,space',
      '浙A12345,王伟,3号楼,B1-001', // fine
      'A12345,李娜,3号楼,B1-002', // no province
      '浙A54321,张强,99号楼,B1-003', // no such building
      '浙A·12345,刘洋,7号楼,B1-004', // the same plate as line 2
      '浙A77777,陈静', // too few fields
    ].join('\n');
    const r = residentsFromCsv(csv, vocab);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBe('4 of 5 rows are not valid; nothing was imported');
    expect(r.badRows).toBe(4);
    expect(r.errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(r.errors[0].error).toMatch(/plate: .*province/);
    expect(r.errors[1].error).toMatch(/building: no building '99号楼'/);
    expect(r.errors[2].error).toMatch(/already on line 2/);
    expect(r.errors[3].error).toMatch(/2 fields, the header has 4/);
  });

  it('names what is wrong with the file itself', () => {
    expect(residentsFromCsv('', vocab)).toMatchObject({ ok: false, error: expect.stringMatching(/empty/) });
    expect(residentsFromCsv('plate,colour\n浙A12345,red\n', vocab)).toMatchObject({ ok: false, error: expect.stringMatching(/unknown column.*"colour"/) });
    expect(residentsFromCsv('name\n王伟\n', vocab)).toMatchObject({ ok: false, error: expect.stringMatching(/no plate column/) });
    expect(residentsFromCsv('plate,车牌号\n浙A12345,浙A12345\n', vocab)).toMatchObject({ ok: false, error: expect.stringMatching(/plate appears twice/) });
    expect(residentsFromCsv('plate\n', vocab)).toMatchObject({ ok: false, error: expect.stringMatching(/no rows/) });
  });
});

describe('validation', () => {
  it('residents: a plate is required and normalised; phone and lengths are checked', () => {
    expect(validateResident({ plate: '浙a·1O345' }, vocab)).toMatchObject({ ok: true, value: { plate: '浙A10345' } });
    expect(validateResident({}, vocab)).toMatchObject({ ok: false, error: expect.stringMatching(/plate is required/) });
    expect(validateResident({ plate: '浙A12345', phone: 'call me' }, vocab)).toMatchObject({ ok: false, error: expect.stringMatching(/phone/) });
    expect(validateResident({ plate: '浙A12345', name: 'x'.repeat(65) }, vocab)).toMatchObject({ ok: false, error: expect.stringMatching(/name is longer than 64/) });
    expect(validateResident({ plate: '浙A12345', carPark: 'roof' }, vocab)).toMatchObject({ ok: false, error: expect.stringMatching(/carPark: no carPark 'roof'/) });
    expect(validateResident([], vocab).ok).toBe(false);
  });
  it('visitors: a window that ends after it starts, in the future, at most 31 days; ISO or epoch ms', () => {
    const ok = validateVisitor({ plate: '沪B12345', validFrom: '2026-11-27T14:00:00+08:00', validUntil: NOW + 4 * 3600_000 }, NOW);
    expect(ok).toMatchObject({ ok: true, value: { plate: '沪B12345', validFrom: NOW, validUntil: NOW + 4 * 3600_000 } });
    expect(validateVisitor({ plate: '沪B12345', validUntil: NOW + 1000 }, NOW)).toMatchObject({ ok: true, value: { validFrom: NOW } });
    expect(validateVisitor({ plate: '沪B12345' }, NOW)).toMatchObject({ ok: false, error: expect.stringMatching(/validUntil is required/) });
    expect(validateVisitor({ plate: '沪B12345', validFrom: NOW, validUntil: NOW }, NOW)).toMatchObject({ ok: false, error: expect.stringMatching(/after validFrom/) });
    expect(validateVisitor({ plate: '沪B12345', validFrom: NOW - 9000, validUntil: NOW - 1 }, NOW)).toMatchObject({ ok: false, error: expect.stringMatching(/in the past/) });
    expect(validateVisitor({ plate: '沪B12345', validUntil: NOW + 32 * 86_400_000 }, NOW)).toMatchObject({ ok: false, error: expect.stringMatching(/31 days/) });
    expect(validateVisitor({ plate: '沪B12345', validUntil: '2026-11-27 18:00' }, NOW)).toMatchObject({ ok: false, error: expect.stringMatching(/validUntil: expected ISO 8601/) });
  });
  it('blacklist: plate and reason required', () => {
    expect(validateBlacklist({ plate: '浙A12345', reason: '欠费' })).toEqual({ ok: true, value: { plate: '浙A12345', reason: '欠费' } });
    expect(validateBlacklist({ plate: '浙A12345' })).toMatchObject({ ok: false, error: 'reason is required' });
    expect(validateBlacklist({ plate: '浙A12345', reason: '  ' })).toMatchObject({ ok: false, error: 'reason is required' });
  });
});
