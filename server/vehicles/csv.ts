// CSV (RFC 4180) as spreadsheets export it: a header row, commas, "quoted" fields with "" for a quote,
// CRLF or LF, an optional UTF-8 BOM. Pure. Records keep their line number for error messages.

export interface CsvRecord {
  /** 1-based line where the record starts (the header is line 1) */
  line: number;
  fields: string[];
}

export type CsvParse = { ok: true; records: CsvRecord[] } | { ok: false; error: string };

export function parseCsv(text: string): CsvParse {
  const src = text.replace(/^\uFEFF/, '');
  if (src.includes('\uFFFD')) {
    return { ok: false, error: 'the file is not UTF-8 (Excel "CSV" is often GBK): save it as "CSV UTF-8" and try again' };
  }
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let wasQuoted = false;
  const endField = () => {
    fields.push(wasQuoted ? field : field.trim());
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
    fields = [];
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (wasQuoted && (c === ' ' || c === '\t')) continue; // spaces after a closing quote
    if (c === '"' && field.trim() === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else field += c;
  }
  if (quoted) return { ok: false, error: `line ${start}: a quoted field is never closed` };
  if (field !== '' || fields.length) endRecord();
  return { ok: true, records };
}
