// The pages the glyph test (glyphs.test.ts) renders, and where each page's text comes from. A new page
// is one more entry in GLYPH_PAGES: its path, and its string sources (its zh-CN table, plus the shared
// sources of names and data it shows). A source is a function returning strings; the test renders
// every character of them in every font stack of the page.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { PLATE_PROVINCES, PLATE_SUFFIXES } from '../../protocol/vehicles.ts';
import { gardenEstate } from '../../server/estate/demo/garden.ts';
import { GARDEN_PATROL } from '../../server/estate/demo/garden-patrol.ts';
import { demoRoster } from '../../simulators/scenario/plates.ts';
import { ZH_CN_MESSAGES } from '../../web/src/app/i18n.ts';
import { GUARD_ZH_CN_MESSAGES } from '../../web/src/guard/guard-i18n.ts';
import { REPORT_ZH_CN_MESSAGES } from '../../web/src/report/report-i18n.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** CJK punctuation, kana, ideographs, full-width forms */
const CHINESE = /[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]/;

export type StringSource = () => Iterable<string>;

export interface GlyphPage {
  /** what the failure message calls it */
  name: string;
  /** where the server serves it */
  path: string;
  /** a selector that is on screen once the page's entry (and so its style sheets) has loaded */
  ready: string;
  /** named sources of every text the page can show */
  sources: Record<string, StringSource>;
}

/**
 * The text of every string literal (and template literal part) in the TypeScript files under `paths`
 * (files or folders, relative to the repository) that hold Chinese text, comments excluded: names and
 * labels that code assembles (`${no}号楼`, a roster's surnames, an alert's title) without a table to
 * import. (Literals without hanzi are code — log lines, a decoder's '\uFFFD' check — not page text.)
 */
export function sourceLiterals(...paths: string[]): string[] {
  const files: string[] = [];
  const collect = (path: string) => {
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) collect(join(path, entry));
    else if (/\.tsx?$/.test(path) && !path.endsWith('.d.ts')) files.push(path);
  };
  for (const p of paths) collect(join(ROOT, p));
  const out: string[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(relative(ROOT, file), readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const visit = (node: ts.Node) => {
      if ((ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isJsxText(node)) && CHINESE.test(node.text)) out.push(node.text);
      node.forEachChild(visit);
    };
    visit(source);
  }
  return out;
}

/** Sources several pages share: what the estate, its devices and the server put on screen. */
export const SHARED_SOURCES = {
  /** the first character of a plate: all 31 provinces, and the suffix characters (警 学 挂 使 领 港 澳) */
  plates: () => [PLATE_PROVINCES, ...Object.keys(PLATE_SUFFIXES)],
  /** the demo estate: buildings, zones, gates, checkpoints, cameras, guards (the generated data and the code that names them) */
  demoEstate: () => [JSON.stringify(gardenEstate()), JSON.stringify(GARDEN_PATROL), ...sourceLiterals('server/estate/demo')],
  /** the simulated devices and the demo roster: every surname and given name, notes, plate prefixes */
  simulators: () => [JSON.stringify(demoRoster('浙A')), ...sourceLiterals('simulators')],
  /** text the server composes for people: alert titles, patrol and vehicle reasons */
  serverText: () => sourceLiterals('server/alerts', 'server/patrol', 'server/vehicles'),
} satisfies Record<string, StringSource>;

export const GLYPH_PAGES: GlyphPage[] = [
  {
    name: 'wall screen',
    path: '/',
    ready: '[data-testid="login-form"]',
    sources: { 'zh-CN UI (web/src/app/i18n.ts)': () => Object.values(ZH_CN_MESSAGES), ...SHARED_SOURCES },
  },
  {
    name: 'guard app',
    path: '/guard',
    ready: 'html.guard-app #root *',
    sources: { 'zh-CN UI (web/src/guard/guard-i18n.ts)': () => Object.values(GUARD_ZH_CN_MESSAGES), ...SHARED_SOURCES },
  },
  {
    // the residents' page of the test server's estate (a building's QR code opens /report?e=…&b=…)
    name: "residents' page",
    path: '/report?e=test',
    ready: '[data-testid="report-form"]',
    sources: {
      'zh-CN UI (web/src/report/report-i18n.ts)': () => Object.values(REPORT_ZH_CN_MESSAGES),
      'the page code and the work-order categories (web/src/report, protocol/workorders.ts)': () => sourceLiterals('web/src/report', 'protocol/workorders.ts'),
      ...SHARED_SOURCES,
    },
  },
  {
    // signed out it is the login page, with the district's style sheets loaded; signed in, its own text
    name: 'district wall screen',
    path: '/district/d',
    ready: '[data-testid="login-form"]',
    sources: {
      'zh-CN UI (web/src/app/i18n.ts, the login)': () => Object.values(ZH_CN_MESSAGES),
      'the district pages (web/src/district) and the org protocol (protocol/org.ts)': () => sourceLiterals('web/src/district', 'protocol/org.ts'),
      ...SHARED_SOURCES,
    },
  },
];

/** Every distinct character of a page's sources, with the first source that has it (for the failure message). */
export function pageCharacters(page: GlyphPage): Map<string, string> {
  const chars = new Map<string, string>();
  for (const [name, source] of Object.entries(page.sources))
    for (const text of source())
      for (const ch of text) {
        const code = ch.codePointAt(0)!;
        // whitespace and control characters draw nothing, in any font
        if (code < 0x20 || (code >= 0x7f && code < 0xa0) || /\s/u.test(ch)) continue;
        if (!chars.has(ch)) chars.set(ch, name);
      }
  return chars;
}
