// The printable QR sheet: one card per building with the code of its resident link
// (/report?e={estate}&b={building}), drawn client-side (`qrcode` computes the modules, React draws
// one SVG path — no SVG string pushed into the page). Opened from the work-order panel; Print sends
// only the sheet to the printer (workorders.css, @media print), about six cards an A4 page.
import { useEffect, useMemo } from 'react';
import type { EstateDetail } from '../../../../protocol/api.ts';
import { estateName } from '../Header.tsx';
import { qrPath, QUIET, reportLink } from './qr-path.ts';
import { useWoI18n } from './wo-i18n.ts';

function QrCode({ text, label }: { text: string; label: string }) {
  const { size, d } = useMemo(() => qrPath(text), [text]);
  const side = size + 2 * QUIET;
  return (
    <svg viewBox={`0 0 ${side} ${side}`} className="qr-code" role="img" aria-label={label} shapeRendering="crispEdges">
      <rect width={side} height={side} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

export function QrSheet({ detail, onClose }: { detail: EstateDetail; onClose(): void }) {
  const { t, lang } = useWoI18n();
  const estate = detail.estate;
  const buildings = useMemo(() => [...detail.buildings].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN', { numeric: true })), [detail]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    document.documentElement.classList.add('printing-qr-sheet');
    return () => {
      window.removeEventListener('keydown', onKey);
      document.documentElement.classList.remove('printing-qr-sheet');
    };
  }, [onClose]);
  const name = estateName(estate, lang);
  return (
    <div className="qr-sheet" role="dialog" aria-modal="true" aria-label={t('qr.title', { estate: name })} data-testid="qr-sheet">
      <div className="qr-sheet-bar">
        <h2>{t('qr.title', { estate: name })}</h2>
        <p>{t('qr.hint')}</p>
        <button type="button" className="button-ghost" onClick={() => window.print()} data-testid="qr-print">
          {t('qr.print')}
        </button>
        <button type="button" className="button-ghost" onClick={onClose} data-testid="qr-close">
          {t('qr.close')}
        </button>
      </div>
      {buildings.length === 0 ? (
        <p className="panel-empty">{t('qr.none')}</p>
      ) : (
        <div className="qr-cards">
          {buildings.map((b) => {
            const link = reportLink(location.origin, estate.id, b.id);
            return (
              <figure key={b.id} className="qr-card" data-testid="qr-card" data-building={b.id} data-link={link}>
                <figcaption>
                  <strong>{b.name}</strong>
                  <span>{estateName(estate, 'zh-CN')}</span>
                </figcaption>
                <QrCode text={link} label={b.name} />
                <p className="qr-call">扫码报事报修 · Scan to report a problem</p>
                <p className="qr-link">{link}</p>
              </figure>
            );
          })}
        </div>
      )}
    </div>
  );
}
