// Provisioning a handheld: type the device id and token, or scan the provisioning QR code
// (JSON {server?, device, token, guard?}), or open a link with #provision=… . The credentials are
// checked against /patrol/me before they are kept.
import { useEffect, useState, type FormEvent } from 'react';
import { parseProvisioning, type PatrolMe, type Provisioning } from '../../../protocol/patrol.ts';
import { elsewhere, takeProvisionFromHash, type GuardCredentials } from './credentials.ts';
import { fetchMe } from './guard-api.ts';
import { useGuardI18n } from './guard-i18n.ts';
import { Scanner, canScan } from './Scanner.tsx';

export function SignIn({ onSignedIn }: { onSignedIn(c: GuardCredentials, me: PatrolMe): void }) {
  const { t } = useGuardI18n();
  const [device, setDevice] = useState('');
  const [token, setToken] = useState('');
  const [guard, setGuard] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [scanning, setScanning] = useState(false);

  const submit = async (c: { device: string; token: string; guard?: string }) => {
    const creds: GuardCredentials = { device: c.device.trim(), token: c.token.trim(), guard: c.guard?.trim() || c.device.trim() };
    if (!creds.device || !creds.token) return setError(t('signin.missing'));
    setBusy(true);
    setError(null);
    try {
      onSignedIn(creds, await fetchMe(creds));
    } catch (err) {
      const status = (err as { status?: number }).status;
      setError(status === 0 ? t('signin.offline') : t('signin.failed', { error: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  const provision = (p: Provisioning) => {
    const target = elsewhere(p, location.origin);
    if (target) return void location.assign(target);
    setDevice(p.device);
    setToken(p.token);
    setGuard(p.guard ?? '');
    void submit(p);
  };

  useEffect(() => {
    const fromLink = takeProvisionFromHash();
    if (fromLink) provision(fromLink);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- read the address once
  }, []);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit({ device, token, guard });
  };

  return (
    <main className="guard-signin">
      <header className="guard-brand">
        <img src="/guard-192.png" alt="" width={56} height={56} />
        <div>
          <h1>{t('app.title')}</h1>
          <p>{t('app.subtitle')}</p>
        </div>
      </header>
      <form className="guard-card" onSubmit={onSubmit} data-testid="guard-signin">
        <h2>{t('signin.heading')}</h2>
        <label>
          {t('signin.device')}
          <input value={device} onChange={(e) => setDevice(e.target.value)} autoComplete="username" autoCapitalize="off" spellCheck={false} data-testid="signin-device" />
        </label>
        <label>
          {t('signin.token')}
          <input value={token} onChange={(e) => setToken(e.target.value)} type="password" autoComplete="current-password" data-testid="signin-token" />
        </label>
        <label>
          {t('signin.guard')}
          <input value={guard} onChange={(e) => setGuard(e.target.value)} placeholder={t('signin.guardHint')} autoCapitalize="characters" data-testid="signin-guard" />
        </label>
        {error && (
          <p className="guard-error" role="alert" data-testid="signin-error">
            {error}
          </p>
        )}
        <button type="submit" className="guard-button primary" disabled={busy} data-testid="signin-submit">
          {busy ? t('signin.checking') : t('signin.submit')}
        </button>
        {canScan() && (
          <button type="button" className="guard-button secondary" onClick={() => setScanning(true)}>
            {t('signin.scan')}
          </button>
        )}
      </form>
      {scanning && (
        <Scanner
          onClose={() => setScanning(false)}
          onCode={(text) => {
            setScanning(false);
            const parsed = parseProvisioning(text);
            if (parsed.ok) provision(parsed.value);
            else setError(parsed.error);
          }}
        />
      )}
    </main>
  );
}
