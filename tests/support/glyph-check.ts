// Finds the characters a page would draw as a missing-glyph box (□, "tofu"), in the page itself: for
// every font stack the page's style sheets use (var() resolved as the page resolves it) and every
// weight, it asks the page's FontFaceSet to load what the text needs, then draws each character on a
// canvas and compares the pixels with a code point no font has (U+10FFFD, private use): Chromium draws
// every missing character as the same .notdef box of the stack's first font, so equal pixels = tofu.
// Besides, it lists the characters that no face of the bundled family declares in its unicode-range
// (then the page relies on a system font for them), and which font files the page fetched.
import type { Page } from 'playwright-core';

export interface GlyphReport {
  /** resolved font-family stacks found in the page's style sheets (and the body's) */
  stacks: string[];
  /** per "weight stack": the characters drawn as the missing-glyph box */
  tofu: Record<string, string>;
  /** characters no face of the bundled family declares */
  undeclared: string;
  /** faces of the bundled family the page declares, and how many carry a unicode-range */
  faces: number;
  rangedFaces: number;
  /** font files the page had fetched before the check (its own rendering, on demand) */
  fetchedBeforeCheck: string[];
}

// Plain JavaScript, handed to the page as text: what the test runner's transpiler does to a function
// (helpers such as __name) must not reach the browser.
const IN_PAGE = String.raw`async ({ chars, family, weights }) => {
  const fetchedBeforeCheck = performance.getEntriesByType('resource').map((e) => e.name).filter((u) => /\.(woff2?|ttf|otf)(\?|$)/.test(u));
  const raw = new Set([getComputedStyle(document.body).fontFamily]);
  const walk = (rules) => {
    for (const rule of rules) {
      // an @font-face rule names a family, not a stack a text is drawn in
      const value = !(rule instanceof CSSFontFaceRule) && rule.style && rule.style.getPropertyValue('font-family');
      if (value && !/^(inherit|initial|unset|revert)$/.test(value.trim())) raw.add(value);
      if (rule.cssRules) walk(rule.cssRules);
    }
  };
  for (const sheet of document.styleSheets) {
    try { walk(sheet.cssRules); } catch (e) { /* a cross-origin sheet: not ours */ }
  }
  const probe = document.createElement('span');
  document.body.appendChild(probe);
  const stacks = new Set();
  for (const value of raw) {
    probe.style.fontFamily = '';
    probe.style.fontFamily = value;
    const resolved = getComputedStyle(probe).fontFamily;
    if (resolved) stacks.add(resolved);
  }
  probe.remove();

  const unquote = (s) => s.replace(/^["']|["']$/g, '');
  const faces = [...document.fonts].filter((f) => unquote(f.family) === family);
  const ranges = [];
  for (const f of faces)
    for (const part of f.unicodeRange.split(',')) {
      const m = /U\+([0-9a-f?]+)(?:-([0-9a-f]+))?/i.exec(part.trim());
      if (!m) continue;
      if (m[1].includes('?')) ranges.push([parseInt(m[1].replace(/\?/g, '0'), 16), parseInt(m[1].replace(/\?/g, 'f'), 16)]);
      else ranges.push([parseInt(m[1], 16), parseInt(m[2] || m[1], 16)]);
    }
  const declared = (ch) => { const c = ch.codePointAt(0); return ranges.some(([a, b]) => c >= a && c <= b); };
  const undeclared = chars.filter((ch) => !declared(ch)).join('');

  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 64;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const signature = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.fillText(ch, 8, 48);
    const d = ctx.getImageData(0, 0, 64, 64).data;
    let h = 2166136261;
    for (let i = 3; i < d.length; i += 4) h = Math.imul(h ^ d[i], 16777619);
    return h;
  };
  const tofu = {};
  const text = chars.join('');
  for (const stack of stacks)
    for (const weight of weights) {
      const font = weight + ' 40px ' + stack;
      await document.fonts.load(font, text);
      ctx.font = font;
      ctx.fillStyle = '#000';
      const box = signature('\u{10FFFD}');
      const missing = chars.filter((ch) => signature(ch) === box);
      if (missing.length) tofu[font] = missing.join('');
    }
  return { stacks: [...stacks], tofu, undeclared, faces: faces.length, rangedFaces: faces.filter((f) => f.unicodeRange && f.unicodeRange !== 'U+0-10FFFF').length, fetchedBeforeCheck };
}`;

export async function checkGlyphs(page: Page, options: { chars: string[]; family: string; weights: number[] }): Promise<GlyphReport> {
  return (await page.evaluate(`(${IN_PAGE})(${JSON.stringify(options)})`)) as GlyphReport;
}
