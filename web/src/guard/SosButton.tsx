// SOS: a big red button and one confirmation (a pocket must not send it). It is a check-in at the
// reserved checkpoint `SOS`, queued like any other: it cannot be lost to a dead zone.
import { useState } from 'react';
import { useGuardI18n } from './guard-i18n.ts';

export function SosButton({ onSos }: { onSos(note: string): Promise<void> }) {
  const { t } = useGuardI18n();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button type="button" className="guard-sos" onClick={() => setOpen(true)} data-testid="sos">
        {t('sos.button')}
      </button>
      {open && (
        <div className="guard-modal" role="alertdialog" aria-modal="true" aria-label={t('sos.confirm')} data-testid="sos-dialog">
          <div className="guard-sheet">
            <p className="guard-sheet-title">{t('sos.confirm')}</p>
            <textarea value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('sos.note')} maxLength={500} rows={2} data-testid="sos-note" />
            <button
              type="button"
              className="guard-sos"
              disabled={busy}
              data-testid="sos-send"
              onClick={async () => {
                setBusy(true);
                try {
                  await onSos(note);
                  setOpen(false);
                  setNote('');
                } finally {
                  setBusy(false);
                }
              }}
            >
              {t('sos.send')}
            </button>
            <button type="button" className="guard-button secondary" onClick={() => setOpen(false)}>
              {t('sos.cancel')}
            </button>
          </div>
        </div>
      )}
    </>
  );
}
