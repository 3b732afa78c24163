// The pages' fonts, one module every page entry imports in one line (`import '../fonts/fonts.ts'`).
// Kiosks and handhelds often run a bare Linux with no CJK system font at all: there every hanzi the
// page does not ship itself is drawn as a box (□). So the pages ship Noto Sans SC (SIL OFL 1.1, from
// @fontsource/noto-sans-sc) in *all* its unicode-range slices — ~100 files per weight, 20–60 kB each,
// covering every character of the font — and the browser fetches only the slices whose characters a
// page really draws, when it draws them (a plate's rare province character, a guard's name). The
// single "chinese-simplified" file (7,900 common hanzi, 1.5 MB) is kept for the 3D labels only
// (map/label-font.ts: troika needs one file it can read).
// Two weights: 500 for text and 700 for headings; the browser picks the nearer one for 400–900.
import '@fontsource/noto-sans-sc/500.css';
import '@fontsource/noto-sans-sc/700.css';
import './fonts.css';

/** The bundled CJK family, as named in the `@font-face` rules and in `--font-cjk`. */
export const CJK_FONT_FAMILY = 'Noto Sans SC';
