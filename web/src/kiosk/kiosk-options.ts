// Wall-screen options from the URL, so a kiosk browser is configured by its start URL alone:
//   /?kiosk=1               full screen, no cursor, no sign-out button, slow tour when idle
//   &staleAfter=120         seconds of silence before a source is reported stale (default 120)
//   &tourAfter=60           seconds without input before the tour starts (kiosk only; 0 = never)
//   &theme=day|night        pin the theme (app/theme.ts reads it)
export interface KioskOptions {
  kiosk: boolean;
  /** silence (ms) after which a source's banner shows */
  staleAfterMs: number;
  /** idle time (ms) before the auto-tour; 0 = off */
  tourAfterMs: number;
}

export const DEFAULT_STALE_AFTER_S = 120;
export const DEFAULT_TOUR_AFTER_S = 60;

function seconds(value: string | null, fallback: number, min: number): number {
  if (value === null || value.trim() === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) && n >= min ? n : fallback;
}

export function parseKioskOptions(search: string): KioskOptions {
  const params = new URLSearchParams(search);
  const flag = params.get('kiosk');
  const kiosk = flag !== null && flag !== '0' && flag !== 'false';
  return {
    kiosk,
    staleAfterMs: seconds(params.get('staleAfter'), DEFAULT_STALE_AFTER_S, 1) * 1000,
    tourAfterMs: kiosk ? seconds(params.get('tourAfter'), DEFAULT_TOUR_AFTER_S, 0) * 1000 : 0,
  };
}

export function kioskOptions(): KioskOptions {
  return parseKioskOptions(typeof location === 'undefined' ? '' : location.search);
}
