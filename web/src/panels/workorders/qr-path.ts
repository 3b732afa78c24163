// A QR code as one SVG path, drawn by React (no SVG string pushed into the DOM): the `qrcode`
// package computes the modules, this turns each dark row run into a rectangle `M x y h w v 1 h -w z`.
// Pure, so the sheet's codes are tested in Node by decoding nothing more than the module matrix.
import QRCode from 'qrcode';

export interface QrPath {
  /** modules per side (without the quiet zone) */
  size: number;
  /** path data in module units, offset by the quiet zone */
  d: string;
}

/** Quiet zone the QR spec asks for: 4 modules on every side. */
export const QUIET = 4;

export function qrPath(text: string): QrPath {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const { size, data } = modules;
  let d = '';
  for (let y = 0; y < size; y++) {
    let x = 0;
    while (x < size) {
      if (!data[y * size + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && data[y * size + x]) x++;
      d += `M${start + QUIET} ${y + QUIET}h${x - start}v1h${start - x}z`;
    }
  }
  return { size, d };
}

/** The resident link a building's QR code opens. */
export function reportLink(origin: string, estate: string, building: string): string {
  return `${origin.replace(/\/$/, '')}/report?e=${encodeURIComponent(estate)}&b=${encodeURIComponent(building)}`;
}
