// Checking in: scan the checkpoint's QR code (camera) or type its code, optionally with a note or
// a photo. The check-in is queued at once with the time of this tap; sending is the outbox's job.
import { useRef, useState, type FormEvent } from 'react';
import { useGuardI18n } from './guard-i18n.ts';
import { downscalePhoto } from './photo.ts';
import { Scanner, canScan } from './Scanner.tsx';

export interface CheckinRequest {
  code: string;
  method: 'qr' | 'manual';
  note: string;
  photo?: string;
}

export function CheckinForm({ onCheckin }: { onCheckin(request: CheckinRequest): Promise<boolean> }) {
  const { t } = useGuardI18n();
  const [code, setCode] = useState('');
  const [note, setNote] = useState('');
  const [photo, setPhoto] = useState<string | undefined>();
  const [scanning, setScanning] = useState(false);
  const [busy, setBusy] = useState(false);
  const file = useRef<HTMLInputElement>(null);

  const send = async (request: CheckinRequest) => {
    setBusy(true);
    try {
      if (await onCheckin(request)) {
        setCode('');
        setNote('');
        setPhoto(undefined);
      }
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (code.trim()) void send({ code, method: 'manual', note, photo });
  };

  return (
    <form className="guard-card" onSubmit={onSubmit} data-testid="checkin-form">
      <h2>{t('checkin.heading')}</h2>
      {canScan() && (
        <button type="button" className="guard-button primary big" onClick={() => setScanning(true)} data-testid="checkin-scan">
          {t('checkin.scan')}
        </button>
      )}
      <label>
        {t('checkin.code')}
        <input
          value={code}
          onChange={(e) => setCode(e.target.value)}
          placeholder={t('checkin.codePlaceholder')}
          autoCapitalize="characters"
          autoComplete="off"
          spellCheck={false}
          enterKeyHint="send"
          data-testid="checkin-code"
        />
      </label>
      <label>
        {t('checkin.note')}
        <textarea value={note} onChange={(e) => setNote(e.target.value)} maxLength={900} rows={2} data-testid="checkin-note" />
      </label>
      <div className="guard-row">
        <input
          ref={file}
          type="file"
          accept="image/*"
          capture="environment"
          hidden
          data-testid="checkin-photo"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) setPhoto(await downscalePhoto(f));
          }}
        />
        {photo ? (
          <span className="guard-photo">
            <img src={photo} alt="" />
            {t('checkin.photoAttached')}
            <button type="button" className="guard-link" onClick={() => setPhoto(undefined)}>
              {t('checkin.removePhoto')}
            </button>
          </span>
        ) : (
          <button type="button" className="guard-button secondary" onClick={() => file.current?.click()}>
            {t('checkin.photo')}
          </button>
        )}
        <button type="submit" className="guard-button primary" disabled={busy || !code.trim()} data-testid="checkin-submit">
          {t('checkin.submit')}
        </button>
      </div>
      {scanning && (
        <Scanner
          onClose={() => setScanning(false)}
          onCode={(scanned) => {
            setScanning(false);
            void send({ code: scanned, method: 'qr', note, photo });
          }}
        />
      )}
    </form>
  );
}
