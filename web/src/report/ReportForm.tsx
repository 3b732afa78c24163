// The report form: where (pre-filled from the QR code's building), what kind of problem, what is
// wrong, up to 3 photos, optionally a name and phone. Kept as a draft on the phone as it is typed;
// sending shows its progress; a failure says what to do and keeps everything.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { drafts, isBlank, newClientId, type DraftPhoto, type ReportDraft } from './draft.ts';
import { checkPhoto, formatBytes, MAX_PHOTOS } from './photo-check.ts';
import { shrinkPhoto } from './photo-shrink.ts';
import { useReportI18n, type ReportTranslate } from './report-i18n.ts';
import { ReportError, type ReportFailure } from './report-http.ts';
import { MAX_DESCRIPTION, type ReportInfo, type Receipt, type SendProgress } from './report-api.ts';

export type SubmitReport = (draft: ReportDraft, progress: (p: SendProgress) => void) => Promise<Receipt>;

const SAVE_DEBOUNCE_MS = 400;
/** Mainland mobile numbers, or anything phone-like elsewhere (digits, spaces, + - ()) */
const PHONE = /^\+?[\d\s()-]{5,20}$/;

function failureText(t: ReportTranslate, f: ReportFailure, lang: string): string {
  switch (f.kind) {
    case 'network':
      return t('error.network');
    case 'rate': {
      const seconds = Math.max(1, Math.round((f.retryAt - Date.now()) / 1000));
      const wait = seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
      return t('error.rate', { time: new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(f.retryAt), wait });
    }
    case 'photo':
      return t('error.photo', { error: f.message });
    case 'place':
      return t('error.placeDetail', { text: t(`error.place.${f.reason}`), error: f.message });
    default:
      return t('error.server', { error: f.message });
  }
}

function progressText(t: ReportTranslate, p: SendProgress): string {
  if (p.stage === 'uploading') return t('send.uploading', { percent: Math.round(p.fraction * 100) });
  if (p.stage === 'waiting') return t('send.waiting');
  return t('send.preparing');
}

function blankDraft(estate: string, building: string): ReportDraft {
  return { estate, building, floor: '', unit: '', room: '', category: '', description: '', name: '', phone: '', photos: [], clientId: newClientId(), savedAt: Date.now() };
}

