// Camera QR scanning with the browser's BarcodeDetector (Chrome on Android, Safari 17+ …): the
// first QR code read wins. Where the browser has none, the app offers typing the code instead.
import { useEffect, useRef, useState } from 'react';
import { useGuardI18n } from './guard-i18n.ts';

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorCtor = new (options: { formats: string[] }) => BarcodeDetectorLike;

function detectorClass(): BarcodeDetectorCtor | null {
  return (globalThis as { BarcodeDetector?: BarcodeDetectorCtor }).BarcodeDetector ?? null;
}

export function canScan(): boolean {
  return !!detectorClass() && !!navigator.mediaDevices?.getUserMedia;
}

const SCAN_EVERY_MS = 200;

export function Scanner({ onCode, onClose }: { onCode(code: string): void; onClose(): void }) {
  const { t } = useGuardI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const Detector = detectorClass();
    if (!Detector) {
      setError(t('scanner.unsupported'));
      return;
    }
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const detector = new Detector({ formats: ['qr_code'] });
    const scan = async () => {
      if (done || !video.current) return;
      try {
        const [hit] = await detector.detect(video.current);
        if (hit?.rawValue && !done) {
          done = true;
          onCode(hit.rawValue);
          return;
        }
      } catch {
        // a frame not ready yet
      }
      timer = setTimeout(() => void scan(), SCAN_EVERY_MS);
    };
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then(async (s) => {
        stream = s;
        if (done || !video.current) return;
        video.current.srcObject = s;
        await video.current.play();
        void scan();
      })
      .catch((err: Error) => setError(t('scanner.failed', { error: err.message })));
    return () => {
      done = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one camera session per mount
  }, []);

  return (
    <div className="guard-modal" role="dialog" aria-modal="true" aria-label={t('scanner.title')} data-testid="scanner">
      <div className="guard-sheet">
        <p className="guard-sheet-title">{t('scanner.title')}</p>
        {error ? <p className="guard-error" role="alert">{error}</p> : <video ref={video} className="guard-video" muted playsInline />}
        <button type="button" className="guard-button secondary" onClick={onClose}>
          {t('scanner.cancel')}
        </button>
      </div>
    </div>
  );
}
