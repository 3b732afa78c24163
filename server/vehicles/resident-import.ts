// A resident list from a spreadsheet (CSV with a header row) → validated rows, or every bad row with its
// line and reason. Pure. All or nothing: the caller writes the rows only when none is bad, so a
// half-imported list never has to be untangled.
import type { CsvRowError } from '../../protocol/vehicles.ts';
import { parseCsv } from './csv.ts';
import { RESIDENT_CSV_COLUMNS, validateResident, type EstateVocabulary, type ResidentInput } from './validate.ts';

/** Rows per import: a large estate has a few thousand cars. */
export const MAX_IMPORT_ROWS = 20_000;
/** Errors listed in one answer (the rest are counted). */
export const MAX_LISTED_ERRORS = 50;

export type ResidentCsvResult =
  | { ok: true; rows: Array<{ line: number; resident: ResidentInput }> }
  | { ok: false; error: string; errors: CsvRowError[]; badRows: number };

export function residentsFromCsv(text: string, vocab: EstateVocabulary): ResidentCsvResult {
  const fail = (error: string): ResidentCsvResult => ({ ok: false, error, errors: [], badRows: 0 });
  const parsed = parseCsv(text);
  if (!parsed.ok) return fail(parsed.error);
  const [header, ...records] = parsed.records;
  if (!header) return fail('the file is empty: expected a header row (plate,name,building,room,space,carPark,phone,note) and one row per car');

  const columns = header.fields.map((h) => RESIDENT_CSV_COLUMNS[h.trim().toLowerCase()] ?? RESIDENT_CSV_COLUMNS[h.trim()]);
  const unknown = header.fields.filter((_, i) => !columns[i]);
  if (unknown.length) {
    return fail(`unknown column(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')}: use plate, name, building, room, space, carPark, phone, note (or 车牌号, 姓名, 楼栋, 房号, 车位, 停车场, 电话, 备注)`);
  }
  const twice = columns.find((c, i) => columns.indexOf(c) !== i);
  if (twice) return fail(`column ${twice} appears twice in the header`);
  if (!columns.includes('plate')) return fail('no plate column (plate or 车牌号) in the header');
  if (!records.length) return fail('no rows after the header');
  if (records.length > MAX_IMPORT_ROWS) return fail(`${records.length} rows: at most ${MAX_IMPORT_ROWS} per import, split the file`);

  const errors: CsvRowError[] = [];
  const rows: Array<{ line: number; resident: ResidentInput }> = [];
  const firstLine = new Map<string, number>();
  for (const r of records) {
    if (r.fields.length !== columns.length) {
      errors.push({ line: r.line, error: `${r.fields.length} fields, the header has ${columns.length}` });
      continue;
    }
    const body = Object.fromEntries(columns.map((c, i) => [c, r.fields[i]]));
    const v = validateResident(body, vocab);
    if (!v.ok) {
      errors.push({ line: r.line, error: v.error });
      continue;
    }
    const seen = firstLine.get(v.value.plate);
    if (seen !== undefined) {
      errors.push({ line: r.line, error: `plate ${v.value.plate} is already on line ${seen}` });
      continue;
    }
    firstLine.set(v.value.plate, r.line);
    rows.push({ line: r.line, resident: v.value });
  }
  if (errors.length) {
    return {
      ok: false,
      error: `${errors.length} of ${records.length} rows are not valid; nothing was imported`,
      errors: errors.slice(0, MAX_LISTED_ERRORS),
      badRows: errors.length,
    };
  }
  return { ok: true, rows };
}
