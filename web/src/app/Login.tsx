// The sign-in page. The server's own error text is shown as is: it says what went wrong.
import { useState, type FormEvent } from 'react';
import { ApiRequestError, login } from './api.ts';
import { setLang, useI18n, type MessageKey } from './i18n.ts';
import { signIn } from './session.ts';

export function Login({ notice }: { notice: MessageKey | null }) {
  const { t, lang } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!username.trim() || !password) {
      setError(t('login.missing'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      signIn(await login({ username: username.trim(), password }));
    } catch (err) {
      const failure = err instanceof ApiRequestError && err.status === 0 ? t('error.network', { error: err.message }) : t('login.failed', { error: (err as Error).message });
      setError(failure);
      setBusy(false);
    }
  }

  const message = error ?? (notice ? t(notice) : null);
  return (
    <div className="login-page">
      <button type="button" className="button-ghost login-lang" data-testid="language-toggle" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>
        {t('header.language')}
      </button>
      <form className="login-card" onSubmit={submit} data-testid="login-form" noValidate>
        <div className="brand login-brand">
          <span className="brand-mark" aria-hidden />
          <h1>
            {t('app.title')} <span className="brand-sub">{t('app.subtitle')}</span>
          </h1>
        </div>
        <h2>{t('login.heading')}</h2>
        <label>
          {t('login.username')}
          <input name="username" autoComplete="username" autoFocus value={username} onChange={(e) => setUsername(e.target.value)} data-testid="login-username" />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="login-password" />
        </label>
        {message && (
          <p className="login-error" role="alert" data-testid="login-error">
            {message}
          </p>
        )}
        <button type="submit" className="button-primary" disabled={busy} data-testid="login-submit">
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </div>
  );
}
