// A district's estates from CSV (id,name,name_zh,lat,lon,community,company,kind) or GeoJSON (Point or
// Polygon features with those properties; a polygon's centroid is the estate's origin). Every bad
// row is reported at once and nothing is imported when any row is bad.
import { ESTATE_KINDS, isId, type EstateKind } from '../../protocol/index.ts';
import { recordAudit } from '../audit/log.ts';
import type { Db } from '../store/db.ts';
import { upsertEstate } from '../store/estates.ts';
import { prepared } from '../store/statements.ts';
import { assignCompany, fallbackCompany, getCompany, getUnit, placeEstate, type Actor } from './store.ts';

export interface DistrictRow {
  id: string;
  name: string;
  nameZh: string;
  lat: number;
  lon: number;
  community: string;
  /** empty: the fallback company for ownerless blocks, else none */
  company: string | null;
  kind: EstateKind;
  /** where it came from in the file (for errors) */
  line: number;
}

export interface RowError {
  /** 1-based line (CSV, counting the header) or feature index (GeoJSON, from 1) */
  row: number;
  error: string;
}

export class ImportError extends Error {
  constructor(readonly errors: RowError[]) {
    super(`${errors.length} bad row${errors.length === 1 ? '' : 's'}; nothing imported: ` + errors.slice(0, 5).map((e) => `row ${e.row}: ${e.error}`).join('; '));
  }
}

const COLUMNS = ['id', 'name', 'name_zh', 'lat', 'lon', 'community', 'company', 'kind'] as const;

/** RFC 4180 lines → fields (quoted fields may hold commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

function checkRow(raw: Record<string, unknown>, row: number, errors: RowError[]): DistrictRow | null {
  const problems: string[] = [];
  const str = (k: string) => (raw[k] === undefined || raw[k] === null ? '' : String(raw[k]).trim());
  const id = str('id');
  if (!isId(id)) problems.push(`id '${id}' is not a valid id`);
  const name = str('name');
  if (!name) problems.push('name is empty');
  const lat = Number(raw.lat);
  const lon = Number(raw.lon);
  if (str('lat') === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) problems.push(`lat '${str('lat')}' is not −90…90`);
  if (str('lon') === '' || !Number.isFinite(lon) || lon < -180 || lon > 180) problems.push(`lon '${str('lon')}' is not −180…180`);
  const community = str('community');
  if (!community) problems.push('community is empty');
  const kind = (str('kind') || 'estate') as EstateKind;
  if (!ESTATE_KINDS.includes(kind)) problems.push(`kind '${kind}' is not one of ${ESTATE_KINDS.join(', ')}`);
  const company = str('company') || null;
  for (const p of problems) errors.push({ row, error: p });
  return problems.length ? null : { line: row, id, name, nameZh: str('name_zh') || name, lat, lon, community, company, kind };
}

export function rowsFromCsv(text: string): { rows: DistrictRow[]; errors: RowError[] } {
  const lines = parseCsv(text);
  const errors: RowError[] = [];
  if (!lines.length) return { rows: [], errors: [{ row: 1, error: 'empty file: expected a header id,name,name_zh,lat,lon,community,company,kind' }] };
  const head = lines[0].map((h) => h.trim().toLowerCase());
  for (const c of ['id', 'name', 'lat', 'lon', 'community']) if (!head.includes(c)) errors.push({ row: 1, error: `missing column '${c}' (columns: ${COLUMNS.join(',')})` });
  if (errors.length) return { rows: [], errors };
  const rows: DistrictRow[] = [];
  lines.slice(1).forEach((fields, i) => {
    const raw = Object.fromEntries(head.map((h, j) => [h, fields[j] ?? '']));
    const r = checkRow(raw, i + 2, errors);
    if (r) rows.push(r);
  });
  return { rows, errors };
}

function centroid(coords: unknown): [number, number] | null {
  const ring = (coords as number[][][])?.[0];
  if (!Array.isArray(ring) || !ring.length) return null;
  let x = 0;
  let y = 0;
  for (const p of ring) (x += Number(p[0])), (y += Number(p[1]));
  return [x / ring.length, y / ring.length];
}

export function rowsFromGeoJson(json: unknown): { rows: DistrictRow[]; errors: RowError[] } {
  const fc = json as { type?: string; features?: unknown[] };
  if (!fc || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) return { rows: [], errors: [{ row: 0, error: 'expected a GeoJSON FeatureCollection' }] };
  const errors: RowError[] = [];
  const rows: DistrictRow[] = [];
  fc.features.forEach((f, i) => {
    const feature = f as { properties?: Record<string, unknown>; geometry?: { type?: string; coordinates?: unknown } };
    const props = { ...(feature.properties ?? {}) };
    const g = feature.geometry;
    let at: [number, number] | null = null;
    if (g?.type === 'Point' && Array.isArray(g.coordinates)) at = [Number(g.coordinates[0]), Number(g.coordinates[1])];
    else if (g?.type === 'Polygon') at = centroid(g.coordinates);
    else if (g?.type === 'MultiPolygon') at = centroid((g.coordinates as unknown[])?.[0]);
    if (props.lat === undefined && at) props.lat = at[1];
    if (props.lon === undefined && at) props.lon = at[0];
    const r = checkRow(props, i + 1, errors);
    if (r) rows.push(r);
  });
  return { rows, errors };
}

/** Checks every row against the store too (communities and companies must exist), then imports all or nothing. */
export function importDistrict(db: Db, parsed: { rows: DistrictRow[]; errors: RowError[] }, who: Actor, timezone = 'Asia/Shanghai'): { estates: number } {
  const errors = [...parsed.errors];
  const seen = new Set<string>();
  const fallback = fallbackCompany(db);
  for (const r of parsed.rows) {
    const n = r.line;
    const where = `estate '${r.id}'`;
    if (seen.has(r.id)) errors.push({ row: n, error: `${where}: appears twice` });
    seen.add(r.id);
    const unit = getUnit(db, r.community);
    if (!unit) errors.push({ row: n, error: `${where}: community '${r.community}' not found` });
    else if (unit.kind !== 'community') errors.push({ row: n, error: `${where}: '${r.community}' is a ${unit.kind}, not a community` });
    if (r.company && !getCompany(db, r.company)) errors.push({ row: n, error: `${where}: company '${r.company}' not found` });
    if (!r.company && r.kind === 'ownerless' && !fallback) errors.push({ row: n, error: `${where}: an ownerless block without a company needs a fallback company (兜底管理) to exist` });
  }
  if (errors.length) throw new ImportError(errors);
  db.transaction(() => {
    for (const r of parsed.rows) {
      const existing = prepared(db, 'SELECT timezone FROM estates WHERE id = ?').pluck().get(r.id) as string | undefined;
      upsertEstate(db, { id: r.id, name: r.name, nameZh: r.nameZh, lat: r.lat, lon: r.lon, timezone: existing ?? timezone });
      placeEstate(db, r.id, { community: r.community, kind: r.kind }, who);
      const company = r.company ?? (r.kind === 'ownerless' ? fallback!.id : null);
      if (company) assignCompany(db, r.id, company, who);
    }
    recordAudit(db, { ...who, action: 'org.import', summary: { estates: parsed.rows.length } });
  })();
  return { estates: parsed.rows.length };
}
