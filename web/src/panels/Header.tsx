// The header bar: product name, estate (and a picker when the account sees several), estate time,
// live-feed state, language toggle and sign-out.
import type { ReactNode } from 'react';
import type { EstateSummary } from '../../../protocol/api.ts';
import { useI18n } from '../app/i18n.ts';
import { setLang } from '../app/i18n.ts';
import { setTheme, useTheme } from '../app/theme.ts';
import type { ConnectionState } from '../live/mqtt-feed.ts';
import { Clock } from './Clock.tsx';
import { ConnectionBadge } from './ConnectionBadge.tsx';

export interface HeaderProps {
  estates: readonly EstateSummary[];
  estate: EstateSummary | null;
  onEstate(id: string): void;
  connection: ConnectionState;
  user: string;
  onSignOut(): void;
  /** kiosk: no sign-out button (nobody stands at a wall screen to sign in again) */
  kiosk?: boolean;
  replaying?: boolean;
  onReplay?(): void;
  /** capability figures shown before the clock (the work orders' overdue counter) */
  extra?: ReactNode;
}

export function estateName(estate: EstateSummary, lang: string): string {
  return lang === 'en' ? estate.name || estate.nameZh : estate.nameZh || estate.name;
}

export function Header({ estates, estate, onEstate, connection, user, onSignOut, kiosk = false, replaying = false, onReplay, extra }: HeaderProps) {
  const { t, lang } = useI18n();
  const theme = useTheme();
  return (
    <header className="header">
      <div className="brand">
        <span className="brand-mark" aria-hidden />
        <h1>
          {t('app.title')} <span className="brand-sub">{t('app.subtitle')}</span>
        </h1>
      </div>
      <div className="estate" data-testid="estate-name">
        {estates.length > 1 ? (
          <select aria-label={t('header.estate')} value={estate?.id ?? ''} onChange={(e) => onEstate(e.target.value)} data-testid="estate-picker">
            {estates.map((e) => (
              <option key={e.id} value={e.id}>
                {estateName(e, lang)}
              </option>
            ))}
          </select>
        ) : (
          estate && estateName(estate, lang)
        )}
      </div>
      <div className="header-right">
        {extra}
        {estate && <Clock timeZone={estate.timezone} />}
        <ConnectionBadge state={connection} />
        {onReplay && !replaying && (
          <button type="button" className="button-ghost" data-testid="replay-open" onClick={onReplay}>
            {t('replay.open')}
          </button>
        )}
        <button
          type="button"
          className="button-ghost"
          data-testid="theme-toggle"
          aria-label={t('theme.label')}
          onClick={() => setTheme(theme === 'night' ? 'day' : 'night')}
        >
          {theme === 'night' ? t('theme.day') : t('theme.night')}
        </button>
        <button
          type="button"
          className="button-ghost"
          data-testid="language-toggle"
          aria-label={t('header.languageLabel')}
          onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
        >
          {t('header.language')}
        </button>
        <span className="user">{user}</span>
        {!kiosk && (
          <button type="button" className="button-ghost" data-testid="sign-out" onClick={onSignOut}>
            {t('header.logout')}
          </button>
        )}
      </div>
    </header>
  );
}
