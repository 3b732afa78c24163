// `smart-estate org …` and `smart-estate import district`: the same operations as the REST routes,
// audited with the CLI's user as actor.
import { readFileSync } from 'node:fs';
import { cliActor } from '../audit/log.ts';
import type { Db } from '../store/db.ts';
import { ImportError, importDistrict, rowsFromCsv, rowsFromGeoJson } from './import.ts';
import { OrgError, assignCompany, placeEstate, upsertCompany, upsertUnit, type Actor } from './store.ts';

export const ORG_USAGE = `  smart-estate org unit add --id U --kind district|street|community --name N [--name-zh N] [--parent P]
  smart-estate org company add --id C --name N [--name-zh N] [--fallback]
  smart-estate org estate move --estate E --community C [--kind estate|ownerless]
  smart-estate org estate company --estate E --company C [--at ISO-8601]
  smart-estate import district <file.csv|file.geojson>   (id,name,name_zh,lat,lon,community,company,kind)
`;

const cliWho = (): Actor => ({ actor: cliActor(), source: 'cli' });

export { OrgError, ImportError };

export function orgCommand(db: Db, what: string, verb: string, v: Record<string, unknown>): string {
  const who = cliWho();
  const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (what === 'unit' && verb === 'add') {
    const u = upsertUnit(db, { id: s('id'), kind: s('kind'), name: s('name'), nameZh: s('name-zh'), parent: s('parent') }, who);
    return `unit ${u.id} (${u.kind}${u.parent ? ` in ${u.parent}` : ''}) saved`;
  }
  if (what === 'company' && verb === 'add') {
    const c = upsertCompany(db, { id: s('id'), name: s('name'), nameZh: s('name-zh'), fallback: v.fallback === true }, who);
    return `company ${c.id}${c.fallback ? ' (fallback 兜底)' : ''} saved`;
  }
  if (what === 'estate' && verb === 'move') {
    const p = placeEstate(db, s('estate') ?? '', { community: s('community'), kind: s('kind') }, who);
    return `estate ${p.estate} is in community ${p.community} (${p.kind})`;
  }
  if (what === 'estate' && verb === 'company') {
    const at = s('at') ? Date.parse(s('at')!) : Date.now();
    if (!Number.isFinite(at)) throw new OrgError(`--at: expected ISO 8601, got '${s('at')}'`);
    const m = assignCompany(db, s('estate') ?? '', s('company') ?? '', who, at);
    return `estate ${m.estate} managed by ${m.company} since ${new Date(m.since).toISOString()}`;
  }
  throw new OrgError(`unknown: org ${what} ${verb}\n${ORG_USAGE}`);
}

export function importDistrictFile(db: Db, file: string): string {
  const text = readFileSync(file, 'utf8');
  const parsed = /\.(geo)?json$/i.test(file) ? rowsFromGeoJson(JSON.parse(text)) : rowsFromCsv(text);
  try {
    const r = importDistrict(db, parsed, cliWho());
    return `imported ${r.estates} estates from ${file}`;
  } catch (err) {
    if (err instanceof ImportError) throw new OrgError(`${file}: ${err.errors.length} bad rows, nothing imported:\n` + err.errors.map((e) => `  row ${e.row}: ${e.error}`).join('\n'));
    throw err;
  }
}
