// Which characters a WOFF font has glyphs for, read from its cmap table. The 3D labels use one local
// font file; troika fetches any character the font lacks from a CDN, which a control room (often
// offline) cannot reach. So label text is filtered to the font's own coverage first. Pure: the
// caller supplies zlib inflation (DecompressionStream in the browser, node:zlib in tests).

export type Inflate = (compressed: Uint8Array) => Promise<Uint8Array>;

/** A set of code points as sorted, disjoint [start, end] ranges (inclusive). */
export class CodePointRanges {
  constructor(readonly ranges: ReadonlyArray<readonly [number, number]>) {}

  has(code: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [start, end] = this.ranges[mid];
      if (code < start) hi = mid - 1;
      else if (code > end) lo = mid + 1;
      else return true;
    }
    return false;
  }

  get size(): number {
    let n = 0;
    for (const [a, b] of this.ranges) n += b - a + 1;
    return n;
  }

  /** The text with every character the font lacks dropped (spaces kept); `replacement` stands in for runs of them. */
  filter(text: string, replacement = ''): string {
    let out = '';
    let dropped = false;
    for (const ch of text) {
      const code = ch.codePointAt(0)!;
      if (code === 0x20 || this.has(code)) {
        if (dropped && replacement) out += replacement;
        dropped = false;
        out += ch;
      } else dropped = true;
    }
    if (dropped && replacement) out += replacement;
    return out;
  }
}

/** Merges code points (any order, repeats allowed) into ranges. */
export function rangesOf(codes: Iterable<number>): CodePointRanges {
  const sorted = [...new Set(codes)].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const code of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && code === last[1] + 1) last[1] = code;
    else ranges.push([code, code]);
  }
  return new CodePointRanges(ranges);
}

/** Sorts and joins ranges that overlap or touch. */
export function mergeRanges(ranges: Iterable<readonly [number, number]>): CodePointRanges {
  const sorted = [...ranges].filter(([a, b]) => b >= a).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return new CodePointRanges(out);
}

function tag(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

/** The raw bytes of one table of a WOFF 1.0 file (or a bare TrueType/OpenType file). */
export async function fontTable(font: ArrayBuffer, name: string, inflate: Inflate): Promise<Uint8Array> {
  const view = new DataView(font);
  const signature = tag(view, 0);
  if (signature === 'wOFF') {
    const numTables = view.getUint16(12);
    for (let i = 0; i < numTables; i++) {
      const at = 44 + i * 20;
      if (tag(view, at) !== name) continue;
      const offset = view.getUint32(at + 4);
      const compLength = view.getUint32(at + 8);
      const origLength = view.getUint32(at + 12);
      const bytes = new Uint8Array(font, offset, compLength);
      return compLength < origLength ? inflate(bytes) : bytes.slice();
    }
    throw new Error(`font has no '${name}' table`);
  }
  if (signature === 'wOF2') throw new Error('WOFF2 is not supported: use the .woff, .ttf or .otf file');
  // sfnt: version, numTables, searchRange, entrySelector, rangeShift, then 16-byte records
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const at = 12 + i * 16;
    if (tag(view, at) === name) return new Uint8Array(font, view.getUint32(at + 8), view.getUint32(at + 12)).slice();
  }
  throw new Error(`font has no '${name}' table`);
}

/** Code points mapped to a real glyph (not .notdef) by a cmap table: format 12 preferred, else 4. */
export function cmapCoverage(cmap: Uint8Array): CodePointRanges {
  const view = new DataView(cmap.buffer, cmap.byteOffset, cmap.byteLength);
  const count = view.getUint16(2);
  let format4 = -1;
  let format12 = -1;
  for (let i = 0; i < count; i++) {
    const platform = view.getUint16(4 + i * 8);
    const encoding = view.getUint16(6 + i * 8);
    const offset = view.getUint32(8 + i * 8);
    const format = view.getUint16(offset);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode) continue;
    if (format === 12 && format12 < 0) format12 = offset;
    if (format === 4 && format4 < 0) format4 = offset;
  }
  if (format12 >= 0) {
    const groups = view.getUint32(format12 + 12);
    const ranges: Array<[number, number]> = [];
    for (let g = 0; g < groups; g++) {
      const at = format12 + 16 + g * 12;
      const start = view.getUint32(at);
      const end = view.getUint32(at + 4);
      const glyph = view.getUint32(at + 8);
      // a group starting at glyph 0 maps its first code point to .notdef
      ranges.push([glyph === 0 ? start + 1 : start, end]);
    }
    return mergeRanges(ranges);
  }
  if (format4 < 0) throw new Error('font has no Unicode cmap (format 4 or 12)');
  const segments = view.getUint16(format4 + 6) / 2;
  const ends = format4 + 14;
  const starts = ends + segments * 2 + 2;
  const deltas = starts + segments * 2;
  const rangeOffsets = deltas + segments * 2;
  const codes: number[] = [];
  for (let s = 0; s < segments; s++) {
    const end = view.getUint16(ends + s * 2);
    const start = view.getUint16(starts + s * 2);
    const delta = view.getInt16(deltas + s * 2);
    const rangeOffset = view.getUint16(rangeOffsets + s * 2);
    for (let code = start; code <= end && code !== 0xffff; code++) {
      let glyph: number;
      if (rangeOffset === 0) glyph = (code + delta) & 0xffff;
      else {
        const at = rangeOffsets + s * 2 + rangeOffset + (code - start) * 2;
        glyph = at + 1 < cmap.byteLength ? view.getUint16(at) : 0;
        if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
      }
      if (glyph !== 0) codes.push(code);
    }
  }
  return rangesOf(codes);
}

/** What a font file covers. */
export async function fontCoverage(font: ArrayBuffer, inflate: Inflate): Promise<CodePointRanges> {
  return cmapCoverage(await fontTable(font, 'cmap', inflate));
}