export function ReportForm({ info, building, onSubmit, onDone }: { info: ReportInfo; building: string | null; onSubmit: SubmitReport; onDone(receipt: Receipt): void }) {
  const { t, lang } = useReportI18n();
  const estate = info.estate.id;
  const knownBuilding = building && info.buildings.some((b) => b.id === building) ? building : '';
  const [draft, setDraft] = useState<ReportDraft>(() => blankDraft(estate, knownBuilding));
  const [restored, setRestored] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<ReportFailure | null>(null);
  const [progress, setProgress] = useState<SendProgress | null>(null);
  const [loaded, setLoaded] = useState(false);
  const file = useRef<HTMLInputElement>(null);
  const previews = useRef(new Map<string, string>());

  // a kept draft comes back (the QR code's building wins over the draft's, it is where they stand)
  useEffect(() => {
    let live = true;
    void drafts.load(estate).then((saved) => {
      if (!live) return;
      if (saved && !isBlank(saved)) {
        // a floor / unit / room kept for another building than the QR code's says nothing about this one
        const building = knownBuilding || saved.building;
        setDraft(building === saved.building ? saved : { ...saved, building, floor: '', unit: '', room: '' });
        setRestored(true);
      }
      setLoaded(true);
    });
    return () => {
      live = false;
    };
  }, [estate, knownBuilding]);

  useEffect(() => {
    if (!loaded) return;
    const timer = setTimeout(() => void (isBlank(draft) ? drafts.remove(estate) : drafts.save({ ...draft, savedAt: Date.now() })), SAVE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft, loaded, estate]);

  useEffect(() => () => previews.current.forEach((url) => URL.revokeObjectURL(url)), []);
  const preview = (p: DraftPhoto) => {
    let url = previews.current.get(p.key);
    if (!url) previews.current.set(p.key, (url = URL.createObjectURL(p.blob)));
    return url;
  };

  const change = (patch: Partial<ReportDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setFailure(null);
  };

  const addPhotos = async (files: File[]) => {
    const messages: string[] = [];
    const added: DraftPhoto[] = [];
    let shrunk = false;
    for (const f of files) {
      if (draft.photos.length + added.length >= MAX_PHOTOS) {
        messages.push(t('photo.count', { max: MAX_PHOTOS }));
        break;
      }
      const checked = await checkPhoto(f);
      let blob: Blob = f;
      let type = checked.ok ? checked.type : f.type;
      if (!checked.ok) {
        if (checked.problem.kind === 'size') {
          const small = await shrinkPhoto(f);
          if (small) {
            blob = small;
            type = 'image/jpeg';
            shrunk = true;
          } else {
            messages.push(t('photo.size', { name: f.name, size: formatBytes(f.size) }));
            continue;
          }
        } else {
          messages.push(t('photo.type', { name: f.name }));
          continue;
        }
      }
      added.push({ key: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, name: f.name || 'photo.jpg', type, blob });
    }
    setProblems(messages);
    setNotice(shrunk ? t('photo.shrunk') : null);
    if (added.length) change({ photos: [...draft.photos, ...added] });
  };

  const removePhoto = (key: string) => {
    const url = previews.current.get(key);
    if (url) URL.revokeObjectURL(url);
    previews.current.delete(key);
    change({ photos: draft.photos.filter((p) => p.key !== key) });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const missing: string[] = [];
    if (!draft.category) missing.push(t('form.missingCategory'));
    if (!draft.description.trim()) missing.push(t('form.missingDescription'));
    if (draft.phone.trim() && !PHONE.test(draft.phone.trim())) missing.push(t('form.badPhone'));
    setProblems(missing);
    if (missing.length) return;
    setFailure(null);
    setProgress({ stage: 'preparing', fraction: 0 });
    try {
      const receipt = await onSubmit(draft, setProgress);
      await drafts.remove(estate);
      onDone(receipt);
    } catch (err) {
      setFailure(err instanceof ReportError ? err.failure : { kind: 'server', status: 0, message: (err as Error).message });
      // the draft (and its client id) stays: a resend is the same report
      void drafts.save({ ...draft, savedAt: Date.now() });
    } finally {
      setProgress(null);
    }
  };

  const sending = progress !== null;
  const categoryName = (c: ReportInfo['categories'][number]) => (lang === 'en' ? c.name || c.nameZh : c.nameZh || c.name);
  return (
    <form className="report-card" onSubmit={submit} data-testid="report-form" noValidate>
      <h2>{t('form.heading')}</h2>
      {restored && <p className="report-note" data-testid="report-draft-restored">{t('form.draftKept')}</p>}
      <label>
        {t('form.building')}
        <select value={draft.building} onChange={(e) => change({ building: e.target.value, floor: '', unit: '', room: '' })} data-testid="report-building" disabled={sending}>
          <option value="">{t('form.buildingNone')}</option>
          {info.buildings.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </select>
      </label>
      {draft.building && (
        <fieldset className="report-place" disabled={sending} data-testid="report-place">
          <legend>{t('form.place')}</legend>
          <label>
            {t('form.floor')}
            <input value={draft.floor ?? ''} onChange={(e) => change({ floor: e.target.value })} maxLength={8} placeholder={t('form.floorPlaceholder')} aria-invalid={failure?.kind === 'place' && /floor/.test(failure.reason) ? true : undefined} data-testid="report-floor" />
          </label>
          <label>
            {t('form.unit')}
            <input value={draft.unit ?? ''} onChange={(e) => change({ unit: e.target.value })} maxLength={32} placeholder={t('form.unitPlaceholder')} aria-invalid={failure?.kind === 'place' && failure.reason === 'unknown_unit' ? true : undefined} data-testid="report-unit" />
          </label>
          <label>
            {t('form.room')}
            <input value={draft.room ?? ''} onChange={(e) => change({ room: e.target.value })} maxLength={32} placeholder={t('form.roomPlaceholder')} aria-invalid={failure?.kind === 'place' && /room|mismatch/.test(failure.reason) ? true : undefined} data-testid="report-room" />
          </label>
        </fieldset>
      )}
      <fieldset className="report-categories" disabled={sending}>
        <legend>{t('form.category')}</legend>
        {info.categories.map((c) => (
          <label key={c.code} className={`report-chip ${draft.category === c.code ? 'on' : ''}`} data-testid={`report-category-${c.code}`}>
            <input type="radio" name="category" value={c.code} checked={draft.category === c.code} onChange={() => change({ category: c.code })} />
            {categoryName(c)}
          </label>
        ))}
      </fieldset>
      <label>
        <span className="report-label-row">
          {t('form.description')}
          <small>{t('form.count', { n: draft.description.length, max: MAX_DESCRIPTION })}</small>
        </span>
        <textarea
          value={draft.description}
          onChange={(e) => change({ description: e.target.value })}
          maxLength={MAX_DESCRIPTION}
          rows={4}
          placeholder={t('form.descriptionPlaceholder')}
          data-testid="report-description"
          disabled={sending}
        />
      </label>
      <div className="report-photos">
        <span className="report-label">{t('form.photos', { max: MAX_PHOTOS })}</span>
        <div className="report-thumbs">
          {draft.photos.map((p) => (
            <span key={p.key} className="report-thumb" data-testid="report-photo">
              <img src={preview(p)} alt="" />
              <button type="button" onClick={() => removePhoto(p.key)} disabled={sending} aria-label={t('form.removePhoto')}>
                ×
              </button>
            </span>
          ))}
          {draft.photos.length < MAX_PHOTOS && (
            <button type="button" className="report-add-photo" onClick={() => file.current?.click()} disabled={sending} data-testid="report-add-photo">
              + {t('form.addPhoto')}
            </button>
          )}
        </div>
        <input
          ref={file}
          type="file"
          accept="image/jpeg,image/png,image/webp"
          multiple
          hidden
          data-testid="report-photo-input"
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            e.target.value = '';
            void addPhotos(files);
          }}
        />
      </div>
      <fieldset className="report-contact" disabled={sending}>
        <legend>{t('form.contact')}</legend>
        <label>
          {t('form.name')}
          <input value={draft.name} onChange={(e) => change({ name: e.target.value })} maxLength={40} autoComplete="name" data-testid="report-name" />
        </label>
        <label>
          {t('form.phone')}
          <input value={draft.phone} onChange={(e) => change({ phone: e.target.value })} maxLength={20} inputMode="tel" autoComplete="tel" data-testid="report-phone" />
        </label>
      </fieldset>
      {notice && <p className="report-note">{notice}</p>}
      {problems.length > 0 && (
        <ul className="report-problems" role="alert" data-testid="report-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {failure && (
        <p className={`report-failure ${failure.kind}`} role="alert" data-testid="report-failure" data-kind={failure.kind}>
          {failureText(t, failure, lang)}
        </p>
      )}
      {sending && (
        <div className="report-progress" role="status" data-testid="report-progress" data-stage={progress.stage}>
          <span>{progressText(t, progress)}</span>
          <progress max={1} value={progress.stage === 'waiting' ? undefined : progress.fraction} />
        </div>
      )}
      <button type="submit" className="report-button primary" disabled={sending} data-testid="report-submit">
        {t('form.submit')}
      </button>
      <p className="report-dim">{t('form.privacy')}</p>
    </form>
  );
}
