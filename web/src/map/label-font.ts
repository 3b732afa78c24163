// The font of the 3D labels: Noto Sans SC (SIL OFL 1.1, from @fontsource/noto-sans-sc), its
// "chinese-simplified" subset as one local WOFF file (~1.5 MB: 7,300+ common hanzi plus ASCII),
// served with the app. troika would otherwise fetch fonts from a CDN, which a control room cannot
// reach; so the font is always passed explicitly and label text is filtered to what it covers.
import fontUrl from '@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-500-normal.woff?url';
import { CodePointRanges, fontCoverage } from './font-coverage.ts';

export const LABEL_FONT_URL: string = fontUrl;

let coverage: Promise<CodePointRanges> | null = null;

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  // WOFF tables are zlib streams ("deflate" in the Compression Streams spec)
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The label font's character coverage, loaded once (the browser caches the file troika loads too). */
export function labelCoverage(): Promise<CodePointRanges> {
  coverage ??= fetch(LABEL_FONT_URL)
    .then((res) => {
      if (!res.ok) throw new Error(`label font: HTTP ${res.status}`);
      return res.arrayBuffer();
    })
    .then((font) => fontCoverage(font, inflate))
    .catch((err: Error) => {
      coverage = null; // try again next time
      throw err;
    });
  return coverage;
}
